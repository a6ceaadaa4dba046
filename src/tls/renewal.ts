import { createPrivateKey, X509Certificate } from 'node:crypto';
import type { Logger } from '../log/logger.ts';
import type { AcmeState, Coordination, StoredCertificate, Vault } from '../store/types.ts';
import { fetchRenewalInfo, orderCertificate, type AcmeSettings } from './acme.ts';
import { certId, pickInWindow, type RenewalWindow } from './renewal-info.ts';
import type { AcmeChallenges } from './challenges.ts';

export interface RenewalOptions {
  store: Vault & Pick<Coordination, 'tryLease'>;
  log: Logger;
  settings: AcmeSettings;
  challenges: AcmeChallenges;
  /** The names the certificate must cover now (local domains come and go). */
  names(): Promise<string[]>;
  /** The certificate being served. */
  current(): StoredCertificate;
  /** Serves and keeps a new certificate. */
  install(certificate: StoredCertificate): Promise<void>;
  /** Serves the stored certificate if another node of the store installed one; true then. */
  adopt(): Promise<boolean>;
}

/** The served key when it can be certified again (RSA, as every key this server makes); else a new one is made. */
function reusableKey(keyPem: string): string | undefined {
  try {
    return createPrivateKey(keyPem).asymmetricKeyType === 'rsa' ? keyPem : undefined;
  } catch {
    return undefined;
  }
}

/** The running server knows the settings and names; the CLI alone only the stored state. */
export interface AcmeStatus extends AcmeState {
  directory?: string;
  challenge?: string;
  names?: string[];
  /** When the served certificate becomes due (the CA's ARI pick, else a third of its lifetime left). */
  renewAt?: number;
  /** The CA's suggested renewal window, when it offers ARI. */
  renewalWindow?: RenewalWindow;
}

/** What the CA said about the served certificate through ARI, and the moment picked in its window. */
interface Advice {
  certId: string;
  window: RenewalWindow;
  renewAt: number;
  checkAgainAt: number;
}

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
/** Checked at least this often, so that a new local domain gets its names soon. */
const CHECK_EVERY_MS = HOUR;
const MAX_BACKOFF_MS = 24 * HOUR;
/** How soon a node looks again while another node of the store is ordering. */
const ORDERING_ELSEWHERE_MS = 5 * MINUTE;
/** The lease that makes one node of a store order at a time (docs/scale-out.md). */
const ORDER_LEASE = 'acme-order';

/** A minute after the first failure, doubling up to a day. */
export const backoffMs = (failures: number): number => Math.min(MAX_BACKOFF_MS, MINUTE * 2 ** Math.max(0, failures - 1));

/** The moment a certificate is due: when a third of its lifetime is left. */
export function renewAt(certPem: string): number {
  const x509 = new X509Certificate(certPem);
  const from = new Date(x509.validFrom).getTime();
  const to = new Date(x509.validTo).getTime();
  return to - (to - from) / 3;
}

/** Why the served certificate needs an ACME order now, or null. */
function reason(current: StoredCertificate, names: string[], advice: Advice | null, now: number): string | null {
  if (current.source !== 'acme') return `the served certificate is ${current.source ?? 'self-signed'}`;
  const x509 = new X509Certificate(current.certPem);
  const missing = names.filter((n) => x509.checkHost(n, { wildcards: false }) === undefined);
  if (missing.length) return `it does not cover ${missing.join(', ')}`;
  if (advice) return now >= advice.renewAt ? 'the CA suggests renewing now (ARI)' : null;
  if (now >= renewAt(current.certPem)) return 'a third of its lifetime is left';
  return null;
}

/**
 * Keeps an ACME certificate in place: orders one when the served certificate is
 * not ACME's, lacks a name or is due, retries failures with backoff, and records
 * every attempt for `cert status`. One order runs at a time, on one node of the store:
 * the others wait for it and then serve the certificate it stored.
 */
export class AcmeRenewer {
  readonly #opts: RenewalOptions;
  #timer: NodeJS.Timeout | null = null;
  #running: Promise<void> | null = null;
  #closed = false;
  #advice: Advice | null = null;

  constructor(opts: RenewalOptions) {
    this.#opts = opts;
  }

  start(): void {
    this.#schedule(0);
  }

  close(): void {
    this.#closed = true;
    if (this.#timer) clearTimeout(this.#timer);
  }

  /** Orders now, whatever the schedule says; resolves when the attempt is over (and throws its error). */
  async renewNow(): Promise<void> {
    if (this.#running) await this.#running.catch(() => {});
    this.#running = this.#attempt('requested').then((ordered) => {
      if (!ordered) throw new Error('another node of this store is ordering a certificate now; try again in a few minutes');
    });
    try {
      await this.#running;
    } finally {
      this.#running = null;
    }
  }

  async status(): Promise<AcmeStatus> {
    const state = (await this.#opts.store.getAcmeState()) ?? { failures: 0 };
    const current = this.#opts.current();
    return {
      ...state,
      directory: this.#opts.settings.directoryUrl,
      challenge: this.#opts.settings.challenge,
      names: await this.#opts.names(),
      ...(current.source === 'acme' ? { renewAt: Math.floor(this.#due(current)) } : {}),
      ...(this.#advice ? { renewalWindow: this.#advice.window } : {}),
    };
  }

  #schedule(delayMs: number): void {
    if (this.#closed) return;
    if (this.#timer) clearTimeout(this.#timer);
    this.#timer = setTimeout(() => void this.#check(), Math.max(0, Math.min(delayMs, CHECK_EVERY_MS)));
    this.#timer.unref();
  }

  async #check(): Promise<void> {
    const now = Date.now();
    try {
      await this.#opts.adopt();
      const state = await this.#opts.store.getAcmeState();
      if (state?.nextAttemptAt && now < state.nextAttemptAt) return this.#schedule(state.nextAttemptAt - now);
      await this.#askCa(now);
      const why = reason(this.#opts.current(), await this.#opts.names(), this.#advice, now);
      if (why && !this.#running) {
        const attempt = this.#attempt(why);
        this.#running = attempt.then(
          () => {},
          () => {},
        );
        const ordered = await attempt.catch(() => true);
        this.#running = null;
        if (!ordered) return this.#schedule(ORDERING_ELSEWHERE_MS);
      }
    } catch (err) {
      this.#opts.log.error({ err }, 'ACME renewal check failed');
    }
    const state = await this.#opts.store.getAcmeState().catch(() => null);
    const current = this.#opts.current();
    const due = state?.nextAttemptAt ?? (current.source === 'acme' ? Math.min(this.#due(current), this.#advice?.checkAgainAt ?? Infinity) : Date.now() + CHECK_EVERY_MS);
    this.#schedule(due - Date.now());
  }

  /** The served certificate's renewal moment: the CA's advice when it gives one. */
  #due(current: StoredCertificate): number {
    return this.#advice?.renewAt ?? renewAt(current.certPem);
  }

  /**
   * Asks the CA for its renewal window (RFC 9773) when the served ACME
   * certificate has no advice yet or the last answer's Retry-After has passed;
   * the moment picked stays the same while the window does. A CA without ARI,
   * or an error, leaves the third-of-lifetime rule in charge.
   */
  async #askCa(now: number): Promise<void> {
    const current = this.#opts.current();
    if (current.source !== 'acme') return void (this.#advice = null);
    // Advice about a certificate no longer served (imported, or renewed meanwhile) is void.
    const previous = this.#advice?.certId === (await certId(current.certPem)) ? this.#advice : null;
    if (previous && now < previous.checkAgainAt) return;
    try {
      const info = await fetchRenewalInfo(this.#opts.settings, current.certPem);
      if (!info) return void (this.#advice = null);
      const same = previous?.certId === info.certId && previous.window.start === info.window.start && previous.window.end === info.window.end;
      this.#advice = { certId: info.certId, window: info.window, renewAt: same ? previous.renewAt : pickInWindow(info.window, Math.random()), checkAgainAt: now + info.checkAfterMs };
    } catch (err) {
      this.#opts.log.warn({ err: (err as Error).message }, 'ACME renewal information unavailable; using the certificate lifetime');
      this.#advice = previous ? { ...previous, checkAgainAt: now + CHECK_EVERY_MS } : null;
    }
  }

  /**
   * One order under the store's lease; false when another node holds it. The outcome is
   * kept in the store and logged either way. A certificate another node installed while
   * this one waited is served instead of ordering again, unless an order was asked for.
   */
  async #attempt(why: string): Promise<boolean> {
    const lease = await this.#opts.store.tryLease(ORDER_LEASE);
    if (!lease) {
      this.#opts.log.info({ reason: why }, 'ACME order left to another node of the store, which is ordering now');
      return false;
    }
    try {
      if ((await this.#opts.adopt()) && why !== 'requested') return true;
      await this.#order(why);
      return true;
    } finally {
      await lease.release().catch((err: unknown) => this.#opts.log.error({ err }, 'releasing the ACME order lease failed'));
    }
  }

  async #order(why: string): Promise<void> {
    const { store, log } = this.#opts;
    const previous = (await store.getAcmeState()) ?? { failures: 0 };
    const names = await this.#opts.names();
    const startedAt = Date.now();
    log.info({ names, reason: why, directory: this.#opts.settings.directoryUrl }, 'ACME order started');
    try {
      const replaces = this.#advice?.certId;
      const keyPem = this.#opts.settings.keepKey ? reusableKey(this.#opts.current().keyPem) : undefined;
      const certificate = await orderCertificate({ store, log, settings: this.#opts.settings, challenges: this.#opts.challenges, names, ...(replaces ? { replaces } : {}), ...(keyPem ? { keyPem } : {}) });
      this.#advice = null;
      await this.#opts.install(certificate);
      await store.putAcmeState({ failures: 0, lastAttemptAt: startedAt, lastSuccessAt: Date.now() });
      log.info({ names, notAfter: new X509Certificate(certificate.certPem).validTo }, 'ACME certificate installed');
    } catch (err) {
      const failures = previous.failures + 1;
      const message = (err as Error).message;
      const nextAttemptAt = Date.now() + backoffMs(failures);
      await store.putAcmeState({ ...previous, failures, lastAttemptAt: startedAt, lastError: message, nextAttemptAt });
      log.error({ names, err: message, failures, nextAttemptAt: new Date(nextAttemptAt).toISOString() }, 'ACME order failed');
      throw err;
    }
  }
}
