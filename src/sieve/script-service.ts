import type { AccountId } from '../store/types.ts';

/**
 * Why a script operation was refused, named as RFC 5804 section 1.3's response codes
 * so that ManageSieve passes them on unchanged; the CLI prints the message.
 */
export type ScriptRefusal = 'NONEXISTENT' | 'ALREADYEXISTS' | 'ACTIVE' | 'QUOTA' | 'QUOTA/MAXSCRIPTS' | 'QUOTA/MAXSIZE' | 'INVALID-NAME' | 'INVALID-SCRIPT';

export class ScriptError extends Error {
  readonly code: ScriptRefusal;
  constructor(code: ScriptRefusal, message: string) {
    super(message);
    this.code = code;
    this.name = 'ScriptError';
  }
}

export interface ScriptEntry {
  name: string;
  active: boolean;
}

/** The account's scripts as ManageSieve and the CLI see them: names checked, scripts parsed, limits kept. */
export interface ScriptService {
  /** The SIEVE capability: the extensions a script may `require`. */
  readonly extensions: readonly string[];
  readonly maxRedirects: number;
  list(account: AccountId): Promise<ScriptEntry[]>;
  get(account: AccountId, name: string): Promise<string>;
  /** Parses first: a script that does not parse is refused with its errors, line and column each. */
  put(account: AccountId, name: string, content: Buffer): Promise<void>;
  check(content: Buffer): void;
  /** null deactivates whatever is active. */
  activate(account: AccountId, name: string | null): Promise<void>;
  delete(account: AccountId, name: string): Promise<void>;
  rename(account: AccountId, from: string, to: string): Promise<void>;
  /** Refuses (QUOTA/...) when a script of this size under this name would not fit. */
  haveSpace(account: AccountId, name: string, size: number): Promise<void>;
}
