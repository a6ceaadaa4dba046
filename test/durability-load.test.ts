/**
 * Durability under mixed load: a `mailfold serve` subprocess takes SMTP deliveries,
 * IMAP APPENDs, flag changes, MOVEs and EXPUNGEs (imapflow) and POP3 DELE+QUIT at once,
 * and is killed with SIGKILL at a random point (a random number of acknowledgements,
 * then a random timer) many times. After each kill the store is checked offline: every
 * acknowledged change is in effect, every unacknowledged one either happened or did
 * not (and is then taken as the new truth), nothing exists twice, UIDs are not reused.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { test } from 'node:test';
import { ImapFlow } from 'imapflow';
import { openLevelStore } from '../src/store/level/store.ts';
import { exited, runCli, tempDir } from './helpers/env.ts';
import { RawClient } from './helpers/pop3.ts';
import { serveOnFreePorts, type ServePorts } from './helpers/serve-load.ts';
import { SmtpClient } from './helpers/smtp.ts';
import { collect, createStoreIn } from './helpers/store.ts';

const KILLS = 22;
const PASSWORD = 'correct horse battery';
const ALICE = 'alice@example.org'; // IMAP: append, flags, move, expunge
const BOB = 'bob@example.org'; // POP3: DELE + QUIT
const MAILBOXES = ['INBOX', 'Archive'] as const;
const FLAGS = ['\\Flagged', '\\Seen', '$Done'];

type MailboxName = (typeof MAILBOXES)[number];
/** Where a message is and with which flags; null once it is gone. */
type Place = { mailbox: MailboxName; flags: string[] } | null;

interface Tracked {
  account: string;
  place: Place;
  /** While a change is unacknowledged: every state it may have left behind. */
  options?: Place[];
  busy: boolean;
}

let seed = Number(process.env.DURABILITY_SEED ?? Date.now() % 2 ** 31);
const random = () => (seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) / 2 ** 32;
const pick = <T>(items: T[]): T => items[Math.floor(random() * items.length)]!;

const samePlace = (a: Place, b: Place) =>
  a === null || b === null ? a === b : a.mailbox === b.mailbox && [...a.flags].sort().join(' ') === [...b.flags].sort().join(' ');

class Load {
  readonly messages = new Map<string, Tracked>();
  /** Message-IDs deleted together in one POP3 session whose QUIT was not answered. */
  readonly popGroups: string[][] = [];
  readonly acked = { smtp: 0, append: 0, flag: 0, move: 0, expunge: 0, pop3: 0 };
  killed = false;
  #acks = 0;
  #killAt = 0;
  #kill: () => void = () => {};
  #waitingFor = 0;
  #next = 0;

  /** Kills after `killAfterAcks` acknowledgements, counted once all `workers` are logged in. */
  arm(killAfterAcks: number, workers: number, kill: () => void): void {
    this.killed = false;
    this.#acks = 0;
    this.#killAt = killAfterAcks;
    this.#waitingFor = workers;
    this.#kill = kill;
  }

  /** A worker is connected and logged in. */
  ready(): void {
    this.#waitingFor--;
  }

  newMessage(account: string, flags: string[] = []): { id: string; raw: string } {
    const id = `${Date.now().toString(36)}.${this.#next++}.${randomBytes(4).toString('hex')}`;
    this.messages.set(id, { account, place: null, options: [null, { mailbox: 'INBOX', flags }], busy: true });
    const filler = 'Lorem ipsum dolor sit amet, consectetur adipiscing elit.\r\n'.repeat(1 + Math.floor(random() * 40));
    const raw = `From: load@example.net\r\nTo: ${account}\r\nSubject: load ${id}\r\nMessage-ID: <${id}@load.example.net>\r\nDate: Mon, 23 Nov 2026 09:00:00 +0000\r\n\r\n${filler}`;
    return { id, raw };
  }

  /** Marks a change as under way: until it is acknowledged, `outcome` or the current state may hold. */
  begin(id: string, outcome: Place): void {
    const m = this.messages.get(id)!;
    m.busy = true;
    m.options = [m.place, outcome];
  }

  /** The change was acknowledged: from now on it must be in effect. */
  ack(id: string, kind: keyof Load['acked'], place: Place): void {
    const m = this.messages.get(id)!;
    m.place = place;
    m.options = undefined;
    m.busy = false;
    this.acked[kind]++;
    this.#counted();
  }

  #counted(): void {
    if (this.#waitingFor > 0 || ++this.#acks !== this.#killAt) return;
    // Half the time at once, half after a random moment of the load that keeps running.
    if (random() < 0.5) this.#killNow();
    else setTimeout(() => this.#killNow(), Math.floor(random() * 30));
  }

  #killNow(): void {
    if (this.killed) return;
    this.killed = true;
    this.#kill();
  }

  /** Messages of `account` that no change is touching, in `mailbox`. */
  idle(account: string, mailbox: MailboxName): string[] {
    return [...this.messages].filter(([, m]) => m.account === account && !m.busy && !m.options && m.place?.mailbox === mailbox).map(([id]) => id);
  }
}

async function smtpWorker(load: Load, port: number): Promise<void> {
  const smtp = await SmtpClient.connect(port);
  try {
    await smtp.hello();
    load.ready();
    while (!load.killed) {
      const to = pick([ALICE, BOB]);
      const { id, raw } = load.newMessage(to);
      assert.match(await smtp.cmd('MAIL FROM:<load@example.net>'), /^250/);
      assert.match(await smtp.cmd(`RCPT TO:<${to}>`), /^250/);
      const reply = await smtp.data(raw);
      assert.match(reply, /^250/);
      load.ack(id, 'smtp', { mailbox: 'INBOX', flags: [] });
    }
  } finally {
    smtp.close();
  }
}

/** Alice's client: APPENDs, flag changes, MOVEs to Archive and EXPUNGEs in INBOX. */
async function imapWorker(load: Load, port: number): Promise<void> {
  const client = new ImapFlow({ host: '127.0.0.1', port, secure: false, doSTARTTLS: false, auth: { user: ALICE, pass: PASSWORD }, logger: false });
  client.on('error', () => {});
  const uids = new Map<string, number>();
  try {
    await client.connect();
    await client.mailboxOpen('INBOX');
    load.ready();
    let seenUid = 0;
    while (!load.killed) {
      for await (const message of client.fetch(`${seenUid + 1}:*`, { uid: true, envelope: true }, { uid: true })) {
        const id = /^<([^@]+)@/.exec(message.envelope?.messageId ?? '')?.[1];
        if (id) uids.set(id, message.uid);
        seenUid = Math.max(seenUid, message.uid);
      }
      const candidates = load.idle(ALICE, 'INBOX').filter((id) => uids.has(id));
      const op = candidates.length === 0 ? 'append' : pick(['append', 'flag', 'flag', 'move', 'expunge']);
      if (op === 'append') {
        const flags = random() < 0.5 ? ['$Appended'] : [];
        const { id, raw } = load.newMessage(ALICE, flags);
        await client.append('INBOX', raw, flags);
        load.ack(id, 'append', { mailbox: 'INBOX', flags });
        continue;
      }
      const id = pick(candidates);
      const uid = uids.get(id)!;
      const place = load.messages.get(id)!.place!;
      if (op === 'flag') {
        const flag = pick(FLAGS);
        const on = place.flags.includes(flag);
        const flags = on ? place.flags.filter((f) => f !== flag) : [...place.flags, flag];
        load.begin(id, { mailbox: 'INBOX', flags });
        const done = on ? await client.messageFlagsRemove(String(uid), [flag], { uid: true }) : await client.messageFlagsAdd(String(uid), [flag], { uid: true });
        if (done) load.ack(id, 'flag', { mailbox: 'INBOX', flags });
      } else if (op === 'move') {
        load.begin(id, { mailbox: 'Archive', flags: place.flags });
        if (await client.messageMove(String(uid), 'Archive', { uid: true })) load.ack(id, 'move', { mailbox: 'Archive', flags: place.flags });
        uids.delete(id);
      } else {
        // STORE \Deleted then UID EXPUNGE: a kill between them leaves the message flagged \Deleted.
        load.begin(id, null);
        load.messages.get(id)!.options!.push({ mailbox: 'INBOX', flags: [...place.flags, '\\Deleted'] });
        if (await client.messageDelete(String(uid), { uid: true })) load.ack(id, 'expunge', null);
        uids.delete(id);
      }
    }
  } finally {
    client.close();
  }
}

/** Bob's POP3 client: reads Message-IDs with TOP, deletes a few messages, QUITs. */
async function pop3Worker(load: Load, port: number): Promise<void> {
  for (let first = true; !load.killed; first = false) {
    const pop = await RawClient.connect(port);
    try {
      assert.match((await pop.line()) ?? '', /^\+OK/);
      assert.match(await pop.login(BOB, PASSWORD), /^\+OK/);
      if (first) load.ready();
      assert.match(await pop.command('LIST'), /^\+OK/);
      const count = (await pop.multiLine()).length;
      const deleted: string[] = [];
      const numbers = new Set<number>();
      for (let i = 0; i < 3 && count > 0; i++) {
        const n = 1 + Math.floor(random() * count);
        if (numbers.has(n)) continue;
        assert.match(await pop.command(`TOP ${n} 0`), /^\+OK/);
        const id = (await pop.multiLine()).map((l) => /^Message-ID: <([^@]+)@/i.exec(l)?.[1]).find(Boolean);
        if (!id || deleted.includes(id) || !load.idle(BOB, 'INBOX').includes(id)) continue;
        assert.match(await pop.command(`DELE ${n}`), /^\+OK/);
        numbers.add(n);
        load.begin(id, null);
        deleted.push(id);
      }
      load.popGroups.push(deleted);
      assert.match(await pop.command('QUIT'), /^\+OK/);
      load.popGroups.pop();
      for (const id of deleted) load.ack(id, 'pop3', null);
    } finally {
      pop.close();
    }
  }
}

interface Seen {
  uidValidity: number;
  uidNext: number;
  /** Message-ID by UID: a UID never names another message. */
  byUid: Map<number, string>;
  /** UID by Message-ID. */
  byId: Map<string, number>;
}

/** Reads the stopped server's store and checks it against what the load was told. */
async function verify(dataDir: string, load: Load, history: Map<string, Seen>, kill: number): Promise<void> {
  const store = await openLevelStore(dataDir, { sync: true, chunkSize: 4096 });
  const found = new Map<string, { account: string; place: Place }[]>();
  try {
    assert.deepEqual(await store.check({ repair: false }), [], `store check after kill ${kill}`);
    for (const address of [ALICE, BOB]) {
      const account = (await store.getAccount(address))!;
      for (const name of MAILBOXES) {
        const mailbox = (await store.getMailbox(account.id, name))!;
        const key = `${address}/${name}`;
        const before = history.get(key);
        const now: Seen = { uidValidity: mailbox.uidValidity, uidNext: mailbox.uidNext, byUid: new Map(), byId: new Map() };
        if (before) assert.equal(now.uidValidity, before.uidValidity, `UIDVALIDITY of ${key} changed after kill ${kill}`);
        for (const message of await store.listMessages(mailbox.id)) {
          const head = (await collect(store.readMessage(message))).toString('latin1');
          const id = /^Message-ID: <([^@]+)@/im.exec(head)![1]!;
          assert.ok(message.uid < mailbox.uidNext, `${key} UID ${message.uid} is below UIDNEXT ${mailbox.uidNext}`);
          if (before) {
            assert.equal(before.byUid.get(message.uid) ?? id, id, `${key} UID ${message.uid} was reused after kill ${kill}`);
            const old = before.byId.get(id);
            if (old === undefined) assert.ok(message.uid >= before.uidNext, `${key}: new message ${id} got UID ${message.uid} below the old UIDNEXT ${before.uidNext}`);
            else assert.equal(message.uid, old, `${key}: ${id} changed UID`);
          }
          now.byUid.set(message.uid, id);
          now.byId.set(id, message.uid);
          found.set(id, [...(found.get(id) ?? []), { account: address, place: { mailbox: name, flags: message.flags } }]);
        }
        if (before) assert.ok(now.uidNext >= before.uidNext, `UIDNEXT of ${key} went back`);
        history.set(key, now);
      }
    }
  } finally {
    await store.close();
  }

  for (const [id, copies] of found) {
    assert.ok(load.messages.has(id), `${id} was never sent`);
    assert.equal(copies.length, 1, `${id} is stored ${copies.length} times after kill ${kill}`);
  }
  for (const group of load.popGroups) {
    const gone = group.filter((id) => !found.has(id)).length;
    assert.ok(gone === 0 || gone === group.length, `one POP3 session's deletions were applied in part: ${gone} of ${group.length}`);
  }
  load.popGroups.length = 0;
  for (const [id, m] of load.messages) {
    const copy = found.get(id)?.[0];
    if (copy) assert.equal(copy.account, m.account, `${id} is in the wrong account`);
    const observed = copy?.place ?? null;
    if (m.options) {
      assert.ok(m.options.some((p) => samePlace(p, observed)), `after kill ${kill}, ${id} is ${JSON.stringify(observed)}; expected one of ${JSON.stringify(m.options)}`);
    } else {
      assert.ok(samePlace(m.place, observed), `after kill ${kill}, acknowledged ${id} should be ${JSON.stringify(m.place)} but is ${JSON.stringify(observed)}`);
    }
    m.place = observed;
    m.options = undefined;
    m.busy = false;
  }
}

test(`mixed SMTP, IMAP and POP3 load survives ${KILLS} SIGKILLs: acknowledged changes hold, nothing doubles, UIDs are not reused`, async (t) => {
  const dir = tempDir(t);
  const dataDir = join(dir, 'data');
  const cli = (args: string[], input?: string) => runCli(['--data-dir', dataDir, ...args], { cwd: dir, input });
  await createStoreIn(dataDir);
  assert.equal((await cli(['domain', 'add', 'example.org'])).code, 0);
  for (const user of [ALICE, BOB]) assert.equal((await cli(['user', 'add', user, '--password-stdin'], `${PASSWORD}\n`)).code, 0);
  t.diagnostic(`seed ${seed} (DURABILITY_SEED reruns it)`);

  const load = new Load();
  const history = new Map<string, Seen>();
  let ports: ServePorts | undefined;
  for (let kill = 0; kill < KILLS; kill++) {
    const served = await serveOnFreePorts(dir, dataDir, ports);
    ports = served.ports;
    const child = served.child;
    const workers = [() => smtpWorker(load, ports!.smtp), () => imapWorker(load, ports!.imap), () => pop3Worker(load, ports!.pop3)];
    load.arm(3 + Math.floor(random() * 30), workers.length, () => child.kill('SIGKILL'));
    // A worker that fails before the kill found a real error: stop the round and report it.
    let failure: unknown = null;
    const guard = (worker: Promise<void>) =>
      worker.catch((err: unknown) => {
        if (load.killed) return;
        failure ??= err;
        child.kill('SIGKILL');
      });
    const running = workers.map((start) => guard(start()));
    const { signal } = await exited(child);
    assert.equal(signal, 'SIGKILL', 'the server only stops by being killed');
    await Promise.all(running);
    if (failure) throw failure;

    await verify(dataDir, load, history, kill);
    // verify() runs the store check in-process each time; the command, slower to start, every few kills.
    if (kill % 5 === 4 || kill === KILLS - 1) {
      const check = await cli(['store', 'check']);
      assert.equal(check.code, 0, `mailfold store check after kill ${kill}: ${check.stdout}${check.stderr}`);
    }
  }
  t.diagnostic(`acknowledged: ${JSON.stringify(load.acked)}`);
  for (const [kind, count] of Object.entries(load.acked)) assert.ok(count > 0, `some ${kind} changes were acknowledged`);
});
