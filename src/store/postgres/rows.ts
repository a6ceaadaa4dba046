import type { ScramKeys } from '../../auth/scram.ts';
import type { Account, Alias, Domain, Mailbox, MessageMeta, SpecialUse } from '../types.ts';

/** Table rows as the roles' types, and back: the only place that knows the column names. */

export interface AccountRow {
  id: number;
  address: string;
  password_hash: string;
  scram: ScramKeys | null;
  quota_bytes: number;
  quota_messages: number;
  disabled: boolean;
  admin: boolean;
  created_at: number;
}

export function toAccount(row: AccountRow): Account {
  return {
    id: row.id,
    address: row.address,
    passwordHash: row.password_hash,
    ...(row.scram ? { scram: row.scram } : {}),
    quotaBytes: row.quota_bytes,
    quotaMessages: row.quota_messages,
    disabled: row.disabled,
    admin: row.admin,
    createdAt: row.created_at,
  };
}

export const toDomain = (row: { name: string; created_at: number }): Domain => ({ name: row.name, createdAt: row.created_at });

export const toAlias = (row: { address: string; targets: string[]; created_at: number }): Alias => ({ address: row.address, targets: row.targets, createdAt: row.created_at });

export interface MailboxRow {
  id: number;
  account_id: number;
  name: string;
  special_use: string | null;
  subscribed: boolean;
  uid_validity: number;
  uid_next: number;
  highest_modseq: number;
  messages: number;
  unseen: number;
  size: number;
  created_at: number;
  recent_from: number | null;
}

export function toMailbox(row: MailboxRow): Mailbox {
  return {
    id: row.id,
    accountId: row.account_id,
    name: row.name,
    specialUse: row.special_use as SpecialUse | null,
    subscribed: row.subscribed,
    uidValidity: row.uid_validity,
    uidNext: row.uid_next,
    highestModSeq: row.highest_modseq,
    messages: row.messages,
    unseen: row.unseen,
    size: row.size,
    createdAt: row.created_at,
    ...(row.recent_from === null ? {} : { recentFrom: row.recent_from }),
  };
}

export function mailboxRow(m: Mailbox): MailboxRow {
  return {
    id: m.id,
    account_id: m.accountId,
    name: m.name,
    special_use: m.specialUse,
    subscribed: m.subscribed,
    uid_validity: m.uidValidity,
    uid_next: m.uidNext,
    highest_modseq: m.highestModSeq,
    messages: m.messages,
    unseen: m.unseen,
    size: m.size,
    created_at: m.createdAt,
    recent_from: m.recentFrom ?? null,
  };
}

export interface MessageRow {
  mailbox_id: number;
  uid: number;
  blob_id: string;
  flags: string[];
  internal_date: number;
  saved_date: number;
  modseq: number;
  prefix: string;
  size: number;
}

export const toMessage = (r: MessageRow): MessageMeta => ({
  mailboxId: r.mailbox_id,
  uid: r.uid,
  blobId: r.blob_id,
  flags: r.flags,
  internalDate: r.internal_date,
  savedDate: r.saved_date,
  modSeq: r.modseq,
  prefix: r.prefix,
  size: r.size,
});

export const messageRow = (m: MessageMeta): MessageRow => ({
  mailbox_id: m.mailboxId,
  uid: m.uid,
  blob_id: m.blobId,
  flags: m.flags,
  internal_date: m.internalDate,
  saved_date: m.savedDate,
  modseq: m.modSeq,
  prefix: m.prefix,
  size: m.size,
});

export const MESSAGE_COLUMNS = ['mailbox_id', 'uid', 'blob_id', 'flags', 'internal_date', 'saved_date', 'modseq', 'prefix', 'size'] as const;
export const MAILBOX_COLUMNS = ['id', 'account_id', 'name', 'special_use', 'subscribed', 'uid_validity', 'uid_next', 'highest_modseq', 'messages', 'unseen', 'size', 'created_at', 'recent_from'] as const;
