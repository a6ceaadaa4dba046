import type { Logger } from '../log/logger.ts';
import type { DnsResolve } from '../net/dns.ts';
import type { Account, SenderList, SpamStore } from '../store/types.ts';
import { classify } from './classifier.ts';
import { networkSignals, type NetworkSettings, type SpamContext } from './network.ts';
import { messageTokens } from './tokens.ts';
import { failedVerdict, verdictHeaders, type SpamSignal, type SpamVerdict } from './verdict.ts';
import { authorAddresses } from './sender.ts';

export interface SpamSettings extends NetworkSettings {
  enabled: boolean;
  /** At or above: into Junk. */
  junkScore: number;
  /** At or above: refused at DATA by the MX; null: never. */
  rejectScore: number | null;
  /** The classifier's weight: its probability 1 adds this much, 0 takes it away. */
  bayesWeight: number;
  /** The classifier speaks once the account learned this many spam and this many ham. */
  minLearned: number;
}

const LIST_WEIGHT: Record<SenderList, number> = { allow: -100, block: 100 };
/** A sender the account corresponds with is never junked by the classifier alone. */
const KNOWN_WEIGHT = -1;
/** Clues named in the log line of a verdict. */
const LOGGED_CLUES = 5;

/** One message being judged: its tokens and the network signals are found once, whatever the number of accounts. */
export interface SpamCheck {
  judge(account: Account): Promise<SpamVerdict>;
  /** The header fields that carry a verdict into the account's copy (spam/verdict.ts), with the MX's Authentication-Results value if any. */
  headers(verdict: SpamVerdict, authResults?: string): string;
}

/**
 * The spam verdict (issue 15): the account's allow and block lists, its known
 * correspondents, its classifier (spam/classifier.ts) and the network signals,
 * summed into a score. It never throws: a failure gives a verdict with `error`.
 */
export class SpamFilter {
  readonly settings: SpamSettings;
  readonly #store: SpamStore;
  readonly #resolve: DnsResolve | null;
  readonly #log: Logger;

  constructor(store: SpamStore, settings: SpamSettings, resolve: DnsResolve | null, log: Logger) {
    this.#store = store;
    this.settings = settings;
    this.#resolve = resolve;
    this.#log = log;
  }

  /** A check of `raw` for each account it is delivered to. */
  check(raw: Buffer, ctx: SpamContext): SpamCheck {
    let shared: Promise<{ tokens: string[]; authors: string[]; network: SpamSignal[] }> | null = null;
    const verdicts = new Map<number, Promise<SpamVerdict>>();
    const prepare = () =>
      (shared ??= (async () => ({
        tokens: messageTokens(raw),
        authors: authorAddresses(raw, ctx.from),
        network: await networkSignals(ctx, this.settings, this.#resolve),
      }))());
    const judge = async (account: Account): Promise<SpamVerdict> => {
      try {
        const { tokens, authors, network } = await prepare();
        const verdict = await this.#judge(account, tokens, authors, network);
        const signals = verdict.signals.map((s) => `${s.name}=${s.weight.toFixed(2)}${s.detail ? ` (${s.detail})` : ''}`);
        this.#log.info({ account: account.address, ip: ctx.ip, from: ctx.from, score: Number(verdict.score.toFixed(2)), spam: verdict.spam, signals }, 'spam verdict');
        return verdict;
      } catch (err) {
        this.#log.error({ err, account: account.address }, 'spam check failed');
        return failedVerdict((err as Error).message);
      }
    };
    return {
      judge: (account) => {
        let verdict = verdicts.get(account.id);
        if (!verdict) verdicts.set(account.id, (verdict = judge(account)));
        return verdict;
      },
      headers: (verdict, authResults) => verdictHeaders(verdict, this.settings.junkScore, authResults),
    };
  }

  async #judge(account: Account, tokens: string[], authors: string[], network: SpamSignal[]): Promise<SpamVerdict> {
    const signals: SpamSignal[] = [...network];
    const lists = new Map((await this.#store.listSenderEntries(account.id)).map((e) => [e.sender, e.list]));
    const listed = authors.flatMap((a) => [a, a.split('@')[1] ?? '']).map((s) => lists.get(s)).find((l) => l !== undefined);
    if (listed) signals.push({ name: listed === 'allow' ? 'ALLOWLIST' : 'BLOCKLIST', weight: LIST_WEIGHT[listed] });
    const known = (await this.#store.knownCorrespondents(account.id, authors)).some(Boolean) && !signals.some((s) => s.name === 'DMARC_FAIL');
    const { totals, tokens: counts } = await this.#store.spamCounts(account.id, tokens);
    if (totals.spam >= this.settings.minLearned && totals.ham >= this.settings.minLearned) {
      const { probability, clues } = classify(tokens, counts, totals);
      const weight = (probability - 0.5) * 2 * this.settings.bayesWeight;
      // A known correspondent: the classifier may only speak in its favour.
      signals.push({ name: 'BAYES', weight: known ? Math.min(weight, 0) : weight, detail: `${probability.toFixed(4)} ${clues.slice(0, LOGGED_CLUES).map((c) => c.token).join(' ')}` });
    }
    if (known) signals.push({ name: 'KNOWN_SENDER', weight: KNOWN_WEIGHT });
    const score = signals.reduce((sum, s) => sum + s.weight, 0);
    const { junkScore, rejectScore } = this.settings;
    return { score, spam: score >= junkScore, reject: rejectScore !== null && score >= rejectScore, signals };
  }
}
