import type { SpamScore } from './environment.ts';
import type { TestHandler } from './run.ts';

/**
 * RFC 5235 spamtest and spamtestplus, fed by the spam filter's verdict. The filter's
 * score is placed on the RFC's scale with its Junk threshold in the middle: 0 to twice
 * the threshold maps onto 1..10 (spamtest) or 0..100 (:percent). An untested message is
 * "0" for both (RFC 5235 3.1 and 3.2).
 */
/** The spam filter's default `spam.junk_score`. */
const DEFAULT_THRESHOLD = 5;

export const spamTests: Record<string, TestHandler> = {
  spamtest: (run, t) => run.match(t, [spamValue(run.env.spam, t.tags.has('percent'))], [run.str(t.positional[0])]),
};

export function spamValue(spam: SpamScore | null, percent: boolean): string {
  if (!spam || spam.error !== undefined || !Number.isFinite(spam.score)) return '0';
  const threshold = spam.threshold !== undefined && spam.threshold > 0 ? spam.threshold : DEFAULT_THRESHOLD;
  const ratio = Math.min(1, Math.max(0, spam.score / (2 * threshold)));
  return String(percent ? Math.round(ratio * 100) : 1 + Math.round(ratio * 9));
}
