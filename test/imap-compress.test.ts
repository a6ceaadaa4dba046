import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { once } from 'node:events';
import { test } from 'node:test';
import { constants, createDeflateRaw, createInflateRaw } from 'node:zlib';
import { addAccount, deliver, imapflow, PASSWORD, RawImap, startImapServer } from './helpers/imap.ts';
import { message } from './helpers/store.ts';

const BIG = 'The quick brown fox jumps over the lazy dog. '.repeat(10_000) + '\r\n';

async function populated(t: import('node:test').TestContext) {
  const env = await startImapServer(t);
  await addAccount(env.store, 'alice@example.org');
  await deliver(env.store, 'alice@example.org', message('small'));
  await deliver(env.store, 'alice@example.org', message('big', BIG));
  return env;
}

test('imapflow negotiates COMPRESS=DEFLATE and works through it: fetch, append, IDLE push', async (t) => {
  const { store, port } = await populated(t);
  const client = await imapflow(t, port, 'alice@example.org');
  assert.ok(client.capabilities.has('COMPRESS=DEFLATE'));
  assert.ok((client as unknown as { _deflate?: unknown })._deflate, 'imapflow compresses once the server offers it');
  await client.mailboxOpen('INBOX');
  const big = await client.fetchOne('2', { source: true, size: true });
  assert.ok(big && big.source);
  assert.equal(big.source.length, big.size);
  assert.ok(big.source.toString().endsWith(BIG));
  const appended = await client.append('INBOX', message('appended compressed', BIG));
  assert.ok(appended && appended.uid === 3);
  const back = await client.fetchOne('3', { source: true }, { uid: true });
  assert.ok(back && back.source?.toString().endsWith(BIG));
  const exists = once(client, 'exists');
  void client.idle().catch(() => {});
  await deliver(store, 'alice@example.org', message('while idling'));
  const [event] = (await exists) as [{ count: number }];
  assert.equal(event.count, 4);
});

test('Python imaplib over COMPRESS=DEFLATE (zlib raw deflate both ways)', async (t) => {
  const { port } = await populated(t);
  const script = `
import imaplib, json, sys, zlib
imaplib.Commands['COMPRESS'] = ('AUTH', 'SELECTED')

class Compressed(imaplib.IMAP4):
    deflating = False
    def compress(self):
        typ, data = self._simple_command('COMPRESS', 'DEFLATE')
        if typ == 'OK':
            self.z_out = zlib.compressobj(6, zlib.DEFLATED, -15)
            self.z_in = zlib.decompressobj(-15)
            self.zbuf = b''
            self.deflating = True
        return typ
    def send(self, data):
        if self.deflating:
            data = self.z_out.compress(data) + self.z_out.flush(zlib.Z_SYNC_FLUSH)
        self.sock.sendall(data)
    def _fill(self):
        chunk = self.sock.recv(65536)
        if not chunk:
            raise self.abort('socket closed')
        self.zbuf += self.z_in.decompress(chunk)
    def read(self, size):
        if not self.deflating:
            return super().read(size)
        while len(self.zbuf) < size:
            self._fill()
        out, self.zbuf = self.zbuf[:size], self.zbuf[size:]
        return out
    def readline(self):
        if not self.deflating:
            return super().readline()
        while b'\\n' not in self.zbuf:
            self._fill()
        i = self.zbuf.index(b'\\n') + 1
        out, self.zbuf = self.zbuf[:i], self.zbuf[i:]
        return out

m = Compressed('127.0.0.1', int(sys.argv[1]))
m.login('alice@example.org', sys.argv[2])
out = {'compress': m.compress()}
out['again'] = m._simple_command('COMPRESS', 'DEFLATE')[0]
out['exists'] = m.select('INBOX')[1][0].decode()
typ, data = m.fetch('2', '(RFC822.SIZE BODY.PEEK[TEXT])')
out['big'] = len(data[0][1])
out['append'] = m.append('INBOX', None, None, b'Subject: py\\r\\n\\r\\n' + b'zip ' * 50000 + b'\\r\\n')[0]
out['search'] = m.search(None, 'SUBJECT', 'py')[1][0].decode()
out['logout'] = m.logout()[0]
print(json.dumps(out))
`;
  const stdout = await new Promise<string>((resolve, reject) =>
    execFile('python3', ['-c', script, String(port), PASSWORD], (err, out, errOut) => (err ? reject(new Error(`${err.message}\n${errOut}`)) : resolve(out))),
  );
  assert.deepEqual(JSON.parse(stdout), { compress: 'OK', again: 'NO', exists: '2', big: BIG.length, append: 'OK', search: '3', logout: 'BYE' });
});

/** A raw client that speaks deflate after COMPRESS, to see the bytes on the wire. */
class DeflatedImap {
  readonly #deflate = createDeflateRaw({ flush: constants.Z_SYNC_FLUSH });
  readonly #inflate = createInflateRaw();
  #text = '';
  #wake: (() => void) | null = null;
  wireIn = 0;

  constructor(raw: RawImap) {
    this.#deflate.on('data', (d: Buffer) => raw.socket.write(d));
    raw.socket.removeAllListeners('data');
    raw.socket.on('data', (d: Buffer) => {
      this.wireIn += d.length;
      this.#inflate.write(d);
    });
    this.#inflate.on('data', (d: Buffer) => {
      this.#text += d.toString('latin1');
      this.#wake?.();
    });
  }

  async command(tag: string, text: string): Promise<string> {
    this.#deflate.write(`${tag} ${text}\r\n`);
    for (;;) {
      const m = new RegExp(`(^|\\r\\n)${tag} [A-Z]+ [^\\r\\n]*\\r\\n`).exec(this.#text);
      if (m) {
        const out = this.#text.slice(0, m.index + m[0].length);
        this.#text = this.#text.slice(out.length);
        return out;
      }
      await new Promise<void>((resolve) => (this.#wake = resolve));
    }
  }

  send(bytes: string): void {
    this.#deflate.write(bytes);
  }
}

test('raw: COMPRESS arguments and states, compressed bytes on the wire, garbage ends only that connection', async (t) => {
  const { port } = await populated(t);
  const c = await RawImap.connect(port);
  t.after(() => c.close());
  assert.match((await c.command('a', 'COMPRESS DEFLATE')).at(-1)!, /^a BAD /);
  await c.login('alice@example.org');
  for (const bad of ['COMPRESS', 'COMPRESS GZIP', 'COMPRESS DEFLATE X', 'COMPRESS "DEFLATE', 'COMPRESS (DEFLATE)']) {
    const lines = await c.command('b', bad);
    assert.deepEqual([lines.length, lines[0]!.slice(0, 5)], [1, 'b BAD'], bad);
  }
  assert.deepEqual(await c.command('z', 'compress deflate'), ['z OK DEFLATE active']);
  const z = new DeflatedImap(c);
  const selected = await z.command('s', 'SELECT INBOX');
  assert.match(selected, /\* 2 EXISTS\r\n[\s\S]*s OK \[READ-WRITE\]/);
  const before = z.wireIn;
  const fetched = await z.command('f', 'FETCH 2 BODY.PEEK[TEXT]');
  assert.ok(fetched.includes(BIG));
  assert.ok(z.wireIn - before < BIG.length / 10, `repetitive text compresses: ${z.wireIn - before} bytes on the wire`);
  assert.match(await z.command('n', 'COMPRESS DEFLATE'), /^n NO \[COMPRESSIONACTIVE\] /);
  assert.match(await z.command('x', 'FETCH 1 (BINARY[1.MIME])'), /^x BAD /);
  assert.match(await z.command('p', 'NOOP'), /^p OK /);
  // A few hundred bytes that inflate to 5,000 pipelined commands: the inflater is paused like the socket, and all are answered.
  z.send('d NOOP\r\n'.repeat(5_000));
  const flood = await z.command('e', 'NOOP');
  assert.equal(flood.split('d OK NOOP completed').length - 1, 5_000);

  // Bytes that do not inflate end that connection; another one is served meanwhile.
  const other = await RawImap.connect(port);
  t.after(() => other.close());
  await other.login('alice@example.org');
  await other.command('z', 'COMPRESS DEFLATE');
  other.socket.write(Buffer.from('this is not deflate data at all\r\n'));
  await other.closedByServer();
  assert.match(await z.command('q', 'NOOP'), /^q OK /);
  assert.match(await z.command('l', 'LOGOUT'), /\* BYE [\s\S]*l OK/);
  await c.closedByServer();
});
