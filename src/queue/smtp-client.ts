import type { Readable } from 'node:stream';
import type { PeerCertificate, TLSSocket } from 'node:tls';
import { X509Certificate } from 'node:crypto';
import type SMTPConnection from 'nodemailer/lib/smtp-connection';
import type { TlsaData } from '../net/dns-wire.ts';
import { checkChain } from './dane.ts';

/** One server to hand a message to. */
export interface Hop {
  /** What to connect to: an address (MX) or a name (smarthost). */
  host: string;
  port: number;
  /** The server's name: for SNI, certificate checks and reports. */
  name: string;
  /** `opportunistic`: STARTTLS when offered, any certificate (RFC 3207 for MX hops without MTA-STS or DANE). */
  security: 'opportunistic' | 'starttls' | 'implicit' | 'none';
  verifyCertificate: boolean;
  /**
   * DANE (RFC 7672): the host's usable TLSA records. STARTTLS is then required and,
   * unless the list is empty (records published, none usable), the certificate must
   * match one before anything but EHLO is sent.
   */
  dane?: TlsaData[];
  auth?: { user: string; pass: string };
  /** Our own name, for EHLO. */
  helo: string;
  /** RFC 8689: MAIL FROM carries REQUIRETLS, and only over TLS to a server that offers it. */
  requireTls?: boolean;
}

/** RFC 3461 parameters passed on to a next hop that offers DSN. */
export interface HopDsn {
  ret?: 'FULL' | 'HDRS';
  envid?: string;
  notify?: string[];
  orcpt?: string;
}

/** One transaction: its recipients share their DSN parameters, since nodemailer gives every RCPT the same. */
export interface HopEnvelope {
  from: string;
  to: string[];
  size: number;
  dsn?: HopDsn;
}

export interface Reply {
  code: number;
  text: string;
}

/**
 * The replies of the recipients the server answered; the others (all of them when
 * no transaction happened) may be tried at the next hop, and `failure` says why.
 */
export interface HopResult {
  replies: Map<string, Reply>;
  /** Whether the server offered DSN (RFC 3461), so that it reports success itself. */
  dsn: boolean;
  failure?: HopFailure;
  /**
   * How TLS went, for STARTTLS hops (TLS-RPT): secured, or why not (STARTTLS missing or
   * refused, a failed handshake); absent when the session ended before TLS was tried.
   */
  tls?: { ok: true } | { ok: false; reason: string };
}

export interface HopFailure {
  reason: string;
  reply?: Reply;
  /** The hop could not give the TLS it was asked for: no STARTTLS, a certificate that fails, or (REQUIRETLS) no REQUIRETLS. */
  tls?: boolean;
  /** The certificate did not satisfy the hop's TLSA records (the reason says so). */
  dane?: boolean;
}

/** What a transaction did: replies for its recipients, or no answer at all. */
type TransactionResult = { answered: true; replies: Map<string, Reply> } | { answered: false; failure: HopFailure };

/** nodemailer's codes for a STARTTLS that failed, and for a server that cannot take REQUIRETLS. */
const TLS_ERRORS = new Set(['ETLS', 'EREQUIRETLS']);
/** Node's codes for a certificate that does not verify or a handshake that fails, which nodemailer keeps as `originalCode` of an ESOCKET. */
const HANDSHAKE_ERROR = /CERT|SELF_SIGNED|^UNABLE_TO_|^ERR_SSL_|^ERR_TLS_/;

/** What nodemailer's errors carry besides the message. */
interface SmtpError extends Error {
  /** nodemailer's kind of error: `ETLS` for a failed STARTTLS. */
  code?: string;
  originalCode?: string;
  responseCode?: number;
  response?: string;
  recipient?: string;
  rejectedErrors?: SmtpError[];
}

const TIMEOUTS = { connectionTimeout: 30_000, greetingTimeout: 60_000, socketTimeout: 5 * 60_000, socketCloseTimeout: 1000 };

const asReply = (err: SmtpError): Reply | undefined =>
  err.responseCode && err.response ? { code: err.responseCode, text: err.response.trim() } : undefined;

/** Runs one step of the session; the connection's 'error' and 'end' settle it too. */
function step<T>(conn: SMTPConnection, run: (done: (err: SmtpError | null | undefined, value?: T) => void) => void): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const onError = (err: SmtpError) => finish(err);
    const onEnd = () => finish(Object.assign(new Error('connection closed'), {}));
    const finish = (err: SmtpError | null | undefined, value?: T) => {
      conn.off('error', onError);
      conn.off('end', onEnd);
      if (err) reject(err);
      else resolve(value as T);
    };
    conn.once('error', onError);
    conn.once('end', onEnd);
    run(finish);
  });
}

/**
 * SMTP transactions on one connection with nodemailer's client: connect, STARTTLS,
 * AUTH when configured, then for each envelope MAIL, RCPT for each recipient, DATA
 * (RSET in between). Each recipient gets the reply that decided it (its RCPT
 * refusal, or the answer to DATA).
 */
export async function sendVia(hop: Hop, envelopes: HopEnvelope[], message: () => Readable, signal: AbortSignal): Promise<HopResult> {
  const replies = new Map<string, Reply>();
  const starttls = hop.security === 'starttls' || hop.security === 'opportunistic';
  // Loaded at the first outbound hop: nodemailer adds about 20 MB to an idle server's RSS.
  const { default: Connection } = await import('nodemailer/lib/smtp-connection');
  const conn = new Connection({
    host: hop.host,
    port: hop.port,
    servername: hop.name,
    name: hop.helo,
    secure: hop.security === 'implicit',
    ignoreTLS: hop.security === 'none',
    requireTLS: hop.security === 'starttls' || hop.dane !== undefined,
    opportunisticTLS: hop.security === 'opportunistic' && hop.dane === undefined,
    // DANE decides on the certificate itself, below: the WebPKI's answer does not count.
    tls: { rejectUnauthorized: hop.verifyCertificate && hop.dane === undefined, minVersion: 'TLSv1.2' },
    logger: false,
    ...TIMEOUTS,
  });
  // Errors also arrive as events; without a listener one would crash the process.
  conn.on('error', () => {});
  const abort = () => conn.close();
  signal.addEventListener('abort', abort);
  try {
    await step<void>(conn, (done) => conn.connect(() => done(null)));
  } catch (err) {
    conn.close();
    signal.removeEventListener('abort', abort);
    const e = err as SmtpError;
    // A refused STARTTLS is ETLS; a handshake that fails (a certificate) is a socket error while upgrading.
    const failedTls = e.code === 'ETLS' || (conn as unknown as { upgrading?: boolean }).upgrading === true;
    const tls = starttls && failedTls ? { tls: { ok: false as const, reason: e.message } } : {};
    return { replies, dsn: false, failure: hopFailure(e, hop), ...tls };
  }
  const daneProblem = hop.dane ? daneCheck(conn, hop, hop.dane) : undefined;
  if (daneProblem) {
    signal.removeEventListener('abort', abort);
    conn.quit();
    const reason = `DANE: ${daneProblem}`;
    return { replies, dsn: false, failure: { reason: `${hop.name}[${hop.host}]:${hop.port}: ${reason}`, dane: true, tls: true }, tls: { ok: false, reason } };
  }
  // nodemailer goes on in plaintext when STARTTLS is not offered (or refused) and TLS is only opportunistic.
  const tls = starttls ? { tls: conn.secure ? { ok: true as const } : { ok: false as const, reason: 'STARTTLS not offered' } } : {};
  // The EHLO reply is the last one heard once connected; AUTH would replace it.
  const dsn = /^\d{3}[ -]DSN\b/im.test(conn.lastServerResponse || '');

  try {
    if (hop.auth) {
      try {
        await step<boolean>(conn, (done) => conn.login({ user: hop.auth!.user, pass: hop.auth!.pass }, (err, ok) => done(err, ok)));
      } catch (err) {
        // A refused login is the relay's configuration, not the recipients' fault: try again later.
        return { replies, dsn, ...tls, failure: { reason: `${hop.name}: authentication failed: ${(err as Error).message}` } };
      }
    }
    for (const [i, envelope] of envelopes.entries()) {
      if (i > 0) {
        try {
          await step<void>(conn, (done) => conn.reset((err) => done(err)));
        } catch (err) {
          return { replies, dsn, ...tls, failure: { reason: `${hop.name}[${hop.host}]:${hop.port}: RSET: ${(err as Error).message}` } };
        }
      }
      const result = await transaction(conn, envelope, message, hop);
      if (!result.answered) return { replies, dsn, ...tls, failure: result.failure };
      for (const [address, reply] of result.replies) replies.set(address, reply);
    }
    return { replies, dsn, ...tls };
  } finally {
    signal.removeEventListener('abort', abort);
    conn.quit();
  }
}

/** The server's chain as it sent it, leaf first. */
function peerChain(socket: TLSSocket): X509Certificate[] {
  const chain: X509Certificate[] = [];
  let cert: PeerCertificate | undefined = socket.getPeerCertificate(true);
  while (cert?.raw && chain.length < 10) {
    chain.push(new X509Certificate(cert.raw));
    const next: PeerCertificate | undefined = (cert as { issuerCertificate?: PeerCertificate }).issuerCertificate;
    // A self-signed certificate is its own issuer in Node's chain.
    if (!next || next === cert || next.raw?.equals(cert.raw)) break;
    cert = next;
  }
  return chain;
}

/** Why the TLS session does not satisfy the host's TLSA records, or undefined when it does. */
function daneCheck(conn: SMTPConnection, hop: Hop, records: TlsaData[]): string | undefined {
  // nodemailer keeps the TLS socket it upgraded to here; it exposes no other way to the peer's certificate.
  const socket = (conn as unknown as { _socket?: TLSSocket })._socket;
  if (!conn.secure || !socket || typeof socket.getPeerCertificate !== 'function') return 'the session is not encrypted';
  if (records.length === 0) return undefined;
  const result = checkChain(records, peerChain(socket), hop.name);
  return result.ok ? undefined : result.reason;
}

async function transaction(conn: SMTPConnection, envelope: HopEnvelope, message: () => Readable, hop: Hop): Promise<TransactionResult> {
  const dsn = envelope.dsn;
  try {
    const info = await step<SMTPConnection.SentMessageInfo>(conn, (done) =>
      conn.send(
        {
          from: envelope.from || false,
          to: envelope.to,
          size: envelope.size,
          use8BitMime: true,
          ...(hop.requireTls ? { requireTLSExtensionEnabled: true } : {}),
          // nodemailer adds these only when the server offers DSN.
          ...(dsn ? { dsn: { ...dsn, ret: dsn.ret as 'HDRS' | undefined, notify: dsn.notify as SMTPConnection.DSNOption[] | undefined } } : {}),
        },
        message(),
        (err, info) => done(err, info),
      ),
    );
    const replies = new Map<string, Reply>();
    for (const rejected of info.rejectedErrors ?? []) {
      const reply = asReply(rejected as SmtpError);
      if (rejected.recipient && reply) replies.set(rejected.recipient, reply);
    }
    const accepted = { code: Number(info.response.slice(0, 3)) || 250, text: info.response.trim() };
    for (const address of info.accepted) replies.set(address, accepted);
    return { answered: true, replies };
  } catch (err) {
    return transactionFailure(err as SmtpError, envelope.to, hop);
  }
}

/** MAIL, DATA or every RCPT refused: each recipient gets its reply; a lost connection lets the next hop be tried. */
function transactionFailure(err: SmtpError, to: string[], hop: Hop): TransactionResult {
  const replies = new Map<string, Reply>();
  for (const rejected of err.rejectedErrors ?? []) {
    const reply = asReply(rejected);
    if (rejected.recipient && reply) replies.set(rejected.recipient, reply);
  }
  const reply = asReply(err);
  if (replies.size === 0 && !reply) return { answered: false, failure: hopFailure(err, hop) };
  for (const address of to) if (!replies.has(address) && reply) replies.set(address, reply);
  return { answered: true, replies };
}

/** Why a hop answered for no recipient; a TLS failure is marked so where TLS was required (REQUIRETLS bounces on it). */
function hopFailure(err: SmtpError, hop: Hop): HopFailure {
  const reply = asReply(err);
  const tls = (TLS_ERRORS.has(err.code ?? '') || HANDSHAKE_ERROR.test(err.originalCode ?? '')) && hop.security !== 'opportunistic' && hop.security !== 'none';
  return { reason: `${hop.name}[${hop.host}]:${hop.port}: ${err.message}`, ...(reply ? { reply } : {}), ...(tls ? { tls } : {}) };
}
