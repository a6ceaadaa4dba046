import { messageLesson } from '../spam/lessons.ts';
import { toCrlf } from '../delivery/line-endings.ts';
import { StoreError, type Account, type LearnOutcome, type SenderList, type SenderListEntry, type SpamLesson, type SpamStore } from '../store/types.ts';
import { AdminError } from './service.ts';

/** What `mailfold spam status` shows. */
export interface SpamStatus {
  account: string;
  spam: number;
  ham: number;
  tokens: number;
  allowed: number;
  blocked: number;
}

/** One `spamTrain` call carries at most this many messages (the CLI sends batches). */
export const TRAIN_BATCH = 200;

/** The spam commands of the admin service: training, status, forgetting and the sender lists. */
export class SpamAdmin {
  readonly #store: SpamStore;

  constructor(store: SpamStore) {
    this.#store = store;
  }

  /** Learns messages sent one after the other in `body`, `sizes[i]` bytes each, as `verdicts[i]`. */
  async train(account: Account, verdicts: unknown[], sizes: unknown[], body: Buffer): Promise<LearnOutcome> {
    if (!Array.isArray(verdicts) || !Array.isArray(sizes) || verdicts.length !== sizes.length || verdicts.length > TRAIN_BATCH) {
      throw new AdminError('invalid', `a training batch is up to ${TRAIN_BATCH} messages, each with a verdict and a size`);
    }
    const lessons: SpamLesson[] = [];
    let offset = 0;
    verdicts.forEach((verdict, i) => {
      const size = sizes[i];
      if (verdict !== 'spam' && verdict !== 'ham') throw new AdminError('invalid', `a verdict is "spam" or "ham", got ${JSON.stringify(verdict)}`);
      if (typeof size !== 'number' || !Number.isSafeInteger(size) || size < 0 || offset + size > body.length) {
        throw new AdminError('invalid', 'the message sizes do not add up to the body sent');
      }
      // As delivery stores it (CRLF), so that a trained file and its delivered copy have the same mark.
      const raw = toCrlf(body.subarray(offset, offset + size));
      offset += size;
      lessons.push(messageLesson(raw, verdict));
    });
    try {
      return await this.#store.learnSpam(account.id, lessons);
    } catch (err) {
      if (err instanceof StoreError) throw new AdminError(err.code, err.message);
      throw err;
    }
  }

  async status(account: Account): Promise<SpamStatus> {
    const [{ totals }, tokens, lists] = await Promise.all([
      this.#store.spamCounts(account.id, []),
      this.#store.spamTokenCount(account.id),
      this.#store.listSenderEntries(account.id),
    ]);
    return {
      account: account.address,
      spam: totals.spam,
      ham: totals.ham,
      tokens,
      allowed: lists.filter((e) => e.list === 'allow').length,
      blocked: lists.filter((e) => e.list === 'block').length,
    };
  }

  async forget(account: Account): Promise<SpamStatus> {
    await this.#store.forgetSpam(account.id);
    return this.status(account);
  }

  /** Puts a sender on a list (or off both with null); the lists as they are then. */
  async setList(account: Account, sender: unknown, list: SenderList | null): Promise<SenderListEntry[]> {
    if (list !== null && list !== 'allow' && list !== 'block') throw new AdminError('invalid', `a list is "allow" or "block", got ${JSON.stringify(list)}`);
    if (typeof sender !== 'string') throw new AdminError('invalid', 'an address or domain is required');
    try {
      await this.#store.setSenderEntry(account.id, sender, list);
    } catch (err) {
      if (err instanceof StoreError) throw new AdminError('invalid', err.message);
      throw err;
    }
    return this.#store.listSenderEntries(account.id);
  }
}
