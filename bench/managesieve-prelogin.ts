/**
 * `node bench/managesieve-prelogin.ts [--clients 19] [--mb 45]`: what large literals before
 * login cost a ManageSieve server. `mailfold serve` runs as a subprocess with only the
 * ManageSieve listener; each client announces `AUTHENTICATE "PLAIN" {N+}` and streams N
 * bytes, as fast as the server reads them, then reads the answer. Prints the server's RSS
 * before and at its peak (from /proc), each client's answer, and a bystander's NOOP meanwhile.
 */
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { connect, createServer, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { peakSampler, treeMemory } from './memory.ts';

const { values } = parseArgs({ options: { clients: { type: 'string', default: '19' }, mb: { type: 'string', default: '45' } } });
const clients = Number(values.clients);
const size = Number(values.mb) * 1024 * 1024;

const port = await new Promise<number>((done) => {
  const probe = createServer().listen(0, '127.0.0.1', () => {
    const { port } = probe.address() as { port: number };
    probe.close(() => done(port));
  });
});
const dir = mkdtempSync(join(tmpdir(), 'mf-sieve-bench-'));
const others = ['smtp', 'submission', 'submissions', 'imap', 'imaps', 'pop3', 'pop3s', 'http', 'https'];
writeFileSync(
  join(dir, 'mailfold.toml'),
  [`hostname = "localhost"`, `data_dir = "${join(dir, 'data')}"`, '[listeners.managesieve]', 'address = "127.0.0.1"', `port = ${port}`, ...others.map((l) => `[listeners.${l}]\nenabled = false`)].join('\n') + '\n',
);
const bin = resolve(import.meta.dirname, '..', 'bin', 'mailfold.js');
const server = spawn(process.execPath, [bin, '--config', join(dir, 'mailfold.toml'), 'serve'], { stdio: ['ignore', 'pipe', 'inherit'] });
let output = '';
server.stdout!.on('data', (d: Buffer) => (output += d.toString()));
while (!/"listening"|listening/.test(output)) await once(server.stdout!, 'data');

/** Reads until a status line; returns it (the socket stays open: a for-await loop would destroy it). */
function status(socket: Socket): Promise<string> {
  let text = '';
  return new Promise((done) => {
    const onData = (chunk: Buffer) => {
      text += chunk.toString('latin1');
      const line = /^(OK|NO|BYE).*$/m.exec(text);
      if (!line) return;
      socket.off('data', onData).off('close', onClose);
      done(line[0]);
    };
    const onClose = () => done(`closed after ${JSON.stringify(text.slice(-80))}`);
    socket.on('data', onData).once('close', onClose).on('error', () => {});
  });
}

async function opened(): Promise<Socket> {
  const socket = connect(port, '127.0.0.1');
  await once(socket, 'connect');
  return socket;
}

const before = treeMemory([server.pid!]);
const sampler = peakSampler(() => [server.pid!], 100);
const started = performance.now();
const bystander = await opened();
await status(bystander);
const runs = Array.from({ length: clients }, async () => {
  const socket = await opened();
  await status(socket);
  socket.write(`AUTHENTICATE "PLAIN" {${size}+}\r\n`);
  const chunk = Buffer.alloc(256 * 1024, 0x41);
  for (let sent = 0; sent < size; sent += chunk.length) {
    if (socket.destroyed) break;
    if (socket.write(chunk.subarray(0, Math.min(chunk.length, size - sent)))) continue;
    // The listener that loses the race goes, so they do not pile up over 180 writes.
    const race = new AbortController();
    await Promise.race([once(socket, 'drain', { signal: race.signal }), once(socket, 'close', { signal: race.signal })]).catch(() => {});
    race.abort();
  }
  socket.write('\r\n');
  const answer = await status(socket);
  socket.destroy();
  return answer;
});
const noopStart = performance.now();
bystander.write('NOOP\r\n');
const noop = await status(bystander);
const noopMs = performance.now() - noopStart;
const answers = await Promise.all(runs);
const elapsed = performance.now() - started;
const peak = sampler.stop();
bystander.destroy();
server.kill('SIGTERM');
await once(server, 'exit');
rmSync(dir, { recursive: true, force: true });

const counts = new Map<string, number>();
for (const a of answers) counts.set(a, (counts.get(a) ?? 0) + 1);
console.log(`${clients} clients x ${values.mb} MB literal before login, ${(elapsed / 1000).toFixed(1)} s`);
console.log(`server RSS: ${before.rss.toFixed(0)} MB before, ${peak.rss.toFixed(0)} MB at the peak`);
for (const [answer, n] of counts) console.log(`${n} x ${answer}`);
console.log(`bystander NOOP meanwhile: ${noop} in ${noopMs.toFixed(0)} ms`);
