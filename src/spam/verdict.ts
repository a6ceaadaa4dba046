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
 * The header fields that carry the verdict into the account's copy: X-Spam-Score and
 * X-Spam-Status (yes or no, the score, the threshold and each signal with its weight).
 * The authentication results it used are in the MX's own Authentication-Results, which
 * stays the only one of this host (a second one would confuse readers that take the first).
 */
export function verdictHeaders(verdict: SpamVerdict, junkScore: number): string {
  if (verdict.error) {
    return `X-Spam-Status: Unknown, error="${oneLine(verdict.error).replace(/"/g, "'")}"\r\n`;
  }
  const signals = verdict.signals.map((s) => `${s.name}=${round(s.weight)}`).join(',\r\n\t');
  return (
    `X-Spam-Score: ${round(verdict.score)}\r\n` +
    `X-Spam-Status: ${verdict.spam ? 'Yes' : 'No'}, score=${round(verdict.score)} required=${round(junkScore)}${signals ? ` tests=${signals}` : ''}\r\n`
  );
}
