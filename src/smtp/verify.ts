import type { AuthenticateOptions, DNSResolver } from 'mailauth';
import type { SMTPServerSession } from 'smtp-server';
import type { Logger } from '../log/logger.ts';
import { budgeted, type DnsResolve } from '../net/dns.ts';
import { splitHeader, type BlockField } from '../mime/header.ts';
import { claimingToBeUs, headerBlock, withoutFields } from './headers.ts';
import { loadMailauth } from './mailauth.ts';
import type { ArcSealKey } from './arc-seal.ts';
import { reply, type SmtpReply } from './reply.ts';
import { dmarcRow, type DmarcRow } from '../reports/dmarc.ts';

export interface VerifyDeps {
  resolve: DnsResolve;
  /** The authserv-id of our Authentication-Results. */
  hostname: string;
  dmarc: { reject: boolean; quarantine: boolean };
}

/** The results of the checks, for the line that logs the message's fate. */
export type AuthSummary = Record<string, string | number | string[]>;

export type Verdict =
  /**
   * `prefix` goes in front of `message`: header fields the checks or the signing add.
   * `authResults` is the value of our Authentication-Results, written into each account's
   * copy with that account's spam verdict (delivery/deliver.ts).
   */
  | { accept: true; prefix: string; message: Buffer; mailbox?: 'Junk'; auth?: AuthSummary; authResults?: string; report?: DmarcRow }
  | { accept: false; refusal: SmtpReply; auth?: AuthSummary; report?: DmarcRow };

/** DNS lookups one message may cause (SPF alone may use 10 plus its void lookups). */
const LOOKUPS_PER_MESSAGE = 50;
/** SPF evaluation gives up as temperror after this long; DKIM and DMARC are bounded by the resolver's timeout. */
const SPF_TIME_MS = 20_000;

/** The fields whose checks read the body (DKIM's and ARC's body hashes). */
const SIGNATURES = new Set(['dkim-signature', 'arc-seal', 'arc-message-signature']);

/**
 * The header block of `message` and its blank line: what mailauth needs of an
 * unsigned message that is not sealed (SPF and DMARC read no body, DKIM and ARC
 * find no signature), so it does not hash a body no result depends on.
 */
function headerOnly(message: Buffer, fields: BlockField[], dropped: BlockField[]): Buffer {
  const removed = dropped.reduce((sum, f) => sum + f.end - f.start, 0);
  return headerBlock(message, (fields.at(-1)?.end ?? 0) - removed);
}

/** The fields mailauth wrote without its Authentication-Results, and that field's value as written (folded). */
function ownAuthResults(headers: string): { prefix: string; authResults?: string } {
  const block = Buffer.from(headers);
  const field = splitHeader(block).find((f) => f.name === 'authentication-results');
  if (!field) return { prefix: headers };
  const written = field.raw.toString();
  return { prefix: withoutFields(block, [field]).toString(), authResults: written.slice(written.indexOf(':') + 1).trim() };
}

/**
 * SPF, DKIM, DMARC and ARC for a message from the world, through mailauth. The
 * message comes back with Received-SPF and Authentication-Results to put in front, and
 * without any of those fields or of the spam filter's that claimed to be ours (see
 * claimingToBeUs), so neither the checks nor the filter nor Sieve read a forged one. A
 * DMARC failure of a domain that asks for reject is refused, or filed into Junk
 * like quarantine, as configured.
 */
export async function verifyMessage(deps: VerifyDeps, session: SMTPServerSession, raw: Buffer, log: Logger, seal: ArcSealKey | null = null): Promise<Verdict> {
  const fields = splitHeader(raw);
  const forged = claimingToBeUs(fields, deps.hostname, { trace: true, verdicts: true });
  const message = withoutFields(raw, forged);
  const sender = session.envelope.mailFrom ? session.envelope.mailFrom.address : '';
  // mailauth passes maxElapsedTime on to its SPF check; its types do not list it.
  const options: AuthenticateOptions & { maxElapsedTime: number } = {
    ip: session.remoteAddress,
    helo: session.hostNameAppearsAs ? String(session.hostNameAppearsAs) : undefined,
    sender,
    mta: deps.hostname,
    resolver: budgeted(deps.resolve, LOOKUPS_PER_MESSAGE) as DNSResolver,
    disableBimi: true,
    maxElapsedTime: SPF_TIME_MS,
    // Mail an alias forwards gets our ARC set on top (mailauth seals only a chain that is none or pass).
    ...(seal ? { seal } : {}),
  };
  const { authenticate } = await loadMailauth();
  const result = await authenticate(seal || fields.some((f) => SIGNATURES.has(f.name)) ? message : headerOnly(message, fields, forged), options);
  // mailauth reports a seal it could not make here, outside its types.
  const sealErrors = result.arc ? (result.arc as { sealErrors?: unknown[] }).sealErrors : undefined;
  if (seal && sealErrors?.length) log.warn({ domain: seal.signingDomain, selector: seal.selector, errors: sealErrors }, 'ARC sealing failed');
  const dmarc = result.dmarc || null;
  const policy = dmarc?.status.result === 'fail' ? dmarc.policy : 'none';
  const auth: AuthSummary = {
    spf: result.spf ? result.spf.status.result : 'none',
    dkim: result.dkim.results.map((r) => r.status.result),
    arc: result.arc ? result.arc.status.result : 'none',
    dmarc: dmarc?.status.result ?? 'none',
    policy,
    forged: forged.length,
  };
  const refused = policy === 'reject' && deps.dmarc.reject;
  const junk = policy === 'reject' || (policy === 'quarantine' && deps.dmarc.quarantine);
  // The row of the DMARC aggregate report (RFC 7489 section 7.2), with what was done.
  const row = dmarcRow(result, session.remoteAddress, sender, options.helo ?? '', refused ? 'reject' : junk ? 'quarantine' : 'none');
  const report = row ? { report: row } : {};
  if (refused) {
    return { accept: false, refusal: reply(550, '5.7.1', `Message rejected by the DMARC policy of ${dmarc!.status.header?.from ?? 'the author domain'}`), auth, ...report };
  }
  const { prefix, authResults } = ownAuthResults(result.headers);
  return { accept: true, prefix, message, auth, ...(authResults ? { authResults } : {}), ...(junk ? { mailbox: 'Junk' as const } : {}), ...report };
}
