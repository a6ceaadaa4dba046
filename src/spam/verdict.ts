/** One reason a score went up or down, named as it appears in X-Spam-Status. */
export interface SpamSignal {
  name: string;
  weight: number;
  /** What it saw, for the log and the header: a zone, a probability. */
  detail?: string;
}

/**
 * The spam filter's judgement of one message for one account: what delivery files
 * by (Junk at `spam`), what the MX refuses by (`reject`), and what later steps (Sieve)
 * may read. A message that could not be judged has `error` and is not spam.
 */
export interface SpamVerdict {
  score: number;
  spam: boolean;
  reject: boolean;
  signals: SpamSignal[];
  error?: string;
}

/** The verdict when it could not be reached: delivered as ham, the error said. */
export function failedVerdict(error: string): SpamVerdict {
  return { score: 0, spam: false, reject: false, signals: [], error };
}

const round = (n: number) => (Math.round(n * 100) / 100).toFixed(2);

/** A header value holds no line break, whatever an error message says. */
const oneLine = (s: string) => s.replace(/[\r\n\t]+/g, ' ').slice(0, 200);

/**
 * The verdict as a result of our Authentication-Results (RFC 8601 2.7.6: no method is
 * registered for it, so an `x-` one, as Fastmail's x-ptr or x-return-mx): `pass` not spam,
 * `fail` spam, `temperror` not scored; the score and junk score as `policy.` properties.
 */
function spamResult(verdict: SpamVerdict, junkScore: number): string {
  if (verdict.error) return `x-spam=temperror reason="${oneLine(verdict.error).replace(/["\\]/g, "'")}"`;
  return `x-spam=${verdict.spam ? 'fail' : 'pass'} policy.score=${round(verdict.score)} policy.required=${round(junkScore)}`;
}

/**
 * Our Authentication-Results for one account's copy: the MX's value (authserv-id and the
 * SPF, DKIM, ARC and DMARC results) with the spam result of `verdict` appended, so that
 * this host writes one such field (readers take the first of a host). None where the MX
 * wrote none (LMTP, `mailfold deliver`): the spam result alone has X-Spam-Status.
 */
export function authResultsField(mx: string | undefined, verdict?: { verdict: SpamVerdict; junkScore: number }): string {
  if (!mx) return '';
  // "none" says no method ran (RFC 8601 2.2); with a spam result one did.
  const results = verdict ? mx.replace(/;\s*none\s*$/i, '') : mx;
  return `Authentication-Results: ${results}${verdict ? `;\r\n ${spamResult(verdict.verdict, verdict.junkScore)}` : ''}\r\n`;
}

/**
 * The fields verdictHeaders writes, by lower-cased name: a message that arrives with
 * any of them has them removed before ours are added (smtp/headers.ts claimingToBeUs),
 * so a Sieve script or a client that reads them reads our verdict only.
 */
export const VERDICT_FIELDS: ReadonlySet<string> = new Set(['x-spam-flag', 'x-spam-score', 'x-spam-status']);

/**
 * The header fields that carry the verdict into the account's copy: X-Spam-Flag (YES or
 * NO, as SpamAssassin and amavis write it, what most Sieve scripts test), X-Spam-Score and
 * X-Spam-Status (yes or no, the score, the threshold and each signal with its weight),
 * then our Authentication-Results with the verdict as `x-spam` (see authResultsField).
 */
export function verdictHeaders(verdict: SpamVerdict, junkScore: number, authResults?: string): string {
  const results = authResultsField(authResults, { verdict, junkScore });
  if (verdict.error) {
    return `X-Spam-Status: Unknown, error="${oneLine(verdict.error).replace(/"/g, "'")}"\r\n${results}`;
  }
  const signals = verdict.signals.map((s) => `${s.name}=${round(s.weight)}`).join(',\r\n\t');
  return (
    `X-Spam-Flag: ${verdict.spam ? 'YES' : 'NO'}\r\n` +
    `X-Spam-Score: ${round(verdict.score)}\r\n` +
    `X-Spam-Status: ${verdict.spam ? 'Yes' : 'No'}, score=${round(verdict.score)} required=${round(junkScore)}${signals ? ` tests=${signals}` : ''}\r\n` +
    results
  );
}
