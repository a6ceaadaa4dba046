/**
 * The one stylesheet: system fonts, a few colours with at least 4.5:1 contrast (WCAG AA),
 * one column on a phone, a wider one on a desktop. Flat colours keep screenshots small.
 */
export const STYLE = `
:root { --ink: #1b1b1b; --muted: #4a4a4a; --line: #c8c8c8; --accent: #0b4f8a; --bad: #9b1c1c; --good: #1d5e20; --panel: #f3f3f3; }
* { box-sizing: border-box; }
body { margin: 0; font: 16px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; color: var(--ink); background: #fff; }
header { display: flex; flex-wrap: wrap; align-items: center; gap: .5rem 1rem; padding: .6rem 1rem; border-bottom: 1px solid var(--line); background: var(--panel); }
header .brand { font-weight: 700; color: var(--ink); text-decoration: none; }
nav ul { display: flex; flex-wrap: wrap; gap: .2rem .9rem; margin: 0; padding: 0; list-style: none; }
nav a { color: var(--accent); }
nav a[aria-current="page"] { color: var(--ink); font-weight: 700; text-decoration: none; }
header form { margin-left: auto; }
main { max-width: 60rem; margin: 0 auto; padding: 1rem; }
h1 { font-size: 1.5rem; margin: .3rem 0 1rem; }
h2 { font-size: 1.15rem; margin: 1.5rem 0 .5rem; }
a { color: var(--accent); }
table { border-collapse: collapse; width: 100%; margin: .5rem 0 1rem; }
th, td { text-align: left; padding: .35rem .5rem; border-bottom: 1px solid var(--line); vertical-align: top; overflow-wrap: break-word; }
th { font-weight: 600; white-space: nowrap; }
td a, td code { overflow-wrap: anywhere; }
form.inline { display: inline; }
fieldset { border: 1px solid var(--line); padding: .6rem .8rem; margin: 0 0 1rem; }
legend { font-weight: 600; }
label { display: block; margin: .4rem 0 .15rem; }
input[type=text], input[type=password], input[type=email], input[type=number], input[type=date], textarea, select { width: 100%; max-width: 26rem; padding: .45rem; font: inherit; border: 1px solid #767676; border-radius: 3px; }
textarea { max-width: 100%; min-height: 8rem; font-family: ui-monospace, monospace; font-size: .85rem; }
button { font: inherit; padding: .4rem .9rem; margin-top: .5rem; border: 1px solid var(--accent); border-radius: 3px; background: var(--accent); color: #fff; cursor: pointer; }
button.secondary { background: #fff; color: var(--accent); }
button.danger { background: var(--bad); border-color: var(--bad); }
td button { margin: 0; padding: .2rem .6rem; }
.flash { padding: .6rem .8rem; margin: 0 0 1rem; border: 1px solid; border-radius: 3px; }
.flash.ok { border-color: var(--good); color: var(--good); }
.flash.error { border-color: var(--bad); color: var(--bad); }
.secret { display: block; font: 1.2rem ui-monospace, monospace; padding: .5rem; margin: .4rem 0; background: var(--panel); overflow-wrap: anywhere; }
.muted { color: var(--muted); }
code, pre { font-family: ui-monospace, monospace; font-size: .85rem; overflow-wrap: anywhere; white-space: pre-wrap; }
dl { display: grid; grid-template-columns: max-content 1fr; gap: .2rem 1rem; }
dt { font-weight: 600; }
dd { margin: 0; overflow-wrap: anywhere; }
meter { width: 100%; max-width: 26rem; height: 1.2rem; }
.qr svg { width: 12rem; height: 12rem; }
.login { max-width: 24rem; margin: 3rem auto; }
@media (max-width: 40rem) { header form { margin-left: 0; } dl { grid-template-columns: 1fr; } dd { margin-bottom: .4rem; } }
`;
