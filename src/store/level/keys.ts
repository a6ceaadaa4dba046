import type { AccountId, BlobId, MailboxId, QueueId, Uid } from '../types.ts';

/**
 * The whole LevelDB key layout (docs/architecture.md explains it). Numbers are
 * fixed-width hex so that byte order is numeric order; a name, when present, is
 * always the last component, so `/` inside it cannot be confused with a separator.
 */
const hex = (n: number): string => n.toString(16).padStart(8, '0');

/** The upper bound for a prefix scan: every key starting with `prefix` sorts below it. */
export const prefixEnd = (prefix: string): string => prefix + '\xff';

export const keys = {
  counters: 'meta/counters',
  version: 'meta/version',
  /** Where an unfinished migration stands (migrate/runner.ts); absent once the store is at LAYOUT_VERSION. */
  migration: 'meta/migration',
  domain: (name: string) => `dom/${name}`,
  domainPrefix: 'dom/',
  account: (address: string) => `acc/${address}`,
  accountPrefix: 'acc/',
  accountById: (id: AccountId) => `aid/${hex(id)}`,
  accountByIdPrefix: 'aid/',
  alias: (address: string) => `ali/${address}`,
  aliasPrefix: 'ali/',
  mailbox: (id: MailboxId) => `mbx/${hex(id)}`,
  mailboxPrefix: 'mbx/',
  mailboxName: (accountId: AccountId, name: string) => `mbn/${hex(accountId)}/${name}`,
  mailboxNamePrefix: (accountId: AccountId) => `mbn/${hex(accountId)}/`,
  mailboxNameAll: 'mbn/',
  /** A subscribed name that has no mailbox (any more): subscriptions outlive DELETE. */
  subscription: (accountId: AccountId, name: string) => `sub/${hex(accountId)}/${name}`,
  subscriptionPrefix: (accountId: AccountId) => `sub/${hex(accountId)}/`,
  message: (mailboxId: MailboxId, uid: Uid) => `msg/${hex(mailboxId)}/${hex(uid)}`,
  messagePrefix: (mailboxId: MailboxId) => `msg/${hex(mailboxId)}/`,
  messageAll: 'msg/',
  // The mailbox index (mailbox-index.ts): per mailbox, packed segments of UIDs, MODSEQs, sizes and flag ids, and its flag table.
  indexSegment: (mailboxId: MailboxId, segment: number) => `mbi/${hex(mailboxId)}/${hex(segment)}`,
  indexSegmentPrefix: (mailboxId: MailboxId) => `mbi/${hex(mailboxId)}/`,
  indexSegmentAll: 'mbi/',
  flagTable: (mailboxId: MailboxId) => `mbf/${hex(mailboxId)}`,
  flagTableAll: 'mbf/',
  expunged: (mailboxId: MailboxId, uid: Uid) => `xpg/${hex(mailboxId)}/${hex(uid)}`,
  expungedPrefix: (mailboxId: MailboxId) => `xpg/${hex(mailboxId)}/`,
  expungedAll: 'xpg/',
  blob: (id: BlobId) => `blb/${id}`,
  blobPrefix: 'blb/',
  blobText: (id: BlobId) => `blt/${id}`,
  blobTextPrefix: 'blt/',
  blobSummary: (id: BlobId) => `bls/${id}`,
  chunk: (id: BlobId, index: number) => `chk/${id}/${hex(index)}`,
  chunkPrefix: (id: BlobId) => `chk/${id}/`,
  chunkAll: 'chk/',
  ref: (blobId: BlobId, mailboxId: MailboxId, uid: Uid) => `ref/${blobId}/${hex(mailboxId)}/${hex(uid)}`,
  refPrefix: (blobId: BlobId) => `ref/${blobId}/`,
  refAll: 'ref/',
  certificate: (name: string) => `crt/${name}`,
  acmeAccount: (directoryUrl: string) => `acm/${directoryUrl}`,
  acmeState: 'meta/acme',
  secret: (name: string) => `meta/secret/${name}`,
  queue: (id: QueueId) => `que/${id}`,
  queuePrefix: 'que/',
  queueChunk: (id: QueueId, index: number) => `qch/${id}/${hex(index)}`,
  queueChunkPrefix: (id: QueueId) => `qch/${id}/`,
  queueChunkAll: 'qch/',
  dkimKey: (domain: string, selector: string) => `dkm/${domain}/${selector}`,
  dkimKeyPrefix: (domain: string) => `dkm/${domain}/`,
  dkimKeyAll: 'dkm/',
  mtaSts: (domain: string) => `sts/${domain}`,
  // IMAP METADATA (RFC 5464): an account's annotations, by mailbox (0: the server's), then entry name.
  metadata: (accountId: AccountId, mailboxId: MailboxId, entry: string) => `mdt/${hex(accountId)}/${hex(mailboxId)}/${entry}`,
  metadataPrefix: (accountId: AccountId, mailboxId?: MailboxId) => `mdt/${hex(accountId)}/${mailboxId === undefined ? '' : `${hex(mailboxId)}/`}`,
  importMark: (accountId: AccountId, mark: string) => `imp/${hex(accountId)}/${mark}`,
  importMarkPrefix: (accountId: AccountId) => `imp/${hex(accountId)}/`,
  appPassword: (accountId: AccountId, id: string) => `apw/${hex(accountId)}/${id}`,
  appPasswordPrefix: (accountId: AccountId) => `apw/${hex(accountId)}/`,
  // Sieve: an account's scripts by name, which one is active, and the marks of its runs (vacation, duplicate).
  sievePrefix: (accountId: AccountId) => `siv/${hex(accountId)}/`,
  sieveScript: (accountId: AccountId, name: string) => `siv/${hex(accountId)}/s/${name}`,
  sieveScriptPrefix: (accountId: AccountId) => `siv/${hex(accountId)}/s/`,
  sieveActive: (accountId: AccountId) => `siv/${hex(accountId)}/active`,
  sieveMark: (accountId: AccountId, scope: string, key: string) => `siv/${hex(accountId)}/m/${scope}/${key}`,
  sieveMarkPrefix: (accountId: AccountId) => `siv/${hex(accountId)}/m/`,
  // Spam filter (issue 15): per account the totals, token counts, learned marks, sender lists, correspondents.
  spamTotals: (accountId: AccountId) => `spn/${hex(accountId)}`,
  spamToken: (accountId: AccountId, token: string) => `spt/${hex(accountId)}/${token}`,
  spamTokenPrefix: (accountId: AccountId) => `spt/${hex(accountId)}/`,
  spamTokenAll: 'spt/',
  spamMark: (accountId: AccountId, mark: string) => `spm/${hex(accountId)}/${mark}`,
  spamMarkPrefix: (accountId: AccountId) => `spm/${hex(accountId)}/`,
  senderList: (accountId: AccountId, sender: string) => `spl/${hex(accountId)}/${sender}`,
  senderListPrefix: (accountId: AccountId) => `spl/${hex(accountId)}/`,
  correspondent: (accountId: AccountId, address: string) => `spc/${hex(accountId)}/${address}`,
  /** Everything the spam filter keeps for an account, removed with it. */
  spamAccountPrefixes: (accountId: AccountId) => ['spt', 'spm', 'spl', 'spc'].map((p) => `${p}/${hex(accountId)}/`),
  /** Greylisting triplets, by a hash of (network, sender, recipient). */
  greylist: (triplet: string) => `grl/${triplet}`,
  greylistPrefix: 'grl/',
  // Aggregate reports (reports/): per kind and period (a UTC day, hex), each domain's rows, its row tally, the period's domain tally.
  reportRow: (kind: string, period: number, domain: string, rowId: string) => `rpc/${kind}/${hex(period)}/${domain}/${rowId}`,
  reportRowPrefix: (kind: string, period: number, domain: string) => `rpc/${kind}/${hex(period)}/${domain}/`,
  reportRows: (kind: string, period: number, domain: string) => `rpn/${kind}/${hex(period)}/${domain}`,
  reportRowsPrefix: (kind: string) => `rpn/${kind}/`,
  reportDomains: (kind: string, period: number) => `rpd/${kind}/${hex(period)}`,
};

/** Splits `ref/<blob>/<mailbox>/<uid>` back into its parts. */
export function parseRefKey(key: string): { blobId: BlobId; mailboxId: MailboxId; uid: Uid } {
  const [, blobId, mailbox, uid] = key.split('/');
  return { blobId: blobId!, mailboxId: parseInt(mailbox!, 16), uid: parseInt(uid!, 16) };
}

/** Splits `msg/<mailbox>/<uid>` (or `xpg/...`) into its numbers. */
export function parseMessageKey(key: string): { mailboxId: MailboxId; uid: Uid } {
  const [, mailbox, uid] = key.split('/');
  return { mailboxId: parseInt(mailbox!, 16), uid: parseInt(uid!, 16) };
}

/** Splits `chk/<blob>/<index>`. */
export function parseChunkKey(key: string): { blobId: BlobId; index: number } {
  const [, blobId, index] = key.split('/');
  return { blobId: blobId!, index: parseInt(index!, 16) };
}
