import type { ScramStore } from '../../auth/sasl-context.ts';
import { checkLogin, type LoginStore } from '../../auth/login.ts';
import { SASL_MECHANISMS, scramMechanisms, type SaslCredentials } from '../../auth/sasl.ts';
import type { AuthThrottle } from '../../auth/throttle.ts';
import type { VerifiedLogins } from '../../auth/verified-logins.ts';
import type { Logger } from '../../log/logger.ts';
import type { Channel } from '../../net/channel.ts';
import type { Account } from '../../store/types.ts';
import type { TlsProvider } from '../../tls/context.ts';
import { notifyMethods } from '../capabilities.ts';
import { COMMANDS } from './commands/index.ts';
import { CommandSyntaxError, parseCommand, parseWords, type Word } from './parser.ts';
import type { SieveInput, SieveReader, SieveReaderLimits } from './reader.ts';
import { bye, no, ok, sieveString, statusLine, type Outcome } from './response.ts';
import type { ScriptService } from '../script-service.ts';

export type SieveState = 'non-authenticated' | 'authenticated';

/** What every session of the ManageSieve service shares. */
export interface ManageSieveDeps {
  store: LoginStore & ScramStore;
  scripts: ScriptService;
  throttle: AuthThrottle;
  verified: VerifiedLogins;
  tls: TlsProvider;
  plaintextOnLoopback: boolean;
  /** Time from connecting to a successful login, however the client trickles bytes (design rule 8). */
  loginTimeoutMs: number;
  /** What the reader takes before login (small) and after (a script's size). */
  readerLimits: { login: SieveReaderLimits; session: SieveReaderLimits };
}

export interface SieveCommand {
  states: readonly SieveState[];
  run(session: ManageSieveSession, args: Word[]): Promise<Outcome>;
}

/** Consecutive commands that fail to parse or are unknown before the connection is closed, as Dovecot does. */
const MAX_BAD_COMMANDS = 10;

/**
 * One ManageSieve connection (RFC 5804) as a state machine: not authenticated, then
 * authenticated after AUTHENTICATE. Commands live in commands/, one file each; this
 * class reads them, dispatches them and writes their status lines.
 */
export class ManageSieveSession {
  readonly deps: ManageSieveDeps;
  readonly channel: Channel<SieveInput>;
  readonly reader: SieveReader;
  readonly log: Logger;
  readonly ip: string;
  readonly loopback: boolean;
  /** Whether this listener offers STARTTLS. */
  readonly starttlsOffered: boolean;
  secure: boolean;
  state: SieveState = 'non-authenticated';
  account: Account | null = null;
  /** Set by LOGOUT: the connection closes after its OK (RFC 5804 section 2.3). */
  leaving = false;
  /** Set by a BYE or a cut: no further command is read or answered. */
  ending = false;
  #badCommands = 0;
  #busy = false;
  #shuttingDown = false;
  #loginDeadline: NodeJS.Timeout | null = null;

  constructor(
    deps: ManageSieveDeps,
    io: { channel: Channel<SieveInput>; reader: SieveReader },
    log: Logger,
    peer: { ip: string; loopback: boolean; secure: boolean; starttls: boolean },
  ) {
    this.deps = deps;
    this.channel = io.channel;
    this.reader = io.reader;
    this.log = log;
    this.ip = peer.ip;
    this.loopback = peer.loopback;
    this.secure = peer.secure;
    this.starttlsOffered = peer.starttls;
    this.#startLoginDeadline();
  }

  /** Design rule 5: no password crosses the network in clear, loopback aside when allowed. */
  get plaintextAllowed(): boolean {
    return this.secure || (this.loopback && this.deps.plaintextOnLoopback);
  }

  /** The SASL mechanisms offered now: none before TLS unless plaintext is allowed (as Dovecot says `"SASL" ""`). */
  get mechanisms(): string[] {
    return this.plaintextAllowed ? [...SASL_MECHANISMS, ...scramMechanisms(this.secure)] : [];
  }

  /** The capability lines (RFC 5804 section 1.7), without the final OK. */
  capabilities(): Buffer {
    const lines: [string, string?][] = [
      ['IMPLEMENTATION', 'Mailfold'],
      ['SASL', this.mechanisms.join(' ')],
      ['SIEVE', this.deps.scripts.extensions.join(' ')],
      ['NOTIFY', notifyMethods.join(' ')],
      ['MAXREDIRECTS', String(this.deps.scripts.maxRedirects)],
    ];
    if (this.starttlsOffered && !this.secure) lines.push(['STARTTLS']);
    if (this.account) lines.push(['OWNER', this.account.address]);
    lines.push(['UNAUTHENTICATE'], ['VERSION', '1.0']);
    const line = ([name, value]: [string, string?]) => Buffer.concat([sieveString(name), ...(value === undefined ? [] : [Buffer.from(' '), sieveString(value)]), Buffer.from('\r\n')]);
    return Buffer.concat(lines.map(line));
  }

  write(data: string | Buffer): Promise<boolean> {
    return this.channel.write(data);
  }

  async run(): Promise<void> {
    await this.write(Buffer.concat([this.capabilities(), statusLine('OK', 'Mailfold ManageSieve ready.')]));
    while (!this.ending) {
      const input = await this.channel.next();
      if (input === null) break;
      this.#busy = true;
      const outcome = await this.#handle(input);
      // A session cut meanwhile (the login deadline) has said its last word.
      if (!this.ending) await this.#answer(outcome);
      this.#busy = false;
      if (this.#shuttingDown && !this.ending) await this.#end(bye('Server shutting down, try again later', 'TRYLATER'));
    }
    this.#clearLoginDeadline();
    if (!this.channel.closed) await this.channel.end();
    this.log.info({ state: this.state }, 'disconnect');
  }

  async #answer(outcome: Outcome): Promise<void> {
    if (outcome.kind === 'BYE') return this.#end(outcome);
    await this.write(statusLine(outcome.kind, outcome.text, outcome.code));
    if (this.leaving) {
      this.ending = true;
      await this.channel.end();
    }
  }

  async #handle(input: SieveInput): Promise<Outcome> {
    if (input.type === 'refused') {
      this.log.warn({ ip: this.ip, user: this.account?.address, reason: input.reason, size: input.literalSize }, 'command refused');
      if (input.reason === 'literal-too-big' && this.state === 'authenticated') return no('The script is larger than allowed', 'QUOTA/MAXSIZE');
      return this.#bad(input.reason === 'line-too-long' ? 'Command line too long' : 'Literal too large before login');
    }
    let name: string;
    let args: Word[];
    try {
      ({ name, args } = parseCommand(input.lines, input.literals));
    } catch (err) {
      if (!(err instanceof CommandSyntaxError)) throw err;
      this.log.info({ reason: err.message }, 'bad command');
      return this.#bad(err.message);
    }
    const command = COMMANDS.get(name);
    // AUTHENTICATE carries secrets and PUTSCRIPT scripts: only the name is logged.
    this.log.debug({ command: name }, 'command');
    if (!command) return this.#bad(`Unknown command ${name.slice(0, 32)}`);
    if (!command.states.includes(this.state)) {
      return no(this.state === 'authenticated' ? `${name} is not valid after login` : `Log in first: ${name} needs AUTHENTICATE`);
    }
    this.#badCommands = 0;
    try {
      return await command.run(this, args);
    } catch (err) {
      this.log.error({ err, command: name }, 'command failed');
      return no('Internal error, try again later', 'TRYLATER');
    }
  }

  #bad(text: string): Outcome {
    this.#badCommands++;
    if (this.#badCommands >= MAX_BAD_COMMANDS) {
      this.log.warn({ ip: this.ip, user: this.account?.address, reason: 'too-many-bad-commands' }, 'connection closed');
      return bye('Too many invalid commands');
    }
    return no(text);
  }

  /**
   * Checks credentials from AUTHENTICATE and answers the client. SCRAM's
   * server-final-message goes in the OK (RFC 5804 section 2.1: the SASL code).
   */
  async login(credentials: SaslCredentials, mechanism: string): Promise<Outcome> {
    const result = await checkLogin(this.deps.store, this.deps, { ip: this.ip, ...credentials });
    const user = credentials.username;
    if (this.ending) return no('Connection closing');
    if (!result.ok) {
      this.log.info({ ip: this.ip, user, mechanism, reason: result.reason }, 'login failed');
      if (result.reason === 'throttled') return no(`Too many failed logins, try again in ${result.retryAfterSeconds} seconds`, 'TRYLATER');
      return no(result.reason === 'disabled' ? 'This account is disabled' : 'Authentication failed');
    }
    this.account = result.account;
    this.state = 'authenticated';
    this.#clearLoginDeadline();
    this.reader.limits = this.deps.readerLimits.session;
    this.log.info({ user: result.account.address, mechanism }, 'login');
    const serverFinal = result.serverFinal;
    return serverFinal === undefined ? ok('Logged in') : ok('Logged in', `SASL ${sieveString(Buffer.from(serverFinal).toString('base64')).toString()}`);
  }

  /** UNAUTHENTICATE (RFC 5804 section 2.14): back to the state after the greeting. */
  logout(): void {
    this.log.info({ user: this.account?.address }, 'unauthenticate');
    this.account = null;
    this.state = 'non-authenticated';
    this.reader.limits = this.deps.readerLimits.login;
    this.#startLoginDeadline();
  }

  /** The client's next SASL response line as words; null when the connection is gone. */
  async readResponse(): Promise<Word[] | 'invalid' | null> {
    const input = await this.channel.next();
    if (input === null) return null;
    if (input.type === 'refused') return 'invalid';
    try {
      return parseWords(input.lines, input.literals);
    } catch (err) {
      if (err instanceof CommandSyntaxError) return 'invalid';
      throw err;
    }
  }

  /** The inactivity timer ran out (net/channel.ts). */
  timeout(): void {
    this.log.info({ user: this.account?.address }, 'idle timeout');
    void this.#cut('Disconnected for inactivity');
  }

  /** Server shutdown: the session ends after the command in progress, or now if there is none. */
  shutdown(): void {
    this.#shuttingDown = true;
    if (!this.#busy && !this.ending) void this.#end(bye('Server shutting down, try again later', 'TRYLATER'));
  }

  async #end(outcome: Outcome): Promise<void> {
    this.ending = true;
    await this.channel.end(statusLine('BYE', outcome.text, outcome.code).toString());
  }

  /** A BYE for a client that is not trusted to read it or to close. */
  async #cut(text: string): Promise<void> {
    this.ending = true;
    await this.channel.cut(statusLine('BYE', text).toString());
  }

  #startLoginDeadline(): void {
    this.#clearLoginDeadline();
    this.#loginDeadline = setTimeout(() => {
      this.#loginDeadline = null;
      if (this.state !== 'non-authenticated' || this.ending) return;
      this.log.warn({ ip: this.ip, reason: 'login-timeout' }, 'no login within the deadline');
      void this.#cut('No login within the time allowed');
    }, this.deps.loginTimeoutMs);
  }

  #clearLoginDeadline(): void {
    if (this.#loginDeadline) clearTimeout(this.#loginDeadline);
    this.#loginDeadline = null;
  }
}
