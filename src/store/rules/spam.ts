import { StoreError, type LearnOutcome, type MessageLesson, type SenderList, type SpamClass, type SpamLesson, type SpamTotals, type TokenCounts, type Uid } from '../types.ts';

/** A mark is a hash in hex: it cannot name another key or row. */
const MARK = /^[0-9a-f]{16,64}$/;
/** A greylist triplet's key: a hash in hex, made by spam/greylist.ts. */
const TRIPLET = /^[0-9a-f]{16,64}$/;
/** An account that learned nothing yet. */
export const NO_TOTALS: Readonly<SpamTotals> = { spam: 0, ham: 0 };
/** Tokens longer than this are cut by the tokenizer; one longer comes from no tokenizer of ours. */
export const MAX_TOKEN_LENGTH = 64;
/** Bounds one learning: a message has at most a few thousand distinct tokens. */
export const MAX_TOKENS_PER_LESSON = 5000;

/** Addresses one lesson may make known correspondents (a message's recipients). */
const MAX_CORRESPONDENTS = 100;

/** An address as a correspondent key: `local@domain`, no space or slash, at most 254 characters. */
export function isMailAddress(address: unknown): address is string {
  return typeof address === 'string' && address.length <= 254 && /^[^\s@/]+@[^\s@/]+$/.test(address);
}

/** Refuses a lesson no tokenizer of ours makes, before anything is read or written. */
export function checkLesson(lesson: SpamLesson): void {
  if (typeof lesson.mark !== 'string' || !MARK.test(lesson.mark)) throw new StoreError('invalid', `not a message mark: ${JSON.stringify(lesson.mark)}`);
  if (lesson.verdict !== 'spam' && lesson.verdict !== 'ham') throw new StoreError('invalid', `not spam or ham: ${JSON.stringify(lesson.verdict)}`);
  if (!Array.isArray(lesson.tokens) || lesson.tokens.length > MAX_TOKENS_PER_LESSON) throw new StoreError('invalid', 'too many tokens in one message');
  const correspondents = lesson.correspondents ?? [];
  if (!Array.isArray(correspondents) || correspondents.length > MAX_CORRESPONDENTS || !correspondents.every(isMailAddress)) {
    throw new StoreError('invalid', 'a lesson names up to 100 correspondents, each an address');
  }
  for (const token of lesson.tokens) {
    if (typeof token !== 'string' || token.length === 0 || token.length > MAX_TOKEN_LENGTH) throw new StoreError('invalid', `not a token: ${JSON.stringify(token)}`);
  }
}

/**
 * What a batch of lessons changes, every backend alike: for each message its class
 * as learned before decides whether nothing happens (learned so already), it is
 * added, or its earlier learning as the other class is undone first. Within one
 * batch the last lesson of a mark wins. Counts never go below zero.
 */
export class LearningPlan {
  readonly totals: SpamTotals;
  /** Changes of the token counts, by token. */
  readonly deltas = new Map<string, TokenCounts>();
  /** The new class of each mark that changed. */
  readonly marks = new Map<string, SpamClass>();
  /** Addresses of what was learned as ham: known correspondents from now on. */
  readonly correspondents = new Set<string>();
  learned = 0;
  unchanged = 0;

  constructor(totals: SpamTotals) {
    this.totals = { ...totals };
  }

  /** The plan of `lessons` (checked by lessonMarks) over the totals and each mark's class as stored. */
  static of(totals: SpamTotals, lessons: readonly SpamLesson[], stored: (mark: string) => SpamClass | null): LearningPlan {
    const plan = new LearningPlan(totals);
    for (const lesson of lessons) plan.add(lesson, stored(lesson.mark));
    return plan;
  }

  get outcome(): LearnOutcome {
    return { learned: this.learned, unchanged: this.unchanged };
  }

  /** `before` is the mark's class as stored (or as an earlier lesson of this batch set it). */
  add(lesson: SpamLesson, before: SpamClass | null): void {
    const current = this.marks.get(lesson.mark) ?? before;
    if (current === lesson.verdict) {
      this.unchanged++;
      return;
    }
    if (current) this.#count(current, lesson.tokens, -1);
    this.#count(lesson.verdict, lesson.tokens, 1);
    this.marks.set(lesson.mark, lesson.verdict);
    this.learned++;
    if (lesson.verdict === 'ham') for (const address of lesson.correspondents ?? []) this.correspondents.add(address.toLowerCase());
  }

  /** The new counts of a token from its stored ones. */
  apply(token: string, stored: TokenCounts): TokenCounts {
    const delta = this.deltas.get(token)!;
    return { spam: Math.max(0, stored.spam + delta.spam), ham: Math.max(0, stored.ham + delta.ham) };
  }

  #count(verdict: SpamClass, tokens: string[], sign: 1 | -1): void {
    this.totals[verdict] = Math.max(0, this.totals[verdict] + sign);
    for (const token of new Set(tokens)) {
      const delta = this.deltas.get(token) ?? { spam: 0, ham: 0 };
      delta[verdict] += sign;
      this.deltas.set(token, delta);
    }
  }
}

/** The marks the plan needs to read: each distinct one once. */
export function lessonMarks(lessons: SpamLesson[]): string[] {
  for (const lesson of lessons) checkLesson(lesson);
  return [...new Set(lessons.map((l) => l.mark))];
}

/** A list entry: a lower-cased address or domain, nothing that could name another key. */
export function senderEntry(sender: string): string {
  const value = typeof sender === 'string' ? sender.trim().toLowerCase() : '';
  if (!/^(?:[^\s@/]{1,64}@)?[a-z0-9.-]{1,253}$/.test(value) || !value.includes('.')) {
    throw new StoreError('invalid', `not an address or domain: ${JSON.stringify(sender)}`);
  }
  return value;
}

/** A change of the allow and block lists, checked: the entry (senderEntry) and its list, null to take it off. */
export function listChange(sender: string, list: SenderList | null): { entry: string; list: SenderList | null } {
  if (list !== null && list !== 'allow' && list !== 'block') throw new StoreError('invalid', `not a sender list: ${JSON.stringify(list)}`);
  return { entry: senderEntry(sender), list };
}

/** Addresses to remember as correspondents: the valid ones, lower-cased, each once. */
export const correspondentAddresses = (addresses: readonly string[]): string[] => [...new Set(addresses.filter(isMailAddress).map((a) => a.toLowerCase()))];

/** A greylist triplet as a key, refused when it is not one greylist.ts makes. */
export function greylistKey(triplet: string): string {
  if (typeof triplet !== 'string' || !TRIPLET.test(triplet)) throw new StoreError('invalid', `not a greylist triplet: ${JSON.stringify(triplet)}`);
  return triplet;
}

/** The lessons about messages a change touched: a lesson about a message it left alone teaches nothing. */
export function lessonsAbout(lessons: MessageLesson[], touched: Uid[]): MessageLesson[] {
  if (lessons.length === 0) return [];
  const uids = new Set(touched);
  return lessons.filter((l) => uids.has(l.uid));
}
