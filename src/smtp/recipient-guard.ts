import { securityEvents } from '../auth/security-events.ts';
import type { Logger } from '../log/logger.ts';
import { clientKey } from '../net/client-key.ts';
import { reply, type SmtpReply } from './reply.ts';

export interface RecipientLimits {
  /** Refused (5xx) RCPTs one session may get; its next RCPT is answered 421 and the connection closed. */
  perSession: number;
  /** Refused RCPTs one client address (an IPv6 /64) may get within the window, over all its sessions. */
  perIp: number;
  windowSeconds: number;
}

/** The session of a RCPT, as the guard needs it. */
export interface RcptSession {
  id: string;
  ip: string | undefined;
  /** The logged-in user, for the log. */
  account?: string;
  /** Counted against the limits: unauthenticated sessions (LMTP's trusted MTA and logged-in users are not). */
  limited: boolean;
}

/** Refusals logged one line each per session; the rest are one summary line when it ends. */
const LOGGED_PER_SESSION = 5;
/** Past this many tracked addresses, those with nothing left in the window are swept. */
const SWEEP_AT = 10_000;

/**
 * Failed RCPTs per session and per client address, so that neither the hash of an
 * SRS address nor the users of a domain can be guessed by pipelining RCPTs: a
 * 250 or a 550 answers each guess, so past the limit a RCPT is not even looked at.
 * Also keeps the log bounded when a session sends thousands of bad RCPTs.
 */
export class RecipientGuard {
  readonly #limits: RecipientLimits;
  readonly #now: () => number;
  readonly #sessions = new Map<string, { failed: number; refused: number }>();
  /** Times of the failures still in the window, oldest first, at most `perIp` of them. */
  readonly #failures = new Map<string, number[]>();

  constructor(limits: RecipientLimits, now: () => number = Date.now) {
    this.#limits = limits;
    this.#now = now;
  }

  /** Answers one RCPT: refused unchecked past a limit, else `check`'s answer, counted and logged. */
  async answer(session: RcptSession, rcpt: string, check: () => Promise<SmtpReply | null>, log: Logger): Promise<SmtpReply | null> {
    const spent = session.limited ? this.#spent(session) : null;
    if (spent) {
      // smtp-server closes the connection after a 421; the cut always gets its own line.
      const refusal = reply(421, '4.7.0', `Too many failed recipients ${spent === 'session' ? 'in this session' : 'from your address'}, try again later`);
      log.warn({ ip: session.ip, account: session.account, rcpt, reason: `failed recipients per ${spent}`, reply: refusal.message }, 'recipient refused');
      securityEvents.record({ kind: 'recipients-cut', service: 'smtp', ip: session.ip ?? '', ...(session.account ? { account: session.account } : {}), detail: `failed recipients per ${spent}` });
      return refusal;
    }
    // Counted before the check and given back after it unless refused, so that
    // parallel sessions from one address cannot all be checked past the limit.
    const state = this.#session(session.id);
    const key = session.limited && session.ip ? clientKey(session.ip) : null;
    const stamp = this.#now();
    if (session.limited) state.failed++;
    if (key) this.#recordFailure(key, stamp);
    let refusal: SmtpReply | null = null;
    try {
      refusal = await check();
    } finally {
      if (session.limited && !(refusal && refusal.responseCode >= 500)) {
        state.failed--;
        if (key) this.#forget(key, stamp);
      }
    }
    if (!refusal) return null;
    if (++state.refused <= LOGGED_PER_SESSION) log.info({ ip: session.ip, account: session.account, rcpt, reply: refusal.message }, 'recipient refused');
    return refusal;
  }

  /** The session is over: forgets it, and logs how many refusals had no line of their own. */
  end(session: RcptSession, log: Logger): void {
    const state = this.#sessions.get(session.id);
    this.#sessions.delete(session.id);
    if (state && state.refused > LOGGED_PER_SESSION) {
      log.info({ ip: session.ip, refused: state.refused, unlogged: state.refused - LOGGED_PER_SESSION }, 'recipients refused');
    }
  }

  #session(id: string): { failed: number; refused: number } {
    let state = this.#sessions.get(id);
    if (!state) this.#sessions.set(id, (state = { failed: 0, refused: 0 }));
    return state;
  }

  /** Which limit, if any, this session has used up. */
  #spent(session: RcptSession): 'session' | 'address' | null {
    if ((this.#sessions.get(session.id)?.failed ?? 0) >= this.#limits.perSession) return 'session';
    if (session.ip && this.#recent(clientKey(session.ip)).length >= this.#limits.perIp) return 'address';
    return null;
  }

  #recent(key: string): number[] {
    const since = this.#now() - this.#limits.windowSeconds * 1000;
    const times = (this.#failures.get(key) ?? []).filter((t) => t > since);
    if (times.length === 0) this.#failures.delete(key);
    else this.#failures.set(key, times);
    return times;
  }

  #recordFailure(key: string, at: number): void {
    if (this.#failures.size > SWEEP_AT) for (const k of [...this.#failures.keys()]) this.#recent(k);
    this.#failures.set(key, [...this.#recent(key), at].slice(-this.#limits.perIp));
  }

  #forget(key: string, at: number): void {
    const times = this.#failures.get(key);
    const index = times?.lastIndexOf(at) ?? -1;
    if (index >= 0) times!.splice(index, 1);
    if (times?.length === 0) this.#failures.delete(key);
  }
}
