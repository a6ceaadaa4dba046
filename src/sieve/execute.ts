import { normalizeAddress } from '../delivery/address.ts';
import type { Account, Directory, Mailbox, MailStore, SieveStore, Vault } from '../store/types.ts';
import type { SieveAction } from './actions.ts';
import type { SieveDelivery, SieveRunEnvironment, SpamScore } from './environment.ts';
import { interpret, type SieveResult } from './interpret.ts';
import { defaultSieveLimits } from './limits.ts';
import { SieveMessage } from './message.ts';
import { parseSieve, type SieveScript } from './parse.ts';
import { sendActions } from './send.ts';
import { withoutDetail } from './subaddress.ts';

/** A copy the script files: into which mailbox, with which flags. */
export interface SieveCopy {
  mailbox: Mailbox;
  flags: string[];
}

/** What delivery does with one account's copy after the script ran. */
export interface SieveDecision {
  copies: SieveCopy[];
  /** The message with the script's header edits. */
  raw: Buffer;
  /** The fields in front of this account's copy (SieveInput.prefix), less those the script deleted. */
  prefix: string;
  /** Set when the message is to be refused at DATA (reject/ereject while the client waits). */
  rejected: string | null;
  /** What the script did, for the delivery report when no copy is written. */
  summary: string;
  /** Sends what the script sends (redirect, vacation, refusal, notification) and remembers its marks; after the copies are committed. */
  finish(): Promise<void>;
}

export interface SieveInput {
  account: Account;
  /** The envelope sender and the recipient address this copy came for. */
  from: string;
  recipient: string;
  raw: Buffer;
  /** The fields delivery writes in front of this account's copy: the script's header tests see them. */
  prefix: string;
  /** Where a keep files: the delivery's mailbox (Junk for a spam verdict) or INBOX. */
  defaultMailbox: string | undefined;
  flags: string[];
  subaddressSeparator: string;
  /** The spam filter's verdict for this account, when it judged the message (spamtest reads it). */
  spam?: SpamScore | null;
}

type SieveDeliveryStore = SieveStore & MailStore & Vault & Pick<Directory, 'getDomain'>;

/** Parsed scripts by their text: a delivery parses each active script once. */
const parsed = new Map<string, SieveScript | null>();
const PARSED_CACHE = 200;

/**
 * Runs the account's active script, if it has one, over a message being delivered
 * (RFC 5228). An error in the script files the message into the default mailbox and is
 * logged (RFC 5228 2.10.6); null when the account has no active script.
 */
export async function decideBySieve(store: SieveDeliveryStore, delivery: SieveDelivery, input: SieveInput): Promise<SieveDecision | null> {
  const active = await store.getActiveSieveScript(input.account.id);
  if (!active) return null;
  const log = delivery.log?.child({ account: input.account.address, script: active.name });
  const limits = delivery.limits ?? defaultSieveLimits;
  const message = new SieveMessage(input.raw, input.prefix);
  const env = environment(store, delivery, input);
  let result: SieveResult;
  try {
    const script = scriptOf(active.content);
    if (!script) throw new Error('the active script does not parse');
    result = await interpret(script, message, env, limits);
  } catch (err) {
    log?.warn({ err: (err as Error).message }, 'sieve script failed: kept in the default mailbox');
    return { copies: [await defaultCopy(store, input, input.flags)], raw: input.raw, prefix: input.prefix, rejected: null, summary: 'kept (script error)', finish: async () => {} };
  }
  log?.info({ from: input.from, actions: result.actions.map(describe) }, 'sieve');
  const reject = result.actions.find((a) => a.type === 'reject');
  if (reject && delivery.atData) {
    log?.info({ from: input.from, reason: reject.reason }, 'sieve refuses the message at DATA');
    return { copies: [], raw: input.raw, prefix: input.prefix, rejected: reject.reason, summary: 'rejected', finish: async () => {} };
  }
  const raw = message.raw();
  const copies = await copiesOf(store, input, result.actions, log);
  return {
    copies,
    raw,
    prefix: message.prefix(),
    rejected: null,
    summary: result.actions.map(describe).join(', ') || 'discarded',
    finish: () => sendActions(store, delivery, { env, message, raw, actions: result.actions, marks: result.marks }, log),
  };
}

function scriptOf(text: string): SieveScript | null {
  let script = parsed.get(text);
  if (script === undefined) {
    const result = parseSieve(text);
    script = result.ok ? result.script : null;
    if (parsed.size >= PARSED_CACHE) parsed.delete(parsed.keys().next().value!);
    parsed.set(text, script);
  }
  return script;
}

function environment(store: SieveDeliveryStore, delivery: SieveDelivery, input: SieveInput): SieveRunEnvironment {
  const base = withoutDetail(normalizeAddress(input.recipient) ?? input.recipient, input.subaddressSeparator);
  const spf = delivery.auth?.spf;
  return {
    store,
    account: { id: input.account.id, address: input.account.address },
    from: input.from,
    to: input.recipient,
    subaddressSeparator: input.subaddressSeparator,
    spam: input.spam ?? null,
    ownAddresses: [...new Set([input.account.address.toLowerCase(), base.toLowerCase()])],
    senderUnverified: spf === 'fail' || spf === 'softfail' || delivery.auth?.dmarc === 'fail',
    log: delivery.log,
    now: Date.now(),
  };
}

/** The mailboxes keep and fileinto name, created for :create, else INBOX when missing; one copy per mailbox. */
async function copiesOf(store: SieveDeliveryStore, input: SieveInput, actions: SieveAction[], log: SieveDelivery['log']): Promise<SieveCopy[]> {
  const copies: SieveCopy[] = [];
  const add = (copy: SieveCopy) => {
    const same = copies.find((c) => c.mailbox.id === copy.mailbox.id);
    if (same) same.flags = [...new Set([...same.flags, ...copy.flags])];
    else copies.push(copy);
  };
  for (const action of actions) {
    if (action.type === 'keep') add(await defaultCopy(store, input, [...input.flags, ...action.flags]));
    if (action.type !== 'fileinto') continue;
    const flags = [...new Set([...input.flags, ...action.flags])];
    let mailbox = await store.getMailbox(input.account.id, action.mailbox);
    if (!mailbox && action.create) {
      mailbox = await store.createMailbox(input.account.id, action.mailbox).catch((err: Error) => {
        log?.warn({ mailbox: action.mailbox, err: err.message }, 'sieve fileinto :create failed');
        return null;
      });
    }
    if (mailbox) add({ mailbox, flags });
    else {
      log?.warn({ mailbox: action.mailbox }, 'sieve fileinto: no such mailbox, kept in INBOX');
      add(await defaultCopy(store, { ...input, defaultMailbox: undefined }, flags));
    }
  }
  return copies;
}

async function defaultCopy(store: SieveDeliveryStore, input: SieveInput, flags: string[]): Promise<SieveCopy> {
  const mailbox =
    (input.defaultMailbox ? await store.getMailbox(input.account.id, input.defaultMailbox) : null) ?? (await store.getMailbox(input.account.id, 'INBOX'));
  if (!mailbox) throw new Error(`${input.account.address} has no INBOX (run \`mailfold store check\`)`);
  return { mailbox, flags: [...new Set(flags)] };
}

function describe(a: SieveAction): string {
  switch (a.type) {
    case 'keep': return 'keep';
    case 'fileinto': return `fileinto ${a.mailbox}`;
    case 'redirect': return `redirect ${a.address}`;
    case 'discard': return 'discard';
    case 'reject': return a.extended ? 'ereject' : 'reject';
    case 'vacation': return `vacation to ${a.reply.to}`;
    case 'notify': return `notify ${a.notification.to.join(',')}`;
  }
}
