/** The sandbox inbox's own rules, on top of web.css. */
export const SANDBOX_STYLE = `
.sandbox-banner { padding: .6rem 1rem; background: #7a2e00; color: #fff; font-weight: 600; }
.sandbox-banner a { color: #fff; }
.search { display: flex; flex-wrap: wrap; gap: .5rem; align-items: end; margin-bottom: 1rem; }
.search input { width: 22rem; max-width: 100%; padding: .45rem; font: inherit; border: 1px solid #767676; border-radius: 3px; }
.search button { margin-top: 0; }
iframe.preview { width: 100%; height: 28rem; border: 1px solid var(--line); background: #fff; }
pre.source { max-height: 24rem; overflow: auto; padding: .5rem; background: var(--panel); }
ul.problems li { margin: .2rem 0; }
tr.new { background: #eef5fb; }
table[data-live] td { overflow-wrap: anywhere; }
/* A phone shows who, what and when; the message page has the rest. */
@media (max-width: 40rem) { iframe.preview { height: 20rem; } .wide { display: none; } }
`;
