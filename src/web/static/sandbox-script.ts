/**
 * The sandbox inbox's live list: new messages appear at the top as they are captured,
 * deleted ones go, through the API's event stream. Without it the page works the same,
 * reloaded by hand.
 */
export const SANDBOX_SCRIPT = `
'use strict';
(function () {
  var table = document.querySelector('[data-live]');
  if (!table || !window.EventSource) return;
  var body = table.querySelector('tbody');
  var status = document.getElementById('live-status');
  var count = document.getElementById('message-count');
  function cell(row, text, href, wide) {
    var td = document.createElement('td');
    if (wide) td.className = 'wide';
    if (href) { var a = document.createElement('a'); a.href = href; a.textContent = text; td.appendChild(a); }
    else td.textContent = text;
    row.appendChild(td);
  }
  var events = new EventSource('/sandbox/api/events');
  events.addEventListener('message', function (event) {
    var m = JSON.parse(event.data);
    if (table.hasAttribute('data-filtered')) { if (status) status.textContent = 'New messages arrived: search again to see them.'; return; }
    var row = document.createElement('tr');
    row.className = 'new';
    row.setAttribute('data-id', m.id);
    cell(row, m.from);
    cell(row, m.recipients.join(', ') || m.to.join(', '), null, true);
    cell(row, m.subject || '(no subject)', '/sandbox/message?id=' + m.id);
    cell(row, m.receivedAt.replace('T', ' ').slice(0, 19));
    cell(row, m.size + ' B', null, true);
    body.insertBefore(row, body.firstChild);
    table.hidden = false;
    if (count) count.textContent = String(body.rows.length);
    if (status) status.textContent = 'New message: ' + (m.subject || '(no subject)');
  });
  events.addEventListener('deleted', function (event) {
    JSON.parse(event.data).ids.forEach(function (id) {
      var row = body.querySelector('tr[data-id="' + id + '"]');
      if (row) row.remove();
    });
    if (count) count.textContent = String(body.rows.length);
  });
})();
`;
