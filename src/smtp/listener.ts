import { SMTPServer, type SMTPServerOptions, type SMTPServerSession } from 'smtp-server';
import type { AuthThrottle } from '../auth/throttle.ts';
import type { VerifiedLogins } from '../auth/verified-logins.ts';
import type { Logger } from '../log/logger.ts';
import { increment } from '../metrics/registry.ts';
import type { ConnectionLimit } from '../net/connection-limit.ts';
import { acceptMessage } from '../queue/accept.ts';
import { dkimSignatures } from './dkim-sign.ts';
import type { OutboundQueue } from '../queue/outbound.ts';
import { reportDelivered, reportRefused } from '../queue/report.ts';
import type { DnsResolve } from '../net/dns.ts';
import type { Account, Store } from '../store/types.ts';
import type { TlsProvider } from '../tls/context.ts';
import { authenticate, mayAuthenticate } from './auth.ts';
import { type DeadlineSettings, SessionDeadlines } from './deadline.ts';
import { dsnRequest, worldDsnRequest } from './dsn.ts';
import { greetAtOnce } from './greeting.ts';
import { SMTP_SCRAM, offerScram } from './scram.ts';
import { readMessage } from './message.ts';
import { partlyRefused, recipientReplies, transactionReply } from './outcome.ts';
import { receivedHeader } from './received.ts';
import { checkRecipient } from './recipient-policy.ts';
import type { RecipientGuard, RcptSession } from './recipient-guard.ts';
import { reply } from './reply.ts';
import { mayUseSender } from './sender-policy.ts';
import type { SendRate } from './send-rate.ts';
import { prepareSubmission } from './submission.ts';
import { verifyMessage, type Verdict } from './verify.ts';
import { receiveLmtp } from './lmtp.ts';
import { arcSealKey } from './arc-seal.ts';
import { transactionResolutions, type Resolutions } from '../delivery/resolutions.ts';
import { acceptSandboxed, sandboxLogin } from './sandbox.ts';
import type { SpamFilter } from '../spam/filter.ts';
import type { Greylist } from '../spam/greylist.ts';
import { greylistRefusal, spamContext, spamRefusal } from './spam-gate.ts';
import type { ReportRecorder } from '../reports/recorder.ts';

/** `mx` takes mail for local users from anyone; `submission` from authenticated users; `lmtp` from a local MTA. */
export type Role = 'mx' | 'submission' | 'lmtp';

export interface SmtpDeps {
  store: Store;
  queue: OutboundQueue;
  log: Logger;
  tls: TlsProvider;
  throttle: AuthThrottle;
  verified: VerifiedLogins;
  connections: ConnectionLimit;
  hostname: string;
  messageSize: number;
  /** The longest line of a message, and (up to 16 KB) of a command. */
  lineLength: number;
  deadlines: DeadlineSettings;
  maxRecipients: number;
  subaddressSeparator: string;
  plaintextOnLoopback: boolean;
  /** For SPF, DKIM, DMARC and ARC on the MX. */
  resolve: DnsResolve;
  dmarc: { reject: boolean; quarantine: boolean };
  /** Shared by both submission listeners. */
  sendRate: SendRate;
  /** Failed RCPTs per session and per client address, shared by every listener. */
  recipientGuard: RecipientGuard;
  /** Sandbox mode: submission takes any login (as this account), sender and recipient, and captures everything. */
  sandbox?: Account;
  /** The spam verdict of mail from outside (MX, LMTP), and greylisting on the MX (docs/spam.md). */
  spam?: SpamFilter;
  greylist?: Greylist;
  /** Records the MX's DMARC results for aggregate reports (reports/). */
  reports?: ReportRecorder;
}

const RATE_LIMITED = reply(450, '4.7.1', 'Sending rate limit reached for this account, try again later');

/** RFC 5321 section 4.5.3.2.7: a server waits at least 5 minutes for the next command. */
const SOCKET_TIMEOUT_MS = 5 * 60 * 1000;
/** How long shutdown lets a transaction in flight finish before cutting it with 421. */
const CLOSE_TIMEOUT_MS = 5000;
/** smtp-server's own bound on a command line: room for an AUTH line (RFC 4954 4: 12288 octets). */
const COMMAND_LINE_MAX = 16 * 1024;

/** Why each protocol command is off for a role. */
const DISABLED: Record<Role, string[]> = {
  // No AUTH on port 25: users submit on 587/465, where the sender rules apply.
  mx: ['AUTH'],
  submission: [],
  // LMTP comes from a trusted local MTA over a local socket.
  lmtp: ['AUTH', 'STARTTLS'],
};

/** The config's listener name for each role, [plaintext, implicit TLS]. */
const LISTENER_NAME: Record<Role, [string, string]> = { mx: ['smtp', 'smtp'], submission: ['submission', 'submissions'], lmtp: ['lmtp', 'lmtp'] };

export interface SmtpListener {
  server: SMTPServer;
  /** Session ids whose message is being received or delivered: shutdown lets them finish. */
  busy: Set<string>;
}

/** One smtp-server instance with Mailfold's policy in its callbacks. */
export function createListener(deps: SmtpDeps, role: Role, implicitTls: boolean): SmtpListener {
  const log = deps.log.child({ proto: role === 'lmtp' ? 'lmtp' : 'smtp', role, tls: implicitTls });
  const admitted = new Set<string>();
  /** Refused at connect for too many connections, which is logged there. */
  const turnedAway = new Set<string>();
  const busy = new Set<string>();
  const authCtx = { store: deps.store, throttle: deps.throttle, verified: deps.verified, plaintextOnLoopback: deps.plaintextOnLoopback };
  const sessionLog = (session: SMTPServerSession) => log.child({ conn: session.id });
  // The recipients' resolutions of a transaction: smtp-server makes a new envelope for each one.
  const resolutions = new WeakMap<object, Resolutions>();
  const resolutionsOf = (session: SMTPServerSession): Resolutions => {
    const { envelope } = session;
    let kept = resolutions.get(envelope);
    if (!kept) {
      kept = transactionResolutions(deps.store, deps.subaddressSeparator, envelope.mailFrom ? envelope.mailFrom.address : '');
      resolutions.set(envelope, kept);
    }
    return kept;
  };
  // LMTP's peer is a trusted local MTA, a logged-in user is known: neither is a guesser.
  const rcptSession = (session: SMTPServerSession): RcptSession => ({
    id: session.id,
    ip: session.remoteAddress,
    account: (session.user as Account | undefined)?.address,
    limited: role !== 'lmtp' && !session.user,
  });

  const options: SMTPServerOptions = {
    ...deps.tls.serverOptions(),
    secure: implicitTls,
    name: deps.hostname,
    banner: 'Mailfold',
    lmtp: role === 'lmtp',
    logger: log.child({ lib: 'smtp-server' }),
    size: deps.messageSize,
    rejectOversized: true,
    maxCommandLength: Math.min(deps.lineLength, COMMAND_LINE_MAX),
    maxRecipients: deps.maxRecipients,
    // Both are off unless asked for.
    hideENHANCEDSTATUSCODES: false,
    hideDSN: false,
    // RFC 8689: offered (by smtp-server only once the session is in TLS) where the queue can keep its
    // promise of verified TLS on every later hop; LMTP is the last hop of a local MTA.
    hideREQUIRETLS: role === 'lmtp',
    // SCRAM proves a stored password, which sandbox mode does not check.
    authMethods: role === 'submission' && !deps.sandbox ? ['PLAIN', 'LOGIN', ...SMTP_SCRAM] : ['PLAIN', 'LOGIN'],
    authOptional: role !== 'submission' || Boolean(deps.sandbox),
    // Decided per session in onConnect and onAuth, where the loopback exception is known.
    allowInsecureAuth: true,
    disabledCommands: DISABLED[role],
    // The client's name in Received comes from EHLO and its IP; a DNS lookup per
    // connection would only slow every session down.
    disableReverseLookup: true,
    socketTimeout: SOCKET_TIMEOUT_MS,
    // Past it smtp-server answers 421 and closes (implicit TLS: cuts before the handshake).
    maxClients: deps.connections.perListener,
    closeTimeout: CLOSE_TIMEOUT_MS,

    onConnect(session, callback) {
      const ip = session.remoteAddress;
      // A unix socket (LMTP) has no peer address and only local peers.
      if (ip) {
        if (!deps.connections.acquire(ip)) {
          log.warn({ ip }, 'too many connections from one address');
          turnedAway.add(session.id);
          return callback(reply(421, '4.7.0', 'Too many connections from your address, try again later'));
        }
        admitted.add(session.id);
      }
      // AUTH is not even offered where a password would cross the network in clear.
      if (role === 'submission' && !mayAuthenticate(authCtx, session)) session.disabledCommands = ['AUTH'];
      increment('mailfold_connections_total', { listener: LISTENER_NAME[role][implicitTls ? 1 : 0] });
      sessionLog(session).info({ ip, port: session.remotePort }, 'connect');
      callback();
    },

    onSecure(socket, session, callback) {
      deadlines.secured(session.id, socket);
      if (role === 'submission') session.disabledCommands = undefined;
      callback();
    },

    onClose(session) {
      deadlines.closed(session.id);
      busy.delete(session.id);
      if (admitted.delete(session.id)) deps.connections.release(session.remoteAddress);
      deps.recipientGuard.end(rcptSession(session), sessionLog(session));
      // A 421 ends a session (a deadline, a line too long, too many bad commands, talking
      // too soon): its reason is logged here, once, with what fail2ban needs.
      const cut = !turnedAway.delete(session.id) && session.error?.startsWith('421 ');
      sessionLog(session).info(cut ? { ip: session.remoteAddress, user: (session.user as Account | undefined)?.address, reason: session.error } : {}, 'disconnect');
    },

    onAuth(auth, session, callback) {
      const sandbox = role === 'submission' ? deps.sandbox : undefined;
      (sandbox ? Promise.resolve(sandboxLogin(authCtx, sandbox, auth, session)) : authenticate(authCtx, auth, session)).then(
        (result) => {
          const refusal = result instanceof Error ? { reply: `${result.responseCode} ${result.message}` } : {};
          sessionLog(session).info({ ip: session.remoteAddress, user: auth.username, ok: !(result instanceof Error), ...refusal }, 'auth');
          if (result instanceof Error) callback(result);
          else {
            deadlines.started(session.id);
            callback(null, result);
          }
        },
        (err: unknown) => {
          sessionLog(session).error({ err }, 'auth failed');
          callback(reply(454, '4.7.0', 'Temporary authentication failure'));
        },
      );
    },

    onMailFrom(address, session, callback) {
      // On submission the login before it started the session already.
      deadlines.started(session.id);
      if (role !== 'submission') return callback();
      if (deps.sandbox) {
        session.user ??= deps.sandbox;
        return callback();
      }
      const account = session.user as Account | undefined;
      if (!account) return callback(reply(530, '5.7.0', 'Authentication required'));
      const check = async () => {
        if (!(await deps.sendRate.mayStartMessage(account.id))) return RATE_LIMITED;
        const ok = await mayUseSender(deps.store, account, address.address, deps.subaddressSeparator);
        return ok ? null : reply(553, '5.7.1', `Sender address <${address.address}> not owned by ${account.address}`);
      };
      check().then(
        (refusal) => callback(refusal),
        (err: unknown) => {
          sessionLog(session).error({ err }, 'sender check failed');
          callback(reply(451, '4.3.0', 'Local error in processing'));
        },
      );
    },

    onRcptTo(address, session, callback) {
      if (role === 'submission' && deps.sandbox) return callback();
      const account = role === 'submission' ? (session.user as Account | undefined) : undefined;
      const recipients = session.envelope.rcptTo.length + 1;
      const sender = session.envelope.mailFrom ? session.envelope.mailFrom.address : '';
      const policy = () => checkRecipient({ store: deps.store, resolve: resolutionsOf(session).fresh, authenticated: Boolean(session.user) }, address.address);
      const check = async () => (await policy()) ?? (role === 'mx' ? await greylistRefusal(deps, session.remoteAddress, sender, address.address) : null);
      // Past the rate limit the recipient is not looked at, nor counted as a failed one.
      const answer = async () =>
        account && !(await deps.sendRate.mayAddRecipients(account.id, recipients)) ? RATE_LIMITED : deps.recipientGuard.answer(rcptSession(session), address.address, check, sessionLog(session));
      answer().then(
        (refusal) => callback(refusal),
        (err: unknown) => {
          sessionLog(session).error({ err }, 'recipient check failed');
          callback(reply(451, '4.3.0', 'Local error in processing'));
        },
      );
    },

    onData(stream, session, callback) {
      busy.add(session.id);
      const slog = sessionLog(session);
      const recipients = session.envelope.rcptTo.map((r) => r.address);
      const finish = (...args: Parameters<typeof callback>) => {
        busy.delete(session.id);
        callback(...args);
      };
      const deliver = async () => {
        const account = session.user as Account | undefined;
        const raw = await readMessage(stream, { size: deps.messageSize, lineLength: deps.lineLength });
        if (!Buffer.isBuffer(raw)) {
          slog.info({ ip: session.remoteAddress, user: account?.address, reply: raw.message }, 'message refused');
          return finish(raw);
        }
        const from = session.envelope.mailFrom ? session.envelope.mailFrom.address : '';
        if (role === 'submission' && deps.sandbox) {
          await acceptSandboxed(deps.queue, slog, from, recipients, Buffer.concat([Buffer.from(receivedHeader(session, deps.hostname)), raw]));
          return finish(null, 'Message captured by the sandbox');
        }
        const verdict: Verdict =
          role === 'submission' ? await prepareSubmission(deps.store, account!, raw, { separator: deps.subaddressSeparator, hostname: deps.hostname }, slog)
          : role === 'mx' ? await verifyMessage(deps, session, raw, slog, await arcSealKey(deps.store, resolutionsOf(session).kept, recipients))
          : receiveLmtp(raw, { hostname: deps.hostname, lhlo: String(session.hostNameAppearsAs ?? ''), judged: Boolean(deps.spam) });
        if (verdict.report) await deps.reports?.dmarc(verdict.report);
        if (!verdict.accept) {
          slog.info({ ip: session.remoteAddress, user: account?.address, from, recipients, ...verdict.auth, reply: verdict.refusal.message }, 'message refused');
          return finish(verdict.refusal);
        }
        // One copy of the message with every header field we add in front.
        const message = Buffer.concat([Buffer.from(receivedHeader(session, deps.hostname) + verdict.prefix), verdict.message]);
        // Spam (issue 15): mail from outside is judged per account; at reject_score for all of them, refused here.
        const spam = role === 'submission' ? undefined : deps.spam?.check(message, spamContext(session, from, role === 'mx' ? verdict.auth : undefined));
        const spamRefused = spam && role === 'mx' ? await spamRefusal(deps, spam, resolutionsOf(session).kept, recipients) : null;
        if (spamRefused) {
          slog.info({ ip: session.remoteAddress, from, recipients, ...verdict.auth, reply: spamRefused.message }, 'message refused');
          return finish(spamRefused);
        }
        const dsn = role === 'mx' ? worldDsnRequest(dsnRequest(session), verdict.auth) : dsnRequest(session);
        const requireTls = session.envelope.requireTLS === true;
        // Counted before the commit, in one step with the check: sessions racing for the last
        // slot (on any nodes) get it once. Taken back below if the message is not accepted.
        const counted = role === 'submission' && account ? await deps.sendRate.count(account.id, recipients.length) : undefined;
        if (counted === null) {
          slog.info({ ip: session.remoteAddress, user: account?.address, from, recipients, reply: RATE_LIMITED.message }, 'message refused');
          return finish(RATE_LIMITED);
        }
        const takeBack = () => counted?.takeBack().catch((err: unknown) => slog.error({ err }, 'taking back a submission count failed'));
        // Design rule 1: the reply waits for the synced commits of the local copies and the queue entry.
        const reports = await acceptMessage(deps.queue, {
          from,
          recipients,
          raw: message,
          mailbox: verdict.mailbox,
          subaddressSeparator: deps.subaddressSeparator,
          resolve: resolutionsOf(session).kept,
          dsn,
          requireTls,
          // Sieve runs while the client waits: a script's reject is this transaction's 550.
          sieve: {
            atData: true,
            hostname: deps.hostname,
            log: slog,
            auth: { spf: String(verdict.auth?.spf ?? 'none'), dmarc: String(verdict.auth?.dmarc ?? 'none') },
            sign: (unsigned, author) => dkimSignatures(deps.store, unsigned, author, slog),
          },
          ...(spam ? { spam } : {}),
          ...(verdict.authResults ? { authResults: verdict.authResults } : {}),
        }).catch(async (err: unknown) => {
          // Answered 451 below: as a refused message, it counts for nothing.
          await takeBack();
          throw err;
        });
        // Whom a user writes to is a known correspondent: their mail is never junked by the classifier alone.
        if (role === 'submission' && account) await deps.store.addCorrespondents(account.id, recipients).catch((err: unknown) => slog.error({ err }, 'recording correspondents failed'));
        // The message is committed: a failing success report must not make the client send it again.
        const reportSettings = { queue: deps.queue, hostname: deps.hostname, subaddressSeparator: deps.subaddressSeparator };
        await reportDelivered(reportSettings, slog, { from, raw: message, dsn }, reports).catch(
          (err: unknown) => slog.error({ err }, 'delivery report failed'),
        );
        // Copies refused while others were written are reported to the sender, and the
        // transaction (in LMTP, the recipient whose alias they came from) is answered 250.
        const refused = role === 'lmtp' ? reports.flatMap((report, index) => partlyRefused([report]).map((copy) => ({ ...copy, index }))) : partlyRefused(reports);
        if (refused.length > 0) {
          await reportRefused(reportSettings, slog, { from, raw: message, dsn, requireTls }, refused).catch((err: unknown) => slog.error({ err }, 'failure report failed'));
        }
        const detailLog = {
          ...(refused.length > 0 ? { refused: refused.map((c) => `${c.recipient}: ${c.diagnostic}`) } : {}),
          ...(requireTls ? { requireTls } : {}),
        };
        if (role === 'lmtp') {
          const replies = recipientReplies(recipients, reports);
          slog.info({ from, recipients, size: raw.length, ...verdict.auth, ...detailLog, replies: replies.map((r) => (typeof r === 'string' ? r : r.message)) }, 'delivered');
          return finish(null, replies);
        }
        const refusal = transactionReply(reports);
        if (refusal) await takeBack();
        slog.info({ from, recipients, size: raw.length, ...verdict.auth, ...detailLog, reply: refusal?.message ?? 'ok' }, 'delivered');
        finish(refusal, 'Message delivered');
      };
      deliver().catch((err: unknown) => {
        slog.error({ err }, 'delivery failed');
        stream.resume();
        finish(reply(451, '4.3.0', 'Local error in processing'));
      });
    },
  };
  const server = new SMTPServer(options);
  const deadlines = new SessionDeadlines(server, deps.deadlines);
  if (role !== 'mx') greetAtOnce(server);
  if (role === 'submission' && !deps.sandbox) offerScram(server, deps.store);
  // smtp-server reports a client's failed or abandoned TLS handshake as an 'error' event:
  // unheard, it would end the process.
  server.on('error', (err: Error) => log.info({ err: err.message }, 'connection error'));
  // A new certificate applies from the next handshake; sessions already in TLS keep theirs.
  const unwatch = deps.tls.onChange(() => server.updateSecureContext(deps.tls.serverOptions()));
  server.server.once('close', unwatch);
  return { server, busy };
}
