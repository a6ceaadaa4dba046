/**
 * The one script, loaded with `defer` from our own origin (the CSP allows no other): every
 * page works without it; it only asks before destructive actions and copies secrets.
 */
export const SCRIPT = `
'use strict';
document.addEventListener('submit', function (event) {
  var form = event.target;
  var question = form.getAttribute('data-confirm');
  if (question && !window.confirm(question)) event.preventDefault();
});
document.addEventListener('click', function (event) {
  var button = event.target.closest('[data-copy]');
  if (!button || !navigator.clipboard) return;
  var target = document.getElementById(button.getAttribute('data-copy'));
  if (target) navigator.clipboard.writeText(target.textContent).then(function () { button.textContent = 'Copied'; });
});
document.querySelectorAll('[data-copy]').forEach(function (b) { if (navigator.clipboard) b.hidden = false; });
`;
