import type { SearchIndex } from './search-index.ts';
import type { MessageIndex } from '../mime/types.ts';
import type { RecordSnapshot } from './records.ts';
import type { FetchSummary } from '../mime/fetch-summary.ts';
import type { ScramKeys } from '../auth/scram.ts';
import type { AppPasswordStore } from './app-passwords.ts';

export type AccountId = number;
export type MailboxId = number;
export type Uid = number;
export type ModSeq = number;
export type BlobId = string;

export interface Domain {
  name: string;
  createdAt: number;
}

export interface Account {
  id: AccountId;
  address: string;
  passwordHash: string;
  /** SCRAM-SHA-256 keys, derived when the password is set; absent for passwords set before SCRAM existed. */
  scram?: ScramKeys;
  /** 0 means unlimited. */
  quotaBytes: number;
  /** 0 means unlimited. */
  quotaMessages: number;
  disabled: boolean;
  /** May use the web interface's admin pages; absent on accounts made before roles existed: false. */
  admin?: boolean;
  createdAt: number;
}

/** An alias maps an address (or `@domain` for a domain's catch-all) to one or more targets. */
export interface Alias {
  address: string;
  targets: string[];
  createdAt: number;
}

export type SpecialUse = '\\Sent' | '\\Drafts' | '\\Trash' | '\\Junk' | '\\Archive' | '\\All' | '\\Flagged';

export interface Mailbox {
  id: MailboxId;
  accountId: AccountId;
  /** Full hierarchical name with `/` as separator, UTF-8; INBOX is always "INBOX". */
  name: string;
  specialUse: SpecialUse | null;
  subscribed: boolean;
  uidValidity: number;
  uidNext: Uid;
  highestModSeq: ModSeq;
  messages: number;
  unseen: number;
  /** Sum of message sizes in octets. */
  size: number;
  createdAt: number;
  /** The first UID no SELECT has claimed as \Recent yet (RFC 3501 2.3.2); absent: 1. */
  recentFrom?: Uid;
}

export interface MessageMeta {
  mailboxId: MailboxId;
  uid: Uid;
  blobId: BlobId;
  /** System flags (`\Seen`...) and keywords, in the order they were set. */
  flags: string[];
  internalDate: number;
  savedDate: number;
  modSeq: ModSeq;
  /** Per-delivery header lines (Return-Path, Delivered-To) served before the shared blob. */
  prefix: string;
  /** prefix bytes + blob bytes */
  size: number;
}

/**
 * What SELECT, QRESYNC, STATUS and STORE need of a message, read in bulk without the
 * rest of its record (a backend keeps these in a compact per-mailbox index).
 */
export type MessageState = Pick<MessageMeta, 'uid' | 'modSeq' | 'flags' | 'size'>;

/** What is stored once per distinct message body, shared by every copy of it. */
export interface BlobMeta {
  id: BlobId;
  size: number;
  chunkSize: number;
  chunks: number;
  /**
   * Where the top-level header ends (the index's `root.header.end`), kept beside the
   * index so that BODY[HEADER...] and SEARCH of header fields need not parse it.
   * Absent in records written before it was kept.
   */
  headerEnd?: number;
  index: Omit<MessageIndex, 'text'>;
}

/** A byte range of a message (prefix included), planned for a BodyReader. */
export interface BodyRange {
  message: MessageMeta;
  start: number;
  end: number;
  /** The message's blob record when the caller has read it already: the reader then does not read it again. */
  blob?: Pick<BlobMeta, 'id' | 'size' | 'chunkSize' | 'chunks'>;
}

/** Reads planned ranges of many messages with few store round trips; see MailStore.bodyReader. */
export interface BodyReader {
  /** Like MailStore.readMessage; works for any message, fastest for the planned ones read in order. */
  read(message: MessageMeta, start?: number, end?: number): AsyncGenerator<Buffer>;
}

export interface NewBlob {
  raw: Buffer;
  index: MessageIndex;
  /** ENVELOPE, BODY and BODYSTRUCTURE as IMAP writes them, computed by delivery from the index. */
  summary: FetchSummary;
}

export interface AppendTarget {
  accountId: AccountId;
  mailboxId: MailboxId;
  prefix: string;
  flags: string[];
  internalDate: number;
}

export type AppendOutcome =
  | { ok: true; uid: Uid; mailboxId: MailboxId; uidValidity: number; modSeq: ModSeq }
  | { ok: false; reason: 'quota'; detail: string }
  | { ok: false; reason: 'no-mailbox'; detail: string };

export type FlagOperation = 'set' | 'add' | 'remove';

/** COPY and MOVE: each source UID with the UID its copy got, in source UID order. */
export type CopyOutcome =
  | { ok: true; uidValidity: number; copies: { from: Uid; to: Uid }[] }
  | { ok: false; reason: 'quota' | 'no-mailbox'; detail: string };

/**
 * Marks of imported source messages (32 hex digits each, see transfer/import-marks.ts),
 * written in the same synced batch as the messages, so an import killed at any
 * instant resumes without duplicates.
 */
export interface ImportMarks {
  accountId: AccountId;
  marks: string[];
}

export interface AccountUsage {
  bytes: number;
  messages: number;
}

/** Emitted after a change is committed, so that live sessions can report it. */
export type StoreEvent =
  | { type: 'append'; accountId: AccountId; mailboxId: MailboxId; uids: Uid[]; modSeq: ModSeq }
  | { type: 'flags'; accountId: AccountId; mailboxId: MailboxId; uids: Uid[]; modSeq: ModSeq }
  | { type: 'expunge'; accountId: AccountId; mailboxId: MailboxId; uids: Uid[]; modSeq: ModSeq }
  | { type: 'mailboxes'; accountId: AccountId };

export interface StoredCertificate {
  keyPem: string;
  /** The leaf first, then its chain. */
  certPem: string;
  /** Where it came from; absent on records made before ACME existed, which were self-signed. */
  source?: 'self-signed' | 'acme' | 'manual';
}

/** The ACME account at one directory (RFC 8555 section 7.3). */
export interface AcmeAccount {
  keyPem: string;
  /** The account URL, once the CA created the account. */
  url?: string;
}

/** What the last ACME attempts did, for `cert status` and the retry schedule. */
export interface AcmeState {
  lastAttemptAt?: number;
  lastSuccessAt?: number;
  lastError?: string;
  /** Failures in a row since the last success; sets the backoff. */
  failures: number;
  nextAttemptAt?: number;
}

export type QueueId = string;

/** pending: still to be tried; sent: a remote server took it; failed: given up (and reported). */
export type QueueRecipientState = 'pending' | 'sent' | 'failed';

/** One recipient of a queued message, with its own delivery state. */
export interface QueueRecipient {
  address: string;
  state: QueueRecipientState;
  /** DSN NOTIFY (RFC 3461) as the sender gave it: NEVER, or SUCCESS, FAILURE, DELAY. */
  notify?: string[];
  /** The recipient the sender named, when an alias led here (`rfc822;addr`). */
  orcpt?: string;
  attempts: number;
  /** When it is due next (ms since the epoch). */
  nextAttempt: number;
  lastAttempt?: number;
  /** The last answer: a remote server's reply, or why none was had. */
  lastResult?: string;
  /** The RFC 3463 status of that answer, e.g. "4.4.1". */
  status?: string;
  /** The host that gave the answer. */
  remoteMta?: string;
}

/** One outbound message: its body is stored once, whatever the number of recipients. */
export interface QueueEntry {
  id: QueueId;
  /** Envelope sender; "" is the null sender of a bounce. */
  from: string;
  recipients: QueueRecipient[];
  size: number;
  createdAt: number;
  /** Whether the delay warning was sent already. */
  delayWarned: boolean;
  /** DSN ENVID and RET (RFC 3461), when the sender gave them. */
  envid?: string;
  ret?: 'FULL' | 'HDRS';
  /**
   * RFC 8689: true when the sender asked REQUIRETLS (every hop over verified TLS to an
   * authenticated MX that offers REQUIRETLS), false for `TLS-Required: No` (the
   * recipient domain's MTA-STS policy is not enforced), absent for neither.
   */
  requireTls?: boolean;
  /** Since when (ms since the epoch) an admin holds it: never tried, and its expiry waits for the release. */
  heldAt?: number;
}

/** A remote domain's MTA-STS policy (RFC 8461) as last fetched, kept until it expires. */
export interface MtaStsPolicy {
  /** The policy id from the domain's `_mta-sts` TXT record. */
  id: string;
  mode: 'enforce' | 'testing' | 'none';
  /** MX host patterns; `*.` covers one label. */
  mx?: string[];
  maxAge?: number;
  version?: string;
  /** ISO 8601: when it must be fetched again. */
  expires: string;
}

export type DkimAlgorithm = 'ed25519' | 'rsa';

/** A domain's DKIM signing key: the newest key of each algorithm signs (both are used). */
export interface DkimKey {
  domain: string;
  selector: string;
  algorithm: DkimAlgorithm;
  /** PKCS#8 PEM. */
  privateKey: string;
  /** The `p=` value of the DNS record: base64 of the raw key (ed25519) or of the SubjectPublicKeyInfo (RSA). */
  publicKey: string;
  createdAt: number;
}

export interface CheckProblem {
  what: string;
  repaired: boolean;
}

/**
 * Everything above store/ sees only these role interfaces (design rule 6), so a
 * networked backend can replace LevelDB without touching the protocols. Each module
 * is handed the roles it uses; `Store` is all of them, for the composition root.
 */

/** Domains, accounts and aliases: who receives mail here and who may log in. */
export interface Directory {
  addDomain(name: string): Promise<Domain>;
  getDomain(name: string): Promise<Domain | null>;
  listDomains(): Promise<Domain[]>;
  /** Refused while the domain has accounts or aliases; its DKIM keys go with it. */
  removeDomain(name: string): Promise<void>;

  /** Creates the account with its default mailboxes in one synced batch. */
  addAccount(input: { address: string; passwordHash: string; scram?: ScramKeys; quotaBytes: number; quotaMessages: number; admin?: boolean }): Promise<Account>;
  getAccount(address: string): Promise<Account | null>;
  getAccountById(id: AccountId): Promise<Account | null>;
  listAccounts(domain?: string): Promise<Account[]>;
  updateAccount(address: string, patch: Partial<Pick<Account, 'passwordHash' | 'scram' | 'disabled' | 'quotaBytes' | 'quotaMessages' | 'admin'>>): Promise<Account>;
  /** Removes the account, its mailboxes and messages. */
  removeAccount(address: string): Promise<void>;
  accountUsage(accountId: AccountId): Promise<AccountUsage>;

  addAlias(address: string, targets: string[]): Promise<Alias>;
  getAlias(address: string): Promise<Alias | null>;
  listAliases(domain?: string): Promise<Alias[]>;
  removeAlias(address: string): Promise<void>;
}

/** Mailboxes, messages, their bodies, flags and expunges, and the events their changes raise. */
export interface MailStore {
  /** Called after each change is committed; returns the unsubscribe function. */
  on(listener: (event: StoreEvent) => void): () => void;

  listMailboxes(accountId: AccountId): Promise<Mailbox[]>;
  getMailbox(accountId: AccountId, name: string): Promise<Mailbox | null>;
  getMailboxById(id: MailboxId): Promise<Mailbox | null>;
  createMailbox(accountId: AccountId, name: string, opts?: { specialUse?: SpecialUse | null; subscribed?: boolean }): Promise<Mailbox>;
  renameMailbox(accountId: AccountId, from: string, to: string): Promise<void>;
  /**
   * Removes a mailbox and its messages. One with children is refused unless
   * `keepChildren`: then only it goes and its children stay (IMAP then lists the
   * name as \Noselect, RFC 3501 6.3.4).
   */
  deleteMailbox(accountId: AccountId, name: string, opts?: { keepChildren?: boolean }): Promise<void>;
  /** Subscribes an existing mailbox, or unsubscribes a name (also one whose mailbox is gone). */
  setSubscribed(accountId: AccountId, name: string, subscribed: boolean): Promise<void>;
  /** Subscribed names: a mailbox's subscription outlives its DELETE (RFC 3501 6.3.9), so some may name no mailbox. */
  listSubscriptions(accountId: AccountId): Promise<string[]>;
  /**
   * Claims the UIDs up to `upTo` that no session has seen as \Recent (RFC 3501 2.3.2):
   * returns the first one claimed (above `upTo` when none), atomically, so each UID is claimed once.
   */
  claimRecent(mailboxId: MailboxId, upTo: Uid): Promise<Uid>;

  /** Stores the body once and adds a message to each target mailbox; one synced batch. */
  append(blob: NewBlob, targets: AppendTarget[], opts: { enforceQuota: boolean }): Promise<AppendOutcome[]>;
  /**
   * Several bodies, each to its targets, in one synced batch (IMAP MULTIAPPEND).
   * With `atomic`, nothing is written unless every target of every item succeeds;
   * the outcomes then say which failed. `learning` is learned in the same batch.
   */
  appendMany(
    items: { blob: NewBlob; targets: AppendTarget[] }[],
    opts: { enforceQuota: boolean; atomic: boolean; importMarks?: ImportMarks; learning?: AccountLessons },
  ): Promise<AppendOutcome[][]>;
  listMessages(mailboxId: MailboxId): Promise<MessageMeta[]>;
  /** The states of the mailbox's messages (or of those of `uids` that exist), ascending by UID: cheaper than whole records. */
  messageStates(mailboxId: MailboxId, uids?: Uid[]): Promise<MessageState[]>;
  getMessage(mailboxId: MailboxId, uid: Uid): Promise<MessageMeta | null>;
  /** The messages with these UIDs, in the same order; null where one does not exist. */
  getMessages(mailboxId: MailboxId, uids: Uid[]): Promise<(MessageMeta | null)[]>;
  /**
   * Copies messages to another mailbox of the same account: new records and body
   * references, the bodies themselves shared. Flags and internal dates are kept;
   * UIDs that no longer exist are skipped. One synced batch.
   */
  copyMessages(from: MailboxId, uids: Uid[], to: MailboxId, opts: { enforceQuota: boolean; lessons?: MessageLesson[] }): Promise<CopyOutcome>;
  /**
   * Like copyMessages, and expunges the sources in the same batch (RFC 6851 MOVE).
   * `lessons` (spam learning of the messages moved) are learned in that batch too.
   */
  moveMessages(from: MailboxId, uids: Uid[], to: MailboxId, opts?: { lessons?: MessageLesson[] }): Promise<CopyOutcome>;
  getBlob(blobId: BlobId): Promise<BlobMeta | null>;
  /** Several bodies' records in one read, in the order asked; null where one is missing. */
  getBlobs(blobIds: BlobId[]): Promise<(BlobMeta | null)[]>;
  /**
   * Several bodies' ENVELOPE, BODY and BODYSTRUCTURE as IMAP writes them, in the order
   * asked; null where a body is missing or was stored before these were kept.
   */
  getFetchSummaries(blobIds: BlobId[]): Promise<(FetchSummary | null)[]>;
  getSearchText(blobId: BlobId): Promise<string>;
  /** Several bodies' search texts in one read, in the order asked; '' where one is missing. */
  getSearchTexts(blobIds: BlobId[]): Promise<string[]>;
  /** The message's bytes from `start` to `end` (exclusive), chunk by chunk. */
  readMessage(message: MessageMeta, start?: number, end?: number): AsyncGenerator<Buffer>;
  /**
   * For reading many messages in a row (FETCH, POP3): the ranges given are read
   * ahead in batches bounded in bytes and count, so a large body is still streamed.
   */
  bodyReader(ranges: readonly BodyRange[]): BodyReader;
  /**
   * Changes flags and returns the messages that changed. With `unchangedSince`
   * (CONDSTORE), a message whose MODSEQ is above it is left alone. `lessons` of the
   * messages that change are learned in the same batch.
   */
  storeFlags(mailboxId: MailboxId, uids: Uid[], op: FlagOperation, flags: string[], unchangedSince?: ModSeq, lessons?: MessageLesson[]): Promise<MessageState[]>;
  expunge(mailboxId: MailboxId, uids: Uid[]): Promise<Uid[]>;
  /** Expunged UIDs whose expunge modseq is greater than `since`. */
  expungedSince(mailboxId: MailboxId, since: ModSeq): Promise<Uid[]>;

  // Import state (transfer/): which source messages an account has imported already.
  /** For each mark, whether it was written (with the message it stands for) by an earlier import. */
  importedMarks(accountId: AccountId, marks: string[]): Promise<boolean[]>;

  // IMAP METADATA (RFC 5464).
  /** The account's annotations on a mailbox, or on the server when `mailboxId` is null, by entry name. */
  listMetadata(accountId: AccountId, mailboxId: MailboxId | null): Promise<MetadataEntry[]>;
  /**
   * Sets entries (a null value removes one) in one synced batch; nothing is written
   * when the account's annotations would then pass `limits`. Entries of mailboxes
   * deleted since are dropped in the same batch.
   */
  setMetadata(accountId: AccountId, mailboxId: MailboxId | null, changes: { entry: string; value: Buffer | null }[], limits: MetadataLimits): Promise<MetadataOutcome>;
}

/** The full-text index (search-index.ts), a role of its own: SEARCH, SORT and THREAD narrow with it. */
export interface FullTextIndex {
  readonly searchIndex: SearchIndex;
}

/** The outbound queue: messages waiting to be sent, each body stored once. */
export interface QueueStore {
  /** Stores an outbound message and its recipients; one synced batch. */
  enqueue(entry: Omit<QueueEntry, 'id' | 'size'>, raw: Buffer): Promise<QueueEntry>;
  /** Every queued message, oldest first. */
  listQueue(): Promise<QueueEntry[]>;
  getQueueEntry(id: QueueId): Promise<QueueEntry | null>;
  /** Rewrites an entry's state; false (and nothing written) when it is gone. */
  updateQueueEntry(entry: QueueEntry): Promise<boolean>;
  /** Removes an entry and its body; false when it was not there. */
  removeQueueEntry(id: QueueId): Promise<boolean>;
  /** The queued message's bytes, chunk by chunk. */
  readQueueMessage(id: QueueId): AsyncGenerator<Buffer>;
  /**
   * Takes an entry for one sender among all that share the store (several nodes on one
   * database): true when `holder` now holds it until `until` (ms since the epoch), false
   * when another holder's claim has not run out or the entry is gone. A holder renews
   * with a later `until` and gives the entry back with `until` 0.
   */
  claimQueueEntry(id: QueueId, holder: string, until: number): Promise<boolean>;
  /**
   * Holds an entry since `heldAt` (ms since the epoch), or releases it with null: the entry
   * as it now is, or null when it is gone. Nobody can claim a held entry; only this changes
   * the hold, updateQueueEntry keeps it as stored (a hold made during an attempt outlives it).
   */
  holdQueueEntry(id: QueueId, heldAt: number | null): Promise<QueueEntry | null>;
}

/** Keys and secrets: TLS certificates, ACME state, named secrets, DKIM keys, MTA-STS policies. */
export interface Vault {
  /** A TLS key and certificate kept under a name (a host name), or null. */
  getCertificate(name: string): Promise<StoredCertificate | null>;
  putCertificate(name: string, value: StoredCertificate): Promise<void>;
  /** The account key (and URL) for an ACME directory URL, or null. */
  getAcmeAccount(directoryUrl: string): Promise<AcmeAccount | null>;
  putAcmeAccount(directoryUrl: string, value: AcmeAccount): Promise<void>;
  getAcmeState(): Promise<AcmeState | null>;
  putAcmeState(value: AcmeState): Promise<void>;
  /** A random 32-byte secret kept under a name, made (and synced) at first use. */
  secret(name: string): Promise<Buffer>;

  /** Adds keys of a local domain in one synced batch; refused when a selector is taken. */
  addDkimKeys(domain: string, keys: DkimKey[]): Promise<void>;
  /** The domain's keys, oldest first. */
  listDkimKeys(domain: string): Promise<DkimKey[]>;
  removeDkimKey(domain: string, selector: string): Promise<void>;

  /** The cached MTA-STS policy of a remote domain, or null. */
  getMtaStsPolicy(domain: string): Promise<MtaStsPolicy | null>;
  putMtaStsPolicy(domain: string, policy: MtaStsPolicy): Promise<void>;
}

/** One Sieve script of an account, as ManageSieve LISTSCRIPTS shows it (RFC 5804 2.7). */
export interface SieveScriptInfo {
  name: string;
  active: boolean;
  /** UTF-8 bytes. */
  size: number;
  updatedAt: number;
}

/** What one account may keep in Sieve scripts. */
export interface SieveScriptLimits {
  maxScripts: number;
  /** Per script, in UTF-8 bytes. */
  maxScriptBytes: number;
}

export type SievePutOutcome = { ok: true } | { ok: false; reason: 'too-many' | 'too-big' };

/** Why a Sieve run remembers something: a vacation reply sent, or a duplicate id seen (RFC 7352). */
export type SieveMarkScope = 'vacation' | 'duplicate';

/**
 * Sieve scripts per account (ManageSieve, the CLI, delivery reads the active one), and
 * the marks a run leaves until they expire: whom vacation answered, which ids `duplicate` saw.
 * Script names are 1 to 128 characters without control characters (RFC 5804 1.6).
 */
export interface SieveStore {
  /** The account's scripts by name, the active one marked. */
  listSieveScripts(accountId: AccountId): Promise<SieveScriptInfo[]>;
  getSieveScript(accountId: AccountId, name: string): Promise<string | null>;
  /** Creates or replaces a script; refused, with nothing written, past the limits. */
  putSieveScript(accountId: AccountId, name: string, content: string, limits: SieveScriptLimits): Promise<SievePutOutcome>;
  /** StoreError 'not-found' when absent, 'locked' when it is the active script. */
  deleteSieveScript(accountId: AccountId, name: string): Promise<void>;
  /** The active marker follows the script. StoreError 'not-found' or 'exists'. */
  renameSieveScript(accountId: AccountId, from: string, to: string): Promise<void>;
  /** Makes a script the active one, or none with null. StoreError 'not-found'. */
  setActiveSieveScript(accountId: AccountId, name: string | null): Promise<void>;
  getActiveSieveScript(accountId: AccountId): Promise<{ name: string; content: string } | null>;
  /** Whether a mark is set and not expired at `now`. */
  hasSieveMark(accountId: AccountId, scope: SieveMarkScope, key: string, now: number): Promise<boolean>;
  /** Sets a mark until `expiresAt` (ms since the epoch), replacing an older one; expired marks of the account go. */
  setSieveMark(accountId: AccountId, scope: SieveMarkScope, key: string, expiresAt: number): Promise<void>;
}

// Spam filter (issue 15): its own role, so that every backend keeps the same per-account data.

export type SpamClass = 'spam' | 'ham';

/** One message to learn: `mark` names it (a hash of its body), so learning it twice changes nothing. */
export interface SpamLesson {
  mark: string;
  verdict: SpamClass;
  /** Its distinct tokens (spam/tokens.ts). */
  tokens: string[];
  /** Addresses that become known correspondents when it is learned as ham: its senders, or for mail the user sent its recipients. */
  correspondents?: string[];
}

/** Lessons learned in the batch of an append (mail the user sent, appended to Sent), for the account appended to. */
export interface AccountLessons {
  accountId: AccountId;
  lessons: SpamLesson[];
}

/** A lesson about one message of a mailbox, handed to a COPY, MOVE or STORE so that it joins their batch. */
export type MessageLesson = SpamLesson & { uid: Uid };

/** How often a token was seen in learned spam and in learned ham. */
export interface TokenCounts {
  spam: number;
  ham: number;
}

/** How many messages an account's classifier learned of each class. */
export interface SpamTotals {
  spam: number;
  ham: number;
}

export type SenderList = 'allow' | 'block';

/** An address (`user@domain`) or a domain (`domain`) on an account's allow or block list. */
export interface SenderListEntry {
  sender: string;
  list: SenderList;
}

/** A greylisting triplet's state: when it was first tried, and whether a retry was accepted since. */
export interface GreylistEntry {
  firstSeen: number;
  passed: boolean;
  /** For a passed triplet: when it last carried mail (spam/greylist.ts refreshes it at most daily). */
  lastSeen?: number;
}

/** Which greylist triplets to forget: those never passed, and those passed but idle, before these times. */
export interface GreylistPruning {
  unpassedBefore: number;
  passedBefore: number;
}

/** What learning did: lessons that changed the counts, and those that were already learned so. */
export interface LearnOutcome {
  learned: number;
  unchanged: number;
}

/**
 * The spam filter's data (spam/): per account the token counts, the marks of learned
 * messages (so re-learning has no effect and a spam learning can be undone), the allow
 * and block lists and the known correspondents; greylisting triplets for the server.
 * COPY, MOVE and STORE take lessons too (MailStore), learned in the batch of their change.
 */
export interface SpamStore {
  /** The account's totals and the counts of these tokens, in the order asked (zeros for unknown ones). */
  spamCounts(accountId: AccountId, tokens: string[]): Promise<{ totals: SpamTotals; tokens: TokenCounts[] }>;
  /** Learns (or relearns as the other class) each message; one synced batch. */
  learnSpam(accountId: AccountId, lessons: SpamLesson[]): Promise<LearnOutcome>;
  /** The number of distinct tokens kept for the account. */
  spamTokenCount(accountId: AccountId): Promise<number>;
  /** Forgets everything the classifier learned for the account (the lists and correspondents stay). */
  forgetSpam(accountId: AccountId): Promise<void>;
  listSenderEntries(accountId: AccountId): Promise<SenderListEntry[]>;
  /** Puts `sender` on a list, or takes it off both with null. */
  setSenderEntry(accountId: AccountId, sender: string, list: SenderList | null): Promise<void>;
  /** Addresses the account corresponds with: it sent to them, or learned ham from them. */
  addCorrespondents(accountId: AccountId, addresses: string[]): Promise<void>;
  knownCorrespondents(accountId: AccountId, addresses: string[]): Promise<boolean[]>;
  getGreylist(triplet: string): Promise<GreylistEntry | null>;
  putGreylist(triplet: string, entry: GreylistEntry): Promise<void>;
  /** Removes the triplets `limits` names as stale; returns how many. */
  pruneGreylist(limits: GreylistPruning): Promise<number>;
}

/** Aggregate reports Mailfold sends: DMARC (RFC 7489 section 7.2) and TLS-RPT (RFC 8460). */
export type ReportKind = 'dmarc' | 'tls';

/** One aggregated outcome of a reporting period: a row (JSON, made by reports/) and how often it happened. */
export interface ReportCount {
  row: string;
  count: number;
}

/** How much one reporting period may hold: rows per reported domain, and domains. */
export interface ReportLimits {
  rows: number;
  domains: number;
}

/**
 * Outcomes recorded for aggregate reports: counts per (kind, period, domain, row), so
 * a million messages alike are one row. A period is a UTC day number.
 */
export interface ReportLog {
  /** Adds `count` to a row; false (nothing kept) when a new row or domain would pass `limits`. */
  countReport(kind: ReportKind, period: number, domain: string, row: string, count: number, limits: ReportLimits): Promise<boolean>;
  /** The periods before `before` that hold rows, with their domains, oldest first. */
  reportPeriods(kind: ReportKind, before: number): Promise<{ period: number; domain: string }[]>;
  reportRows(kind: ReportKind, period: number, domain: string): Promise<ReportCount[]>;
  /** Forgets a domain's period, once its report is sent (or cannot be). */
  dropReport(kind: ReportKind, period: number, domain: string): Promise<void>;
}

/** The store as a whole: what opens it, checks it and closes it. */
/** A named exclusive hold (issue 19): ended by `release`, or by the death of the process holding it. */
export interface Lease {
  /** Ends the hold; a second call does nothing. */
  release(): Promise<void>;
  /**
   * Aborted when the hold ends without `release` (PostgreSQL: the node's lock connection
   * broke): another holder may have it now, so what it guarded must stop.
   */
  readonly lost: AbortSignal;
  /**
   * Whether the hold still stands, asked where it is kept (PostgreSQL: of the database,
   * which may have ended it before this node heard of it), before acting on it.
   */
  held(): Promise<boolean>;
}

/** One failure count of the login throttle: an address's or an account's. */
export interface FailureCount {
  count: number;
  /** Epoch ms after which the count is void. */
  expiresAt: number;
}

/**
 * What the nodes of one store do once between them (issue 19, docs/scale-out.md): a POP3
 * maildrop is held by one session, one ACME order runs at a time, its challenges are
 * answered by whichever node the CA reaches, and failed logins count against a client
 * whichever node it reaches. LevelDB is opened by one process, which is then the only
 * holder, counter and answerer; PostgreSQL shares them through the database.
 */
export interface Coordination {
  /** Takes the lease `name` (`pop3:<account id>`, `acme-order`) unless a session of this or another node holds it: null then. */
  tryLease(name: string): Promise<Lease | null>;
  /** Adds one failure to each key (a count expired at `now` starts again), which then lasts until `expiresAt`; LevelDB: nothing (the throttle counts in process). */
  recordLoginFailures(keys: string[], now: number, expiresAt: number): Promise<void>;
  /** The counts of these keys still live at `now` as every node recorded them; LevelDB: none. */
  loginFailures(keys: string[], now: number): Promise<Map<string, FailureCount>>;
  /**
   * Publishes the answer to an ACME challenge (`http-01:<token>`, `tls-alpn-01:<name>`) until
   * `expiresAt`, replacing one under that key; answers expired at `now` may go meanwhile.
   */
  putAcmeChallenge(key: string, value: string, now: number, expiresAt: number): Promise<void>;
  /** The answer under `key` while it is live at `now`, else null. */
  getAcmeChallenge(key: string, now: number): Promise<string | null>;
  /** Withdraws the answer (its validation is over); nothing when there is none. */
  removeAcmeChallenge(key: string): Promise<void>;
  /** What `account` sent on submission after `since` (epoch ms), as every node counted it. */
  submissionsSince(account: AccountId, since: number): Promise<SubmissionCount>;
  /**
   * Counts one message of `recipients` sent at `at` unless, with what was counted after
   * `since`, it would pass `limits` (submissionWithin): null then, and nothing is counted.
   * Two counts at once, on any nodes, never both take the last slot. The id is for
   * `uncountSubmission`.
   */
  countSubmission(account: AccountId, at: number, recipients: number, since: number, limits: SubmissionCount): Promise<number | null>;
  /** Takes back a count whose message was then refused or failed; an id not counted does nothing. */
  uncountSubmission(account: AccountId, id: number): Promise<void>;
}

/** Messages sent on submission and their recipients; as limits, 0 is none. */
export interface SubmissionCount {
  messages: number;
  recipients: number;
}

export interface StoreLifecycle {
  /** Verifies counters and references against the data; `repair` rewrites what differs. */
  check(opts: { repair: boolean }): Promise<CheckProblem[]>;
  /** Backup (issue 17): every record, raw, as of now; writes go on while it is read. */
  exportRecords(): Promise<RecordSnapshot>;
  close(): Promise<void>;
}

/** Every role at once: for the composition root, the admin service and code typed against the whole store. */
export type Store = Directory & MailStore & FullTextIndex & QueueStore & Vault & StoreLifecycle & AppPasswordStore & SieveStore & SpamStore & Coordination & ReportLog;

/** One annotation (RFC 5464): a lower-cased entry name like `/private/comment` and its value. */
export interface MetadataEntry {
  entry: string;
  value: Buffer;
}

/** What one account may keep in annotations, over all its mailboxes and the server. */
export interface MetadataLimits {
  maxEntries: number;
  maxBytes: number;
}

export type MetadataOutcome = { ok: true } | { ok: false; reason: 'too-many' | 'too-big' };

export class StoreError extends Error {
  readonly code: 'exists' | 'not-found' | 'invalid' | 'locked' | 'conflict' | 'limit';
  constructor(code: StoreError['code'], message: string) {
    super(message);
    this.code = code;
    this.name = 'StoreError';
  }
}
