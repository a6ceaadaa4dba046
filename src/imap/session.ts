import type { ScramStore } from '../auth/sasl-context.ts';
import { checkLogin, type LoginStore } from '../auth/login.ts';
import { encodeChallenge, scramMechanisms, type SaslCredentials } from '../auth/sasl.ts';
import type { AuthThrottle } from '../auth/throttle.ts';
import type { VerifiedLogins } from '../auth/verified-logins.ts';
import type { Logger } from '../log/logger.ts';
import type { ConnectionLimit } from '../net/connection-limit.ts';
import { StoreError, type Account, type FullTextIndex, type MailStore } from '../store/types.ts';
import type { TlsProvider } from '../tls/context.ts';
import { COMMANDS } from './commands/index.ts';
import type { Connection } from './connection.ts';
import { bad, no, ok, type ImapCommand, type Outcome } from './command.ts';
import { safeText, statusLine } from './encoder.ts';
import type { MailboxView } from './mailbox-view.ts';
import type { Notifier } from './notifier.ts';
import { contextUpdates } from './search-context.ts';
import { isUidOnly, uidOnlyRefusal } from './uid-only.ts';
import { ParseError, Parser } from './parser.ts';
import { LITERAL_MINUS_MAX, type ReaderEvent, type ReaderLimits, type RefusalReason } from './reader.ts';
import { storeRefusal } from './store-error.ts';

export type SessionState = 'not-authenticated' | 'authenticated' | 'selected' | 'logout';

/** What every session of the IMAP service shares. */
export interface ImapDeps {
  store: LoginStore & MailStore & FullTextIndex & ScramStore;
  throttle: AuthThrottle;
  verified: VerifiedLogins;
  tls: TlsProvider;
  plaintextOnLoopback: boolean;
  /** The largest message APPEND accepts (and APPENDLIMIT advertises). */
  maxMessageSize: number;
  /** Offer LITERAL- (non-synchronizing literals up to 4096 octets) instead of LITERAL+ (RFC 7888). */
  literalMinus?: boolean;
  /** Logged-in sessions per account (`limits.imap_connections_per_account`), keyed by account address. */
  accountSessions: ConnectionLimit;
  /** What the reader takes before login (small, design rule 8) and after. */
  readerLimits: { login: ReaderLimits; session: ReaderLimits };
  /** Time from connecting to a successful login (`limits.login_timeout`), however the client trickles bytes. */
  loginTimeoutMs: number;
  /** What one SEARCH, SORT or THREAD may cost: keys evaluated and text scanned (`imap.search_cost`, search-eval.ts). */
  searchCost: number;
  /** Time between two INPROGRESS reports of one command (`imap.progress_interval`, progress.ts). */
  progressMs: number;
  /** The most messages one command processes (`imap.message_limit`, RFC 9738 MESSAGELIMIT, message-limit.ts). */
  messageLimit: number;
  /** The most keywords a mailbox may hold (`imap.max_keywords`): PERMANENTFLAGS drops `\*` there; the store enforces it. */
  maxKeywords?: number;
  /** Learn spam and ham from what the user does (COPY, MOVE, STORE: imap/spam-learning.ts). */
  learnSpam?: boolean;
}

/**
 * One IMAP connection as a state machine (RFC 3501 section 3): not authenticated,
 * authenticated, selected, logout. Commands live in commands/, one file each;
 * this class reads commands, dispatches them, reports mailbox changes at the
 * points the RFC allows and writes the tagged responses.
 */
export class ImapSession {
  readonly deps: ImapDeps;
  readonly connection: Connection;
  readonly log: Logger;
  readonly ip: string;
  readonly loopback: boolean;
  /** Whether this listener offers STARTTLS (the implicit-TLS one does not). */
  readonly starttlsOffered: boolean;
  secure: boolean;
  state: SessionState = 'not-authenticated';
  account: Account | null = null;
  view: MailboxView | null = null;
  /** CONDSTORE is on once the client used it (RFC 7162 3.1): MODSEQ then goes out with flag updates. */
  condstore = false;
  /** QRESYNC is on after `ENABLE QRESYNC` (RFC 7162 3.2.3): expunges go out as VANISHED. */
  qresync = false;
  /** UTF8=ACCEPT is on (RFC 6855): mailbox names are UTF-8 both ways, APPEND takes UTF8 (~{n}). */
  utf8 = false;
  /** IMAP4rev2 is on after `ENABLE IMAP4rev2` (RFC 9051): ESEARCH for SEARCH, no RECENT, LIST in SELECT, \NonExistent. */
  rev2 = false;
  /** The extensions ENABLE turned on, by their advertised names (RFC 5161). */
  readonly enabled = new Set<string>();
  /** NOTIFY (RFC 5465) in effect, or null. */
  notifier: Notifier | null = null;
  #busy = false;
  /** Waits for the client inside a command (IDLE, an AUTHENTICATE response): timers may end the session. */
  #idling = 0;
  #shuttingDown = false;
  #loginDeadline: NodeJS.Timeout | null;

  constructor(deps: ImapDeps, connection: Connection, log: Logger, peer: { ip: string; loopback: boolean; secure: boolean; starttls: boolean }) {
    this.deps = deps;
    this.connection = connection;
    this.log = log;
    this.ip = peer.ip;
    this.loopback = peer.loopback;
    this.secure = peer.secure;
    this.starttlsOffered = peer.starttls;
    this.#loginDeadline = setTimeout(() => void this.#loginTimedOut(), deps.loginTimeoutMs);
  }

  /** Design rule 5: no password crosses the network in clear, loopback aside when allowed. */
  get plaintextAllowed(): boolean {
    return this.secure || (this.loopback && this.deps.plaintextOnLoopback);
  }

  capabilities(): string[] {
    const caps = ['IMAP4rev1', 'IMAP4rev2', this.deps.literalMinus ? 'LITERAL-' : 'LITERAL+', 'ID', 'ENABLE', 'IDLE', 'NAMESPACE', 'UNSELECT', 'UIDPLUS', 'MOVE', 'CHILDREN', 'SPECIAL-USE', 'CONDSTORE', 'STATUS=SIZE', 'QRESYNC', 'ESEARCH', 'SEARCHRES', 'LIST-EXTENDED', 'LIST-STATUS', 'CREATE-SPECIAL-USE', 'QUOTA', 'QUOTA=RES-STORAGE', 'QUOTA=RES-MESSAGE', 'MULTIAPPEND', 'UTF8=ACCEPT'];
    caps.push(`APPENDLIMIT=${this.deps.maxMessageSize}`);
    caps.push('METADATA', 'METADATA-SERVER');
    caps.push('REPLACE');
    caps.push('MULTISEARCH');
    caps.push('CATENATE');
    caps.push('NOTIFY');
    caps.push('PARTIAL');
    caps.push('ESORT');
    caps.push('CONTEXT=SEARCH', 'CONTEXT=SORT');
    caps.push('UIDONLY');
    caps.push('INPROGRESS');
    caps.push(`MESSAGELIMIT=${this.deps.messageLimit}`, 'UIDBATCHES');
    caps.push('BINARY', 'SORT', 'SORT=DISPLAY', 'THREAD=ORDEREDSUBJECT', 'THREAD=REFERENCES', 'WITHIN', 'SAVEDATE', 'OBJECTID', 'PREVIEW', 'COMPRESS=DEFLATE');
    if (this.state === 'not-authenticated') {
      if (this.starttlsOffered && !this.secure) caps.push('STARTTLS');
      if (this.plaintextAllowed) caps.push('SASL-IR', 'AUTH=PLAIN', 'AUTH=LOGIN', ...scramMechanisms(this.secure).map((m) => `AUTH=${m}`));
      else caps.push('LOGINDISABLED');
    }
    return caps;
  }

  write(data: string | Buffer): Promise<boolean> {
    return this.connection.write(data);
  }

  untagged(text: string): Promise<boolean> {
    return this.connection.write(`* ${text}\r\n`);
  }

  async run(): Promise<void> {
    await this.write(statusLine('*', 'OK', 'Mailfold IMAP4rev1 ready', `CAPABILITY ${this.capabilities().join(' ')}`));
    while (this.#open) {
      const event = await this.connection.next();
      if (event === null) break;
      this.#busy = true;
      if (event.type === 'continue') {
        await this.write('+ Ready for literal data\r\n');
      } else if (event.type === 'refused') {
        await this.#refused(event.head, event.reason, event.fatal);
      } else {
        await this.#dispatch(event);
      }
      this.#busy = false;
      this.notifier?.wake();
      this.connection.touch();
      if (this.#shuttingDown && this.#open) await this.#bye('Server shutting down');
    }
    this.#finish();
  }

  /** A command is running and not waiting for the client (as IDLE does): unsolicited updates (NOTIFY) wait for its end. */
  get busy(): boolean {
    return this.#busy && this.#idling === 0;
  }

  get #open(): boolean {
    return this.state !== 'logout';
  }

  /**
   * A command too big to read. After login a literal over the size limit is an APPEND
   * over APPENDLIMIT, so NO (RFC 7889); before login it is BAD. A non-synchronizing
   * literal's bytes come anyway: the connection is cut once the answer is out.
   */
  async #refused(head: Buffer, reason: RefusalReason, fatal: boolean): Promise<void> {
    const tag = tagOf(head);
    const loggedIn = this.account !== null;
    this.log.warn({ ip: this.ip, user: this.account?.address, reason, tag, fatal }, 'command refused');
    const maxLiteral = (loggedIn ? this.deps.readerLimits.session : this.deps.readerLimits.login).maxLiteral;
    const line =
      reason === 'line-too-long' ? statusLine(tag ?? '*', 'BAD', 'Command line too long', 'TOOBIG')
      : reason === 'non-sync-literal' ? statusLine(tag ?? '*', 'BAD', `Non-synchronizing literals are limited to ${LITERAL_MINUS_MAX} octets`, 'TOOBIG')
      : statusLine(tag ?? '*', tag && loggedIn ? 'NO' : 'BAD', `Literal larger than ${maxLiteral} octets${loggedIn ? '' : ' before login'}`, 'TOOBIG');
    await this.write(line);
    if (fatal) await this.#bye('Too much data, closing the connection', { cut: true });
  }

  async #dispatch(event: Extract<ReaderEvent, { type: 'command' }>): Promise<void> {
    const started = Date.now();
    const p = new Parser(event.data, event.literals);
    p.utf8Names = this.utf8;
    let tag: string;
    try {
      tag = p.tag();
      p.sp();
    } catch {
      this.log.info('command without a tag');
      await this.write(statusLine('*', 'BAD', 'Missing or invalid tag'));
      return;
    }
    let name = '';
    let outcome: Outcome;
    let spec: ImapCommand | undefined;
    try {
      name = p.keyword();
      if (name === 'UID') {
        p.sp();
        name = `${name} ${p.keyword()}`;
      }
      spec = COMMANDS.get(name);
      if (!spec) outcome = bad('Unknown command');
      else if (!spec.states.includes(this.state)) outcome = bad(`${name} is not allowed ${stateText[this.state]}`);
      else outcome = uidOnlyRefusal(this, name) ?? (await spec.run(this, spec.parse(p), tag));
    } catch (err) {
      if (err instanceof ParseError) {
        outcome = bad(err.message);
      } else if (err instanceof StoreError) {
        // A mailbox another session deleted or renamed meanwhile, a keyword past the mailbox's limit, and the like.
        if (err.code === 'limit') this.log.warn({ ip: this.ip, user: this.account?.address, reason: 'store-limit', command: name, detail: err.message }, 'command refused');
        outcome = storeRefusal(err);
      } else {
        this.log.error({ err, command: name }, 'command failed');
        outcome = no('Internal error, try again later', 'SERVERBUG');
      }
    }
    if (this.view) {
      const lines = await this.view.flush({ expunge: spec?.expunges !== false, condstore: this.condstore, qresync: this.qresync, uidOnly: isUidOnly(this) });
      for (const line of lines) await this.write(line);
      if (spec?.expunges !== false) for (const line of await contextUpdates(this)) await this.write(line);
    }
    const code = outcome.highestModSeq && this.view ? `HIGHESTMODSEQ ${this.view.reportedModSeq}` : outcome.code;
    await this.write(statusLine(tag, outcome.status, safeText(outcome.text), code));
    // AUTHENTICATE and LOGIN carry secrets: only the name is logged.
    this.log.debug({ tag, command: name || undefined, status: outcome.status, ms: Date.now() - started }, 'command');
    await outcome.after?.();
  }

  /** The client's next line (an AUTHENTICATE response, IDLE's DONE), or null when it is gone. */
  async readLine(): Promise<Buffer | null> {
    for (;;) {
      const event = await this.idle(() => this.connection.next());
      if (event === null) return null;
      if (event.type === 'command') return event.data;
      if (event.type === 'continue') await this.write('+ Ready for literal data\r\n');
      else return Buffer.alloc(0);
    }
  }

  /** Checks credentials from LOGIN or AUTHENTICATE and moves to the authenticated state. */
  async login(credentials: SaslCredentials, mechanism: string): Promise<Outcome> {
    const result = await checkLogin(this.deps.store, this.deps, { ip: this.ip, service: 'imap', ...credentials });
    const user = credentials.username;
    // The login deadline passed while the password was checked: the connection is gone.
    if (this.state === 'logout') return no('Login took too long');
    if (!result.ok) {
      this.log.info({ user, mechanism, reason: result.reason }, 'login failed');
      if (result.reason === 'throttled') return no(`Too many failed logins, try again in ${result.retryAfterSeconds} seconds`, 'UNAVAILABLE');
      if (result.reason === 'disabled') return no('This account is disabled', 'CONTACTADMIN');
      return no('Invalid user name or password', 'AUTHENTICATIONFAILED');
    }
    if (result.serverFinal !== undefined) {
      if (!(await this.#scramConfirmed(result.serverFinal))) return bad('Authentication cancelled');
      // The login deadline may have passed while the client answered.
      if ((this.state as SessionState) === 'logout') return no('Login took too long');
    }
    if (!this.deps.accountSessions.acquire(result.account.address)) {
      this.log.warn({ user: result.account.address }, 'too many sessions for the account');
      return no('Too many open sessions for this account; close one and try again', 'LIMIT');
    }
    this.account = result.account;
    this.state = 'authenticated';
    this.#clearLoginDeadline();
    this.connection.setLimits(this.deps.readerLimits.session);
    this.log.info({ user: result.account.address, mechanism }, 'login');
    return ok('Logged in', `CAPABILITY ${this.capabilities().join(' ')}`);
  }

  /** SCRAM's server-final-message goes as a last challenge (IMAP has no data with OK); the client answers empty. */
  async #scramConfirmed(serverFinal: string): Promise<boolean> {
    await this.write(`+ ${encodeChallenge(serverFinal)}\r\n`);
    const line = await this.readLine();
    return line !== null && (line.length === 0 || line.toString('latin1') === '=');
  }

  /**
   * A CONDSTORE-enabling command (RFC 7162 3.1): with a mailbox selected, the first
   * one tells the client the HIGHESTMODSEQ it is now up to date with.
   */
  async enableCondstore(): Promise<void> {
    if (this.condstore) return;
    this.condstore = true;
    if (this.view) await this.untagged(`OK [HIGHESTMODSEQ ${this.view.reportedModSeq}] Highest`);
  }

  /** Leaves the selected state; returns whether a mailbox was selected. */
  deselect(): boolean {
    if (!this.view) return false;
    this.view.close();
    this.view = null;
    this.state = 'authenticated';
    return true;
  }

  /**
   * Runs `wait` with shutdown allowed to interrupt it (IDLE): a session waiting
   * for the client is not in the middle of a response.
   */
  async idle<T>(wait: () => Promise<T>): Promise<T> {
    this.#idling++;
    try {
      return await wait();
    } finally {
      this.#idling--;
    }
  }

  /** Server shutdown: BYE now if the session waits for the client, else after the command in progress. */
  shutdown(): void {
    this.#shuttingDown = true;
    if (!this.#busy || this.#idling > 0) void this.#bye('Server shutting down');
  }

  /** Autologout (RFC 3501 5.4): only time spent waiting for the client counts, so a slow command is never cut. */
  timeout(): void {
    if (this.#busy && this.#idling === 0) return;
    this.log.info('autologout');
    void this.#bye('Autologout: idle for too long');
  }

  /**
   * Design rule 8: a connection that has not logged in within the deadline is closed,
   * whatever it sends meanwhile and whatever command it is in.
   */
  async #loginTimedOut(): Promise<void> {
    this.#loginDeadline = null;
    if (this.state !== 'not-authenticated') return;
    this.log.warn({ ip: this.ip, reason: 'login-timeout' }, 'no login within the deadline');
    await this.#bye('No login within the time allowed', { cut: true });
  }

  #clearLoginDeadline(): void {
    if (this.#loginDeadline) clearTimeout(this.#loginDeadline);
    this.#loginDeadline = null;
  }

  /** `cut`: the client is not trusted to read the goodbye or to close (Connection.cut). */
  async #bye(text: string, opts: { cut?: boolean } = {}): Promise<void> {
    if (this.state === 'logout') return;
    this.state = 'logout';
    const line = statusLine('*', 'BYE', text);
    await (opts.cut ? this.connection.cut(line) : this.connection.end(line));
  }

  #finish(): void {
    this.#clearLoginDeadline();
    this.notifier?.close();
    this.deselect();
    if (this.account) this.deps.accountSessions.release(this.account.address);
    this.state = 'logout';
    if (!this.connection.closed) void this.connection.end();
    this.log.info({ user: this.account?.address }, 'disconnect');
  }
}

const stateText: Record<SessionState, string> = {
  'not-authenticated': 'before login',
  authenticated: 'without a selected mailbox',
  selected: 'with a mailbox selected',
  logout: 'after LOGOUT',
};

/** The tag of a command that could not be read whole, if it has a valid one. */
function tagOf(head: Buffer): string | null {
  try {
    const p = new Parser(head);
    const tag = p.tag();
    p.sp();
    return tag;
  } catch {
    return null;
  }
}
