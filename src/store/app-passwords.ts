import type { AccountId } from './types.ts';

/**
 * A password for one mail client, made by the server. It is random (100 bits), so its SHA-256
 * is as safe to keep as an argon2id hash of a chosen password, and checking it costs nothing.
 */
export interface AppPassword {
  /** 16 hex digits, unique within the account. */
  id: string;
  accountId: AccountId;
  /** What the owner called it ("phone", "laptop"). */
  name: string;
  /** Hex SHA-256 of the password. */
  sha256: string;
  createdAt: number;
}

/** The app passwords of each account; removing an account removes its app passwords. */
export interface AppPasswordStore {
  addAppPassword(entry: AppPassword): Promise<void>;
  /** Oldest first. */
  listAppPasswords(accountId: AccountId): Promise<AppPassword[]>;
  /** Refused with `not-found` when the account has no such app password. */
  removeAppPassword(accountId: AccountId, id: string): Promise<void>;
}
