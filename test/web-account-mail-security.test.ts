import assert from 'node:assert/strict';
import { test } from 'node:test';
import { FILTERS_SCRIPT } from '../src/sieve/filter-rules-script.ts';
import { VACATION_SCRIPT } from '../src/sieve/vacation-script.ts';
import { activateScript } from './helpers/sieve.ts';
import { USER, WebClient, startWebServer, type WebServer } from './helpers/web.ts';

const ACTIONS: [string, Record<string, string>][] = [
  ['/account/vacation', { on: 'on', subject: 'Away', message: 'Gone.' }],
  ['/account/filters', { field: 'from', text: 'x', folder: 'X' }],
  ['/account/filters/remove', { index: '0' }],
  ['/account/spam/list', { sender: 'pest.example', list: 'block' }],
  ['/account/spam/forget', {}],
];

async function loggedIn(web: WebServer): Promise<{ client: WebClient; csrf: string }> {
  const client = new WebClient(web);
  assert.equal((await client.login(USER)).status, 303);
  return { client, csrf: await client.csrf() };
}

/** Posts a form as the page would and returns the page it leads back to (with the action's message). */
async function postAndShow(client: WebClient, path: string, fields: Record<string, string>, page = path): Promise<string> {
  const reply = await client.post(path, fields, { Referer: `https://localhost${page}` });
  assert.equal(reply.status, 303, `${path}: ${reply.body.slice(0, 300)}`);
  return (await client.get(page)).body;
}

const scriptsOf = async (web: WebServer) => web.store.listSieveScripts((await web.store.getAccount(USER))!.id);

test('the vacation, filter and spam pages: no session goes to login, a forged or foreign form gets 403 and changes nothing', async (t) => {
  const web = await startWebServer(t);
  const anonymous = new WebClient(web);
  for (const path of ['/account/vacation', '/account/filters', '/account/spam']) {
    const reply = await anonymous.get(path);
    assert.equal(reply.status, 303);
    assert.equal(reply.headers.location, `/account/login?next=${encodeURIComponent(path)}`);
  }
  for (const [path, fields] of ACTIONS) {
    assert.equal((await anonymous.post(path, { _csrf: 'x', ...fields })).status, 303, path);
  }
  const { client, csrf } = await loggedIn(web);
  for (const [path, fields] of ACTIONS) {
    assert.equal((await client.post(path, { ...fields, _csrf: 'forged' + csrf.slice(6) })).status, 403, `${path}: forged token`);
    assert.equal((await client.post(path, fields)).status, 403, `${path}: no token`);
    assert.equal((await client.post(path, { ...fields, _csrf: csrf }, { Origin: 'https://evil.example' })).status, 403, `${path}: other origin`);
  }
  assert.deepEqual(await scriptsOf(web), [], 'no script was written');
  assert.deepEqual(await web.store.listSenderEntries((await web.store.getAccount(USER))!.id), [], 'no list entry');
});

test('hostile field values are refused with a clear message or kept as text, and the server keeps serving', async (t) => {
  const web = await startWebServer(t);
  const { client, csrf } = await loggedIn(web);
  const refusals: [string, Record<string, string>, RegExp][] = [
    ['/account/vacation', { on: 'on', subject: '', message: 'x' }, /the subject is empty/],
    ['/account/vacation', { on: 'on', subject: 'x', message: 'y', until: 'tomorrow' }, /is not a day like 2026-12-31/],
    ['/account/vacation', { on: 'on', subject: 'x', message: 'y', days: '1e9' }, /days is a whole number from 1 to 30/],
    ['/account/vacation', { on: 'on', subject: 'x', message: 'y', days: 'NaN' }, /days is a whole number from 1 to 30/],
    ['/account/filters', { field: 'body', text: 'x', folder: 'X' }, /the field is one of from, to, subject, list-id/],
    ['/account/filters', { field: 'from', text: 'x', folder: 'Evil\r\n"; discard;' }, /a folder name has no control characters or line breaks/],
    ['/account/filters', { field: 'from', text: 'x'.repeat(5000), folder: 'X' }, /at most 200 characters per field/],
    ['/account/filters', { field: 'from', text: '   ', folder: 'X' }, /the text to look for is empty/],
    ['/account/filters/remove', { index: '-1' }, /there is no such rule/],
    ['/account/filters/remove', { index: '__proto__' }, /there is no such rule/],
    ['/account/spam/list', { sender: 'pest.example', list: 'constructor' }, /a list is allow, block or none/],
  ];
  for (const [path, fields, reason] of refusals) {
    const page = path.replace(/\/(remove|list)$/, '');
    const body = await postAndShow(client, path, { _csrf: csrf, ...fields }, page);
    assert.match(body, /class="flash error" role="alert"/, `${path} ${JSON.stringify(fields).slice(0, 80)}`);
    assert.match(body, reason, `${path} ${JSON.stringify(fields).slice(0, 80)}`);
  }
  assert.deepEqual(await scriptsOf(web), [], 'no refused value made a script');

  // Markup and Sieve syntax in values are text: escaped on the page, quoted in the script.
  const evil = '<script>alert(1)</script>"; discard; #';
  let body = await postAndShow(client, '/account/filters', { _csrf: csrf, field: 'subject', text: evil, folder: 'Ordner «日本» \\ "x"' });
  assert.match(body, /The rule was added/);
  assert.ok(!body.includes('<script>alert(1)'), 'escaped');
  assert.ok(body.includes('&lt;script&gt;alert(1)&lt;/script&gt;'));
  body = await postAndShow(client, '/account/spam/list', { _csrf: csrf, sender: '<b>x</b>', list: 'block' }, '/account/spam');
  assert.ok(!body.includes('<b>x</b>'));
  assert.equal((await client.get('/account/')).status, 200, 'still serving');
  assert.equal((await client.get('/account/filters')).status, 200);
});

test('the rules and the vacation run together and with the user\'s own script, which is never overwritten', async (t) => {
  const web = await startWebServer(t);
  const account = (await web.store.getAccount(USER))!;
  const mine = 'require "fileinto";\r\nif header :contains "subject" "mine" { fileinto "Mine"; }\r\n';
  await activateScript(web.store, account, mine, { name: 'roundcube' });
  const { client, csrf } = await loggedIn(web);
  const read = (name: string) => web.store.getSieveScript(account.id, name);
  const active = async () => (await scriptsOf(web)).find((s) => s.active)?.name ?? null;

  let body = await postAndShow(client, '/account/filters', { _csrf: csrf, field: 'from', text: 'boss', folder: 'Work' });
  assert.match(body, /Your own Sieve script <strong>roundcube<\/strong> keeps running after these rules/);
  assert.equal(await active(), FILTERS_SCRIPT);
  assert.match((await read(FILTERS_SCRIPT))!, /include :personal :optional "roundcube";/);
  assert.equal(await read('roundcube'), mine, 'the user\'s script is as it was');

  await postAndShow(client, '/account/vacation', { _csrf: csrf, on: 'on', subject: 'Away', message: 'Gone.', days: '7' });
  assert.equal(await active(), VACATION_SCRIPT);
  assert.match((await read(VACATION_SCRIPT))!, new RegExp(`include :personal :optional "${FILTERS_SCRIPT}";`), 'vacation, then the rules, then roundcube');

  // Removing the last rule while away: vacation includes roundcube directly again.
  await postAndShow(client, '/account/filters/remove', { _csrf: csrf, index: '0' }, '/account/filters');
  assert.equal(await read(FILTERS_SCRIPT), null);
  assert.equal(await active(), VACATION_SCRIPT);
  assert.match((await read(VACATION_SCRIPT))!, /include :personal :optional "roundcube";/);
  body = (await client.get('/account/vacation')).body;
  assert.match(body, /Now: on\./);

  // A rule added while away goes between the vacation and roundcube again; vacation off leaves the rules active.
  await postAndShow(client, '/account/filters', { _csrf: csrf, field: 'list-id', text: 'debian', folder: 'Lists' });
  assert.match((await read(VACATION_SCRIPT))!, new RegExp(`include :personal :optional "${FILTERS_SCRIPT}";`));
  await postAndShow(client, '/account/vacation', { _csrf: csrf });
  assert.equal(await active(), FILTERS_SCRIPT);
  assert.equal(await read(VACATION_SCRIPT), null);

  // A script the user uploaded under our name is theirs: the page says so and writes nothing.
  await activateScript(web.store, account, 'keep;\r\n', { name: FILTERS_SCRIPT });
  const refused = await client.get('/account/filters');
  assert.equal(refused.status, 400);
  assert.match(refused.body, /you have your own script named mailfold-filters; rename it/);
  body = await postAndShow(client, '/account/filters', { _csrf: csrf, field: 'from', text: 'x', folder: 'X' }, '/account/vacation');
  assert.match(body, /you have your own script named mailfold-filters/);
  assert.equal(await read(FILTERS_SCRIPT), 'keep;\r\n');
});
