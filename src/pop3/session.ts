import type { ScramStore } from '../auth/sasl-context.ts';
import { checkLogin, type LoginStore } from '../auth/login.ts';
import { encodeChallenge, type SaslCredentials } from '../auth/sasl.ts';
import type { AuthThrottle } from '../auth/throttle.ts';
import type { VerifiedLogins } from '../auth/verified-logins.ts';
import type { Logger } from '../log/logger.ts';
import type { Account, Coordination, Lease, MailStore } from '../store/types.ts';
import type { TlsProvider } from '../tls/context.ts';
import type { LineChannel } from './channel.ts';
import { COMMANDS } from './commands/index.ts';
import { Maildrop } from './maildrop.ts';
import { parseCommand } from './parser.ts';

export type Pop3State = 'authorization' | 'transaction' | 'update';

/** What every session of a POP3 service shares. */
export interface Pop3Deps {
  /** `tryLease` holds a maildrop for one session, whichever node it is on. */
  store: LoginStore & MailStore & ScramStore & Pick<Coordination, 'tryLease'>;
  throttle: AuthThrottle;
  verified: VerifiedLogins;
  tls: TlsProvider;
  plaintextOnLoopback: boolean;
  /** Time from connecting to a successful login, however the client trickles bytes (design rule 8). */
  loginTimeoutMs: number;
}

export interface Pop3Command {
  states: readonly Pop3State[];
  /** Answers the client itself; the value returned is not used. */
  run(session: Pop3Session, rest: string): Promise<unknown>;
}

/**
 * One POP3 connection as a state machine (RFC 1939 section 3): AUTHORIZATION,
 * TRANSACTION after a login, UPDATE after QUIT. Commands live in commands/,
 * one file each; this class holds the state they share and reads the lines.
 */
export class Pop3Session {
  readonly deps: Pop3Deps;
  readonly channel: LineChannel;
  readonly log: Logger;
  readonly ip: string;
  readonly loopback: boolean;
  state: Pop3State = 'authorization';
  secure: boolean;
  /** The name given by USER, waiting for PASS. */
  pendingUser: string | null = null;
  account: Account | null = null;
  maildrop: Maildrop | null = null;
  /** Set by QUIT and by a fatal error: no further line is read. */
  ending = false;
  #shuttingDown = false;
  #busy = false;
  /** The maildrop's lease while logged in. */
  #lease: Lease | null = null;
  /** The lease ended under the session (lease-lost): it ends too, its deletions not applied. */
  #leaseLost = false;
  #loginDeadline: NodeJS.Timeout | null;

  constructor(deps: Pop3Deps, channel: LineChannel, log: Logger, peer: { ip: string; loopback: boolean; secure: boolean }) {
    this.deps = deps;
    this.channel = channel;
    this.log = log;
    this.ip = peer.ip;
    this.loopback = peer.loopback;
    this.secure = peer.secure;
    this.#loginDeadline = setTimeout(() => void this.#loginTimedOut(), deps.loginTimeoutMs);
  }

  /** Design rule 5: no password crosses the network in clear, loopback aside when allowed. */
  get plaintextAllowed(): boolean {
    return this.secure || (this.loopback && this.deps.plaintextOnLoopback);
  }

  reply(line: string): Promise<boolean> {
    return this.channel.write(`${line}\r\n`);
  }

  ok(text = ''): Promise<boolean> {
    return this.reply(text ? `+OK ${text}` : '+OK');
  }

  err(text: string, code?: string): Promise<boolean> {
    return this.reply(code ? `-ERR [${code}] ${text}` : `-ERR ${text}`);
  }

  async run(): Promise<void> {
    await this.ok('Mailfold POP3 ready.');
    while (!this.ending) {
      const incoming = await this.channel.next();
      if (incoming === null) break;
      this.#busy = true;
      if (incoming.type === 'too-long') {
        this.log.warn({ ip: this.ip, user: this.account?.address, reason: 'line-too-long' }, 'command refused');
        await this.err('Command line too long');
      } else {
        await this.#dispatch(incoming.text);
      }
      this.#busy = false;
      if (this.#leaseLost && !this.ending) await this.#endLost();
      if (this.#shuttingDown && !this.ending) await this.#sayGoodbye();
    }
    await this.#finish();
  }

  async #dispatch(line: string): Promise<void> {
    const parsed = parseCommand(line);
    if (!parsed.ok) {
      this.log.info({ error: parsed.error }, 'bad command');
      await this.err(parsed.error);
      return;
    }
    const command = COMMANDS.get(parsed.name);
    // AUTH lines and PASS carry secrets: only the command name is logged.
    this.log.debug({ command: parsed.name }, 'command');
    if (!command) {
      await this.err('Unknown command');
      return;
    }
    if (!command.states.includes(this.state)) {
      await this.err(`${parsed.name} is not valid in this state`);
      return;
    }
    try {
      await command.run(this, parsed.rest);
    } catch (err) {
      this.log.error({ err, command: parsed.name }, 'command failed');
      await this.err('Internal error, try again later', 'SYS/TEMP');
    }
  }

  /**
   * Checks credentials (from PASS or AUTH), takes the maildrop lock and reads
   * the INBOX snapshot. Answers the client either way.
   */
  async login(credentials: SaslCredentials, mechanism: string): Promise<void> {
    this.pendingUser = null;
    const result = await checkLogin(this.deps.store, this.deps, { ip: this.ip, service: 'pop3', ...credentials });
    const user = credentials.username;
    // The login deadline passed while the password was checked: the connection is gone.
    if (this.ending) return;
    if (!result.ok) {
      this.log.info({ user, mechanism, reason: result.reason }, 'login failed');
      if (result.reason === 'throttled') {
        await this.err(`Too many failed logins, try again in ${result.retryAfterSeconds} seconds`, 'SYS/TEMP');
      } else if (result.reason === 'disabled') {
        await this.err('This account is disabled', 'SYS/PERM');
      } else {
        await this.err('Authentication failed', 'AUTH');
      }
      return;
    }
    if (result.serverFinal !== undefined && (!(await this.#scramConfirmed(result.serverFinal)) || this.ending)) return;
    const { account } = result;
    // RFC 1939 section 8: one session per maildrop, on this node or another of the same store.
    const lease = await this.deps.store.tryLease(`pop3:${account.id}`);
    if (!lease) {
      this.log.info({ user: account.address }, 'maildrop in use');
      await this.err('Maildrop is in use by another POP3 session', 'IN-USE');
      return;
    }
    try {
      this.maildrop = await Maildrop.open(this.deps.store, account.id);
    } finally {
      if (this.maildrop) this.#hold(lease);
      else await lease.release();
    }
    if (!this.maildrop) {
      await this.err('The account has no INBOX', 'SYS/PERM');
      return;
    }
    this.account = account;
    this.state = 'transaction';
    this.#clearLoginDeadline();
    const { count, size } = this.maildrop.stat();
    this.log.info({ user: account.address, mechanism, messages: count, size }, 'login');
    await this.ok(`Logged in, ${count} messages (${size} octets)`);
  }

  /** SCRAM's server-final-message goes as a last challenge (RFC 5034 has no data with +OK); the client answers empty. */
  async #scramConfirmed(serverFinal: string): Promise<boolean> {
    if (!(await this.reply(`+ ${encodeChallenge(serverFinal)}`))) return false;
    const incoming = await this.channel.next();
    if (incoming === null) return false;
    if (incoming.type === 'line' && (incoming.text === '' || incoming.text === '=')) return true;
    await this.err('Authentication cancelled');
    return false;
  }

  /** Whether the maildrop's lease still stands where it is kept (Lease.held). */
  async leaseHeld(): Promise<boolean> {
    return this.#lease === null || (await this.#lease.held());
  }

  /** Whether the maildrop's lease was lost: QUIT then applies nothing. */
  get leaseLost(): boolean {
    return this.#leaseLost;
  }

  #hold(lease: Lease): void {
    this.#lease = lease;
    const lost = () => {
      this.#leaseLost = true;
      this.log.warn({ user: this.account?.address, reason: 'lease-lost' }, 'maildrop lease lost');
      if (!this.#busy && !this.ending) void this.#endLost();
    };
    // Lost while the maildrop was read: the login's command is still running, and the session ends after it.
    if (lease.lost.aborted) lost();
    else lease.lost.addEventListener('abort', lost, { once: true });
  }

  /**
   * Another session, on any node, may hold the maildrop now, so this one can promise
   * nothing more: it ends at once (after the command in progress), its DELEs and \Seen
   * not applied. As Dovecot does when its view of a maildrop can no longer be trusted
   * ("-ERR [SYS/TEMP] Mailbox is in inconsistent state, please relogin." and disconnect):
   * a temporary error, so the client logs in again and gets a fresh, locked listing,
   * rather than -ERR [IN-USE] answers to each command that would leave it waiting on a
   * session that can never be made safe again.
   */
  async #endLost(): Promise<void> {
    this.ending = true;
    await this.channel.end('-ERR [SYS/TEMP] The maildrop lock was lost, please log in again\r\n');
  }

  /** Server shutdown: the session ends after the command in progress, or now if there is none. */
  shutdown(): void {
    this.#shuttingDown = true;
    if (!this.#busy && !this.ending) void this.#sayGoodbye();
  }

  /** Closed whatever the client sends meanwhile or whichever command is running. */
  async #loginTimedOut(): Promise<void> {
    this.#loginDeadline = null;
    if (this.state !== 'authorization' || this.ending) return;
    this.log.warn({ ip: this.ip, reason: 'login-timeout' }, 'no login within the deadline');
    this.ending = true;
    await this.channel.cut('-ERR [SYS/TEMP] No login within the time allowed\r\n');
  }

  #clearLoginDeadline(): void {
    if (this.#loginDeadline) clearTimeout(this.#loginDeadline);
    this.#loginDeadline = null;
  }

  async #sayGoodbye(): Promise<void> {
    this.ending = true;
    await this.channel.end('-ERR [SYS/TEMP] Server shutting down, try again later\r\n');
  }

  async #finish(): Promise<void> {
    this.#clearLoginDeadline();
    const drop = this.maildrop;
    drop?.close();
    if (drop && this.account && !this.#leaseLost) {
      if (this.state !== 'update') {
        try {
          await drop.saveSeen();
        } catch (err) {
          this.log.error({ err }, 'saving \\Seen flags failed');
        }
      }
    }
    await this.#lease?.release().catch((err: unknown) => this.log.error({ err }, 'releasing the maildrop failed'));
    if (!this.channel.closed) await this.channel.end();
    this.log.info({ state: this.state, deletedPending: this.state === 'update' ? 0 : (drop?.deletedCount ?? 0), leaseLost: this.#leaseLost || undefined }, 'disconnect');
  }
}
