import assert from 'node:assert/strict';
import { once } from 'node:events';
import { connect, type Socket } from 'node:net';
import { test } from 'node:test';
import { deliver, imapflow, PASSWORD, RawImap } from './helpers/imap.ts';
import { ALICE, serverWithInbox } from './helpers/imap-inbox.ts';
import { message } from './helpers/store.ts';

/** Larger than the loopback socket buffers of both ends together, so the server stops mid-literal while the client does not read. */
const BIG = 24 * 1024 * 1024;

/** Collects every byte a socket receives without copying the whole on each read. */
class Received {
  readonly chunks: Buffer[] = [];
  size = 0;
  /** The last bytes received, as latin1. */
  recent = '';
  #closed = false;
  #wake: (() => void) | null = null;
  constructor(socket: Socket) {
    socket.on('data', (data: Buffer) => {
      this.chunks.push(data);
      this.size += data.length;
      this.recent = (this.recent + data.toString('latin1')).slice(-8192);
      this.#wakeUp();
    });
    socket.on('close', () => {
      this.#closed = true;
      this.#wakeUp();
    });
  }

  #wakeUp(): void {
    const wake = this.#wake;
    this.#wake = null;
    wake?.();
  }

  /** Waits until `done` holds for what has arrived. */
  async until(done: () => boolean): Promise<void> {
    while (!done()) {
      if (this.#closed) throw new Error(`connection closed; last bytes: ${JSON.stringify(this.recent.slice(-300))}`);
      await new Promise<void>((resolve) => (this.#wake = resolve));
    }
  }

  /** The bytes from `start` on (a copy). */
  tail(start: number): Buffer {
    return Buffer.concat(this.chunks).subarray(start);
  }
}

test('FETCH of a message another session expunges while it is sent: a padded literal and NO [EXPUNGEISSUED], no store error', async (t) => {
  const env = await serverWithInbox(t, 0);
  const line = 'x'.repeat(998) + '\r\n';
  await deliver(env.store, ALICE, message('big', line.repeat(Math.ceil(BIG / line.length)), 'Content-Type: application/octet-stream\r\n'));
  await deliver(env.store, ALICE, message('small'));
  const socket = connect({ port: env.port, host: '127.0.0.1' });
  await once(socket, 'connect');
  t.after(() => socket.destroy());
  const received = new Received(socket);
  const tagged = (tag: string) => () => new RegExp(`(^|\\r\\n)${tag} [A-Z]+ [^\\r]*\\r\\n$`).test(received.recent);
  const send = async (tag: string, command: string) => {
    const from = received.size;
    socket.write(`${tag} ${command}\r\n`);
    await received.until(tagged(tag));
    return received.recent.slice(from - received.size);
  };
  await received.until(() => received.recent.includes('\r\n'));
  await send('l', `LOGIN ${ALICE} "${PASSWORD}"`);
  await send('s', 'SELECT INBOX');

  // Session A asks for the big body and stops reading as soon as the literal has begun.
  const start = received.size;
  socket.write('f FETCH 1 (UID BODY.PEEK[])\r\n');
  await received.until(() => /\{\d+\}\r\n/.test(received.tail(start).subarray(0, 200).toString('latin1')));
  socket.pause();
  // Session B (imapflow) expunges it meanwhile: the store frees the body.
  const b = await imapflow(t, env.port, ALICE);
  await b.mailboxOpen('INBOX');
  await b.messageDelete('1', { uid: true });
  socket.resume();

  const head = /^\* 1 FETCH \(UID 1 BODY\[\] \{(\d+)\}\r\n/.exec(received.tail(start).subarray(0, 200).toString('latin1'));
  assert.ok(head, received.tail(start).subarray(0, 200).toString('latin1'));
  const size = Number(head[1]);
  const after = start + head[0].length + size;
  await received.until(tagged('f'));
  // The literal has its announced length (its end padded), the response is closed, then the tagged answer.
  assert.deepEqual(received.tail(after).toString('latin1'), ')\r\nf NO [EXPUNGEISSUED] Some of the requested messages no longer exist\r\n');
  const literal = received.tail(start + head[0].length).subarray(0, size);
  assert.match(literal.subarray(0, 100).toString('latin1'), /^Return-Path|^From|^Delivered-To/);
  assert.equal(literal.at(-1), 0x20, 'the part the store no longer had is padding');

  // Not yet told of the expunge: FETCH leaves it out (Dovecot's answer), SEARCH cannot match it.
  assert.equal(await send('g', 'FETCH 1 (UID BODY.PEEK[HEADER] ENVELOPE)'), 'g OK [EXPUNGEISSUED] Some messages were already expunged\r\n');
  assert.equal(await send('h', 'SEARCH OR SUBJECT big SUBJECT small'), '* SEARCH 2\r\nh OK SEARCH completed\r\n');
  assert.equal(await send('n', 'NOOP'), '* 1 EXPUNGE\r\n* 1 RECENT\r\nn OK NOOP completed\r\n');
  assert.match(await send('i', 'FETCH 1 (UID)'), /^\* 1 FETCH \(UID 2\)\r\ni OK FETCH completed\r\n$/);
});

test('FETCH and SEARCH by a raw client after another session expunged (not yet reported): no internal error text', async (t) => {
  const env = await serverWithInbox(t, 3);
  const a = await RawImap.connect(env.port);
  t.after(() => a.close());
  await a.login(ALICE);
  await a.command('s', 'SELECT INBOX');
  const b = await imapflow(t, env.port, ALICE);
  await b.mailboxOpen('INBOX');
  await b.messageDelete('2:3', { uid: true });
  assert.deepEqual(await a.command('f', 'FETCH 1:3 (UID FLAGS BODY.PEEK[TEXT])'), [
    '* 1 FETCH (UID 1 FLAGS (\\Recent) BODY[TEXT] {8}',
    'Hello.',
    ')',
    'f OK [EXPUNGEISSUED] Some messages were already expunged',
  ]);
  // UID FETCH may report expunges (RFC 3501 7.4.1): they come before its tagged answer.
  assert.deepEqual(await a.command('u', 'UID FETCH 2 (BINARY[1])'), ['* 3 EXPUNGE', '* 2 EXPUNGE', '* 1 RECENT', 'u OK [EXPUNGEISSUED] Some messages were already expunged']);
  assert.deepEqual(await a.command('x', 'SEARCH TEXT Hello'), ['* SEARCH 1', 'x OK SEARCH completed']);
});
