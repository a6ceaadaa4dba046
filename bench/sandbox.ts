/**
 * Sandbox mode, measured: how long from the submission's 250 until a waiting client
 * (`/sandbox/api/wait`) hears of the message, over 20 messages sent one after another;
 * then, with MESSAGES captured, how long the list takes cold (every message parsed) and
 * warm (summaries cached), and a full-text search.
 *
 *   node bench/sandbox.ts [MESSAGES]    # default 200
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { get } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createTransport } from 'nodemailer';
import { pino } from 'pino';
import { defaultConfig, LISTENER_NAMES } from '../src/config/index.ts';
import { startServer } from '../src/server.ts';

const MESSAGES = Number(process.argv[2] ?? 200);
const dir = mkdtempSync(join(tmpdir(), 'mf-bench-sandbox-'));
const config = defaultConfig('dev');
config.data_dir = dir;
config.hostname = 'localhost';
for (const name of LISTENER_NAMES) config.listeners[name] = { enabled: ['submission', 'http'].includes(name), address: '127.0.0.1', port: 0 };
config.sandbox.enabled = true;
config.submission_limits.messages_per_hour = 0;
const server = await startServer(config, pino({ level: 'silent' }));
const http = server.listeners.http!.port;

const api = (path: string) =>
  new Promise<{ status: number; body: string }>((resolve, reject) => {
    get({ host: '127.0.0.1', port: http, path: `/sandbox/api/${path}` }, (res) => {
      let body = '';
      res.on('data', (c: Buffer) => (body += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    }).on('error', reject);
  });
const mailer = createTransport({ host: '127.0.0.1', port: server.listeners.submission!.port, secure: false, pool: true, auth: { user: 'bench', pass: 'x' }, tls: { rejectUnauthorized: false } });
const send = (i: number) =>
  mailer.sendMail({ from: 'app@bench.example', to: `user${i}@example.net`, subject: `Message ${i}`, text: `Body of message ${i}, word${i}.`, html: `<p>Message <a href="https://x.example/${i}">${i}</a></p>` });
const ms = (start: bigint) => Number(process.hrtime.bigint() - start) / 1e6;
const median = (xs: number[]) => xs.sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

try {
  const latencies: number[] = [];
  for (let i = 1; i <= 20; i++) {
    const waited = api(`wait?q=subject:%22message%20${i}%22&timeout=25`);
    await send(i);
    const start = process.hrtime.bigint();
    if ((await waited).status !== 200) throw new Error(`message ${i} was not announced`);
    latencies.push(ms(start));
  }
  for (let i = 21; i <= MESSAGES; i++) await send(i);
  await api(`wait?q=subject:%22message%20${MESSAGES}%22&timeout=25`);
  await server.close();
  // A fresh start: nothing cached.
  const again = await startServer({ ...config, listeners: { ...config.listeners, http: { ...config.listeners.http, port: http } } }, pino({ level: 'silent' }));
  let start = process.hrtime.bigint();
  const cold = JSON.parse((await api(`messages?limit=1000`)).body).messages.length;
  const coldMs = ms(start);
  start = process.hrtime.bigint();
  await api(`messages?limit=1000`);
  const warmMs = ms(start);
  start = process.hrtime.bigint();
  const found = JSON.parse((await api(`messages?q=text:word${MESSAGES - 1}.&limit=1000`)).body).messages.length;
  const searchMs = ms(start);
  await again.close();
  console.log(`250 -> wait answered: median ${median(latencies).toFixed(1)} ms, max ${Math.max(...latencies).toFixed(1)} ms (20 messages)`);
  console.log(`list of ${cold}: cold ${coldMs.toFixed(0)} ms, warm ${warmMs.toFixed(0)} ms; text search over them: ${searchMs.toFixed(0)} ms (${found} found)`);
} finally {
  mailer.close();
  rmSync(dir, { recursive: true, force: true });
}
