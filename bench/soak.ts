/**
 * `npm run soak -- --minutes N`: mixed load on a Mailfold serve process for N minutes
 * (SMTP deliveries, IMAP sessions that fetch, search, flag and expunge, POP3 sessions
 * that retrieve and delete, sessions in IDLE), printing its RSS and open file
 * descriptors each minute; both should level off.
 */
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { ImapClient } from './client/imap.ts';
import { Pop3Client } from './client/pop3.ts';
import { SmtpClient } from './client/smtp.ts';
import { startMailfold } from './mailfold.ts';
import { treeFds, treeMemory } from './memory.ts';
import { makeMessage, RARE_WORD } from './messages.ts';
import { address, PASSWORD, type Target } from './target.ts';
import { FROM } from './workloads.ts';

const { values } = parseArgs({ options: { minutes: { type: 'string', default: '30' }, users: { type: 'string', default: '20' } } });
const minutes = Number(values.minutes);
const userCount = Number(values.users);
if (!(minutes > 0) || !Number.isInteger(userCount) || userCount < 2) {
  console.error('usage: npm run soak -- --minutes N [--users N]');
  process.exit(1);
}
/** Mailboxes are trimmed back to this size, so the store stays about the same size. */
const KEEP = 50;
const users = Array.from({ length: userCount }, (_, i) => `soak${i + 1}`);
const pick = () => users[Math.floor(Math.random() * users.length)]!;
const done = { delivered: 0, imapSessions: 0, expunged: 0, popSessions: 0, popDeleted: 0, readRefused: 0 };
let stopping = false;

async function smtpLoop(target: Target): Promise<void> {
  while (!stopping) {
    const smtp = await SmtpClient.connect(target.ports.smtp);
    // New sessions now and then, so connection set-up and tear-down are part of the load.
    for (let i = 0; i < 50 && !stopping; i++) {
      const to = address(pick());
      const reply = await smtp.sendMail(FROM, to, makeMessage(done.delivered, i % 10 === 0 ? 60000 : 4096, to, i === 7));
      if (!reply.startsWith('250')) throw new Error(`soak delivery: ${reply}`);
      done.delivered++;
    }
    await smtp.quit();
  }
}

async function imapLoop(target: Target): Promise<void> {
  while (!stopping) {
    const imap = await ImapClient.connect(target.ports.imap);
    await imap.login(address(pick()), PASSWORD);
    // Other sessions expunge meanwhile: follow EXISTS and EXPUNGE to keep numbers valid.
    let exists = 0;
    imap.onUntagged = (line) => {
      const update = /^\* (\d+) (EXISTS|EXPUNGE)/.exec(line);
      if (update) exists = update[2] === 'EXISTS' ? Number(update[1]) : exists - 1;
    };
    await imap.ok('SELECT INBOX');
    if (exists > 0) {
      // Reads that meet a message another session just expunged may be refused with NO: counted.
      for (const read of ['FETCH 1:* (FLAGS INTERNALDATE RFC822.SIZE ENVELOPE BODYSTRUCTURE)', `FETCH ${exists} BODY.PEEK[]`, `UID SEARCH TEXT ${RARE_WORD}`]) {
        const { status } = await imap.command(read);
        if (status.startsWith('NO')) done.readRefused++;
        else if (!status.startsWith('OK')) throw new Error(`${read}: ${status}`);
      }
    }
    if (exists > 0) await imap.ok(`STORE ${exists} +FLAGS (\\Seen)`);
    if (exists > KEEP) {
      const remove = exists - KEEP;
      await imap.ok(`STORE 1:${remove} +FLAGS.SILENT (\\Deleted)`);
      await imap.ok('EXPUNGE');
      done.expunged += remove;
    }
    await imap.ok('LOGOUT');
    imap.close();
    done.imapSessions++;
  }
}

async function popLoop(target: Target): Promise<void> {
  while (!stopping) {
    const pop = await Pop3Client.connect(target.ports.pop3);
    await pop.login(address(pick()), PASSWORD);
    const count = Number((await pop.command('STAT')).status.split(' ')[1]);
    for (let n = 1; n <= Math.min(count, 5); n++) await pop.command(`RETR ${n}`, true);
    for (let n = 1; n <= count - KEEP; n++) await pop.command(`DELE ${n}`);
    await pop.command('QUIT');
    pop.close();
    done.popDeleted += Math.max(0, count - KEEP);
    done.popSessions++;
  }
}

/** Sessions that stay in IDLE the whole time, as phones and desktop clients do. */
async function idlers(target: Target): Promise<ImapClient[]> {
  return Promise.all(
    users.map(async (user) => {
      const imap = await ImapClient.connect(target.ports.imap);
      await imap.login(address(user), PASSWORD);
      await imap.ok('SELECT INBOX');
      await imap.idle();
      return imap;
    }),
  );
}

const target = await startMailfold(users);
try {
  const started = Date.now();
  const idle = await idlers(target);
  // RSS swings by 64 MiB with each password check in flight (argon2id's memory), so one
  // reading a minute says little: the lowest and highest of the minute are printed with it.
  let low = Infinity;
  let high = 0;
  const sample = () => {
    const { rss } = treeMemory(target.roots());
    low = Math.min(low, rss);
    high = Math.max(high, rss);
    return rss;
  };
  const sampler = setInterval(sample, 2000).unref();
  const report = (minute: number) => {
    const rss = sample();
    const mb = (n: number) => n.toFixed(1).padStart(6);
    console.log(
      `${String(minute).padStart(3)} min  RSS ${mb(rss)} MB (minute's low ${mb(low)}, high ${mb(high)})  fds ${String(treeFds(target.roots())).padStart(4)}  ` +
        `idle sessions open ${idle.filter((s) => !s.socket.destroyed).length}/${idle.length}  delivered ${done.delivered}  imap sessions ${done.imapSessions}  expunged ${done.expunged}  pop3 sessions ${done.popSessions}  pop3 deleted ${done.popDeleted}  reads refused ${done.readRefused}`,
    );
    low = Infinity;
    high = 0;
  };
  report(0);
  let minute = 0;
  const timer = setInterval(() => report(++minute), 60000);
  const stop = setTimeout(() => (stopping = true), minutes * 60000);
  const loops = { smtp: smtpLoop, smtp2: smtpLoop, imap: imapLoop, imap2: imapLoop, pop3: popLoop };
  await Promise.all(
    Object.entries(loops).map(([name, loop]) =>
      loop(target).catch((err: Error) => {
        throw new Error(`${name} load failed: ${err.message}`, { cause: err });
      }),
    ),
  );
  clearInterval(timer);
  clearInterval(sampler);
  clearTimeout(stop);
  report(Number(((Date.now() - started) / 60000).toFixed(1)));
  for (const session of idle) session.close();
} catch (err) {
  const log = readFileSync(target.logFile!, 'utf8').trim().split('\n');
  console.error(`last lines of the server's log:\n${log.slice(-15).join('\n')}`);
  throw err;
} finally {
  await target.stop();
}
