import { StoreError, type AccountId, type SieveStore } from '../store/types.ts';
import type { SieveError } from './ast.ts';
import { sieveExtensions } from './capabilities.ts';
import { defaultSieveLimits } from './limits.ts';
import { decodeSieveScript, parseSieve } from './parse.ts';

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
  /** The script's text when it parses; ScriptError INVALID-SCRIPT otherwise. */
  check(content: Buffer): string;
  /** null deactivates whatever is active. */
  activate(account: AccountId, name: string | null): Promise<void>;
  delete(account: AccountId, name: string): Promise<void>;
  rename(account: AccountId, from: string, to: string): Promise<void>;
  /** Refuses (QUOTA/...) when a script of this size under this name would not fit. */
  haveSpace(account: AccountId, name: string, size: number): Promise<void>;
}

/** What an account may keep: `[managesieve] max_scripts` and `max_script_size`. */
export interface ScriptLimits {
  maxScripts: number;
  maxScriptBytes: number;
}

/** A parse error as one line for a person: where, then what. */
export const formatSieveError = (e: SieveError): string => `line ${e.line}, column ${e.column}: ${e.message}`;

/** The parsed text of a script, or ScriptError INVALID-SCRIPT with every error, one a line. */
export function checkSieveScript(content: Buffer, limits: ScriptLimits): string {
  const decoded = decodeSieveScript(content);
  const errors = decoded.ok ? parsed(decoded.text, limits) : decoded.errors;
  if (errors.length > 0) throw new ScriptError('INVALID-SCRIPT', errors.map(formatSieveError).join('\r\n'));
  return (decoded as { text: string }).text;
}

function parsed(text: string, limits: ScriptLimits): SieveError[] {
  const result = parseSieve(text, { ...defaultSieveLimits, maxScriptBytes: limits.maxScriptBytes });
  return result.ok ? [] : result.errors;
}

/** The script service over the store's SieveStore role: what ManageSieve, the control socket and the CLI use. */
export class StoredScripts implements ScriptService {
  readonly extensions = sieveExtensions;
  readonly maxRedirects = defaultSieveLimits.maxRedirects;
  readonly #store: SieveStore;
  readonly #limits: ScriptLimits;

  constructor(store: SieveStore, limits: ScriptLimits) {
    this.#store = store;
    this.#limits = limits;
  }

  async list(account: AccountId): Promise<ScriptEntry[]> {
    return (await this.#store.listSieveScripts(account)).map(({ name, active }) => ({ name, active }));
  }

  async get(account: AccountId, name: string): Promise<string> {
    const content = await this.#store.getSieveScript(account, name);
    if (content === null) throw new ScriptError('NONEXISTENT', `There is no script named ${name}`);
    return content;
  }

  async put(account: AccountId, name: string, content: Buffer): Promise<void> {
    this.#fits(content.length);
    const text = this.check(content);
    const outcome = await storeCall(() => this.#store.putSieveScript(account, name, text, this.#limits));
    if (!outcome.ok) this.#refuse(outcome.reason);
  }

  check(content: Buffer): string {
    this.#fits(content.length);
    return checkSieveScript(content, this.#limits);
  }

  activate(account: AccountId, name: string | null): Promise<void> {
    return storeCall(() => this.#store.setActiveSieveScript(account, name));
  }

  delete(account: AccountId, name: string): Promise<void> {
    return storeCall(() => this.#store.deleteSieveScript(account, name));
  }

  rename(account: AccountId, from: string, to: string): Promise<void> {
    return storeCall(() => this.#store.renameSieveScript(account, from, to));
  }

  async haveSpace(account: AccountId, name: string, size: number): Promise<void> {
    this.#fits(size);
    const scripts = await this.#store.listSieveScripts(account);
    if (!scripts.some((s) => s.name === name) && scripts.length >= this.#limits.maxScripts) this.#refuse('too-many');
  }

  #fits(size: number): void {
    if (size > this.#limits.maxScriptBytes) this.#refuse('too-big');
  }

  #refuse(reason: 'too-many' | 'too-big'): never {
    if (reason === 'too-big') throw new ScriptError('QUOTA/MAXSIZE', `A script may have at most ${this.#limits.maxScriptBytes} bytes`);
    throw new ScriptError('QUOTA/MAXSCRIPTS', `An account may keep at most ${this.#limits.maxScripts} scripts`);
  }
}

const STORE_REFUSALS: Partial<Record<StoreError['code'], ScriptRefusal>> = { 'not-found': 'NONEXISTENT', exists: 'ALREADYEXISTS', locked: 'ACTIVE', invalid: 'INVALID-NAME' };

/** The store's refusals as the script service names them. */
async function storeCall<T>(call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (err) {
    const code = err instanceof StoreError ? STORE_REFUSALS[err.code] : undefined;
    if (!code) throw err;
    const message = (err as StoreError).message;
    throw new ScriptError(code, code === 'ACTIVE' ? `${message}; activate another script (or none) first` : message);
  }
}
