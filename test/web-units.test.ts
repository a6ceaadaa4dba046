import assert from 'node:assert/strict';
import { test } from 'node:test';
import { readCookie } from '../src/web/cookies.ts';
import { html, raw } from '../src/web/html.ts';
import { SessionStore } from '../src/web/session.ts';

test('sessions end after the idle timeout, and at most the bound are kept', () => {
  let now = 1_000_000;
  const sessions = new SessionStore(30 * 60_000, { max: 3, now: () => now });
  const a = sessions.create(1);
  now += 29 * 60_000;
  assert.equal(sessions.get(a.id)?.accountId, 1, 'a request within the timeout keeps it');
  now += 29 * 60_000;
  assert.ok(sessions.get(a.id), 'the timeout counts from the last request');
  now += 31 * 60_000;
  assert.equal(sessions.get(a.id), null, 'idle too long');
  assert.equal(sessions.get(a.id), null);

  const made = [2, 3, 4, 5].map((id) => sessions.create(id));
  assert.equal(sessions.size, 3, 'bounded');
  assert.equal(sessions.get(made[0]!.id), null, 'the least recently used went first');
  sessions.get(made[1]!.id);
  sessions.create(6);
  assert.ok(sessions.get(made[1]!.id), 'a session in use stays');
  assert.equal(sessions.get(made[2]!.id), null);

  for (const id of [undefined, '', 'x', 'A'.repeat(43), '../../etc/passwd', 'A'.repeat(10_000)]) assert.equal(sessions.get(id), null, String(id).slice(0, 20));
});

test('however active, a session ends after 12 hours; endAccount ends all of an account but one', () => {
  let now = 0;
  const sessions = new SessionStore(3600_000, { now: () => now });
  const old = sessions.create(1);
  for (let i = 0; i < 14; i++) {
    now += 3000_000;
    sessions.get(old.id);
  }
  now += 3000_000;
  assert.equal(sessions.get(old.id), null);
  const [x, y, z] = [sessions.create(7), sessions.create(7), sessions.create(8)];
  sessions.endAccount(7, y.id);
  assert.equal(sessions.get(x.id), null);
  assert.ok(sessions.get(y.id));
  assert.ok(sessions.get(z.id));
  assert.notEqual(x.csrf, y.csrf, 'each session has its own CSRF token');
});

test('html escapes every inserted value unless it is markup already', () => {
  const evil = `<script>alert("x")</script>&'`;
  assert.equal(html`<p title="${evil}">${evil}</p>`.text, '<p title="&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;&amp;&#39;">&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;&amp;&#39;</p>');
  assert.equal(html`${[html`<b>${'<i>'}</b>`, 'a<b']}${null}${undefined}${false}${0}`.text, '<b>&lt;i&gt;</b>a&lt;b0');
  assert.equal(html`${raw('<svg></svg>')}`.text, '<svg></svg>');
});

test('cookies: the one asked for, nothing from a malformed or oversized header', () => {
  assert.equal(readCookie('a=1; __Host-x=abc; b=2', '__Host-x'), 'abc');
  assert.equal(readCookie('__Host-x', '__Host-x'), undefined);
  assert.equal(readCookie('=abc; ;;', '__Host-x'), undefined);
  assert.equal(readCookie(`__Host-x=abc; pad=${'p'.repeat(5000)}`, '__Host-x'), undefined);
  assert.equal(readCookie(undefined, '__Host-x'), undefined);
});
