import type { SpamTotals, TokenCounts } from '../store/types.ts';

/** Robinson's strength of the prior belief (x = 0.5) against a token's own counts: SpamBayes' default. */
const PRIOR_STRENGTH = 0.45;
const PRIOR = 0.5;
/** Tokens nearer 0.5 than this say nothing and are left out. */
const MIN_STRENGTH = 0.1;
/** At most this many of the most telling tokens are combined. */
const MAX_CLUES = 150;

export interface Classification {
  /** 0 (ham) to 1 (spam); 0.5 when the tokens say nothing either way. */
  probability: number;
  /** The most telling tokens, strongest first, with their probability. */
  clues: { token: string; probability: number }[];
}

/**
 * Robinson-Fisher (Gary Robinson's token probabilities combined with Fisher's
 * chi-square method, as SpamBayes does): each token's spam probability from the
 * counts, pulled towards 0.5 while it was seen rarely; then two chi-square tests,
 * of the hypothesis "ham" and of "spam", over the most telling tokens.
 */
export function classify(tokens: string[], counts: TokenCounts[], totals: SpamTotals): Classification {
  const clues: { token: string; probability: number }[] = [];
  tokens.forEach((token, i) => {
    const { spam, ham } = counts[i]!;
    const seen = spam + ham;
    if (seen === 0) return;
    const spamRatio = spam / Math.max(totals.spam, 1);
    const hamRatio = ham / Math.max(totals.ham, 1);
    const p = spamRatio / (spamRatio + hamRatio);
    const probability = (PRIOR_STRENGTH * PRIOR + seen * p) / (PRIOR_STRENGTH + seen);
    if (Math.abs(probability - 0.5) >= MIN_STRENGTH) clues.push({ token, probability });
  });
  clues.sort((a, b) => Math.abs(b.probability - 0.5) - Math.abs(a.probability - 0.5) || (a.token < b.token ? -1 : 1));
  const used = clues.slice(0, MAX_CLUES);
  if (used.length === 0) return { probability: 0.5, clues: [] };
  let lnSpam = 0;
  let lnHam = 0;
  for (const { probability } of used) {
    const p = Math.min(Math.max(probability, 1e-6), 1 - 1e-6);
    lnHam += Math.log(p);
    lnSpam += Math.log(1 - p);
  }
  const spamness = 1 - chiSquareSurvival(-2 * lnSpam, 2 * used.length);
  const hamness = 1 - chiSquareSurvival(-2 * lnHam, 2 * used.length);
  return { probability: (spamness - hamness + 1) / 2, clues: used };
}

/** P(X >= x) for a chi-square distribution with an even number of degrees of freedom. */
function chiSquareSurvival(x: number, degrees: number): number {
  const m = x / 2;
  let term = Math.exp(-m);
  let sum = term;
  for (let i = 1; i < degrees / 2; i++) {
    term *= m / i;
    sum += term;
  }
  return Math.min(sum, 1);
}
