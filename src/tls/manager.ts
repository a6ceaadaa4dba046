import { X509Certificate } from 'node:crypto';
import { unwatchFile, watchFile } from 'node:fs';
import type { Logger } from '../log/logger.ts';
import { collect } from '../metrics/registry.ts';
import type { Coordination, Directory, StoredCertificate, Vault } from '../store/types.ts';
import { ensureCertificate } from './certificates.ts';
import { TlsProvider } from './context.ts';
import type { AcmeSettings } from './acme.ts';
import { daneEeRecord } from './tlsa.ts';
import type { AcmeChallenges } from './challenges.ts';
import { readPemFiles } from './manual.ts';
import { AcmeRenewer, type AcmeStatus } from './renewal.ts';

export interface CertificateStatus {
  hostname: string;
  source: NonNullable<StoredCertificate['source']>;
  names: string[];
  issuer: string;
  notBefore: string;
  notAfter: string;
  fingerprint256: string;
  /** The DANE-EE TLSA record of the certificate's key, "3 1 1 HEX" (`mailfold dns` prints it with [smtp.dane] on). */
  tlsa: string;
  /** The manual PEM files being watched, when configured. */
  files?: { cert: string; key: string };
  /** With ACME on: the last attempts and what comes next. */
  acme?: AcmeStatus;
}

export interface CertificateManagerOptions {
  /** `tryLease`: with several nodes on one store, one of them orders at a time. */
  store: Vault & Pick<Directory, 'listDomains'> & Pick<Coordination, 'tryLease'>;
  log: Logger;
  hostname: string;
  /** `tls.cert_file` and `tls.key_file`: served instead of the stored certificate, reloaded on change. */
  files?: { cert: string; key: string };
  /** ACME orders and renewals; not used with configured files. */
  acme?: { settings: AcmeSettings; challenges: AcmeChallenges };
  /** The HTTPS listener serves Outlook's Autodiscover: the certificate then covers autodiscover.DOMAIN too. */
  autodiscover?: boolean;
}

/** How often the manual PEM files are checked for a change (fs.watchFile polls; it survives renames). */
const FILE_POLL_MS = 2000;

/**
 * Owns the certificate every listener serves: the stored one (self-signed at first
 * start, later ACME's or an imported one) or the configured PEM files. Every
 * replacement goes through `install`, which keeps the store and the TLS provider in step.
 */
export class CertificateManager {
  readonly provider: TlsProvider;
  readonly #opts: CertificateManagerOptions;
  readonly #stop: (() => void)[] = [];
  #renewer: AcmeRenewer | null = null;

  private constructor(opts: CertificateManagerOptions, provider: TlsProvider) {
    this.#opts = opts;
    this.provider = provider;
  }

  static async start(opts: CertificateManagerOptions): Promise<CertificateManager> {
    const initial = opts.files ? await readPemFiles(opts.files.cert, opts.files.key) : await ensureCertificate(opts.store, opts.hostname, opts.log);
    const manager = new CertificateManager(opts, new TlsProvider(initial));
    manager.#stop.push(
      collect('mailfold_certificate_expiry_timestamp_seconds', () => {
        const x509 = manager.provider.x509();
        return [{ labels: { name: opts.hostname, source: manager.provider.certificate.source ?? 'self-signed' }, value: Math.floor(new Date(x509.validTo).getTime() / 1000) }];
      }),
    );
    if (opts.files) {
      const { cert, key } = opts.files;
      const changed = () => void manager.reload();
      for (const file of [cert, key]) {
        watchFile(file, { interval: FILE_POLL_MS, persistent: false }, changed);
        manager.#stop.push(() => unwatchFile(file, changed));
      }
      opts.log.info({ cert, key }, 'serving the configured certificate files');
      if (opts.acme) opts.log.warn('acme.enabled is ignored: tls.cert_file and tls.key_file are served instead');
    } else if (opts.acme) {
      const renewer = new AcmeRenewer({
        store: opts.store,
        log: opts.log.child({ acme: opts.acme.settings.directoryUrl }),
        ...opts.acme,
        names: () => manager.#acmeNames(),
        current: () => manager.provider.certificate,
        install: (certificate) => manager.install(certificate),
        adopt: () => manager.#adoptStored(),
      });
      manager.#renewer = renewer;
      manager.#stop.push(() => renewer.close());
    }
    return manager;
  }

  /** Starts ACME's schedule; called once the listeners that answer its challenges are up. */
  startRenewal(): void {
    this.#renewer?.start();
  }

  /**
   * Re-reads the configured PEM files (on change and SIGHUP); a bad pair is logged and the
   * served one kept. Without files (SIGHUP), serves the stored certificate if another node
   * of the store renewed it, rather than at this node's next check.
   */
  async reload(): Promise<void> {
    const { files, log } = this.#opts;
    if (!files) {
      await this.#adoptStored().catch((err: unknown) => log.error({ err }, 'reading the stored certificate failed; the served one stays'));
      return;
    }
    try {
      const next = await readPemFiles(files.cert, files.key);
      if (next.certPem === this.provider.certificate.certPem && next.keyPem === this.provider.certificate.keyPem) return;
      this.provider.update(next);
      log.info({ cert: files.cert, notAfter: this.provider.x509().validTo }, 'certificate files reloaded');
    } catch (err) {
      log.error({ err: (err as Error).message }, 'certificate files not reloaded; the served certificate stays');
    }
  }

  /**
   * Serves `certificate` from the next handshake on and keeps it in the store for
   * the next start. With configured files, the files stay what is served after a restart.
   */
  async install(certificate: StoredCertificate): Promise<void> {
    await this.#opts.store.putCertificate(this.#opts.hostname, certificate);
    if (!this.#opts.files) this.provider.update(certificate);
  }

  /** Serves the stored certificate when it is not the served one: another node of the store renewed it. */
  async #adoptStored(): Promise<boolean> {
    const stored = await this.#opts.store.getCertificate(this.#opts.hostname);
    if (!stored || stored.certPem === this.provider.certificate.certPem) return false;
    this.provider.update(stored);
    this.#opts.log.info({ notAfter: this.provider.x509().validTo }, 'certificate renewed by another node installed');
    return true;
  }

  /** `cert import`: a checked PEM pair, kept and served. */
  async import(certificate: StoredCertificate): Promise<CertificateStatus> {
    await this.install(certificate);
    this.#opts.log.info('imported certificate installed');
    return this.status();
  }

  async status(): Promise<CertificateStatus> {
    const status = describe(this.#opts.hostname, this.provider.certificate, this.#opts.files);
    return this.#renewer ? { ...status, acme: await this.#renewer.status() } : status;
  }

  /** `cert renew`: an ACME order now; throws what went wrong (also kept for `cert status`). */
  async renew(): Promise<CertificateStatus> {
    if (!this.#renewer) throw new Error(this.#opts.files ? 'the certificate comes from tls.cert_file; renew it there' : 'ACME is off (set acme.enabled = true)');
    await this.#renewer.renewNow();
    return this.status();
  }

  /** The mail host name, then the names the HTTP services answer on for each local domain. */
  async #acmeNames(): Promise<string[]> {
    const domains = await this.#opts.store.listDomains();
    const services = this.#opts.autodiscover ? ['autoconfig', 'mta-sts', 'autodiscover'] : ['autoconfig', 'mta-sts'];
    return [this.#opts.hostname, ...domains.flatMap((d) => services.map((s) => `${s}.${d.name}`))];
  }

  close(): void {
    for (const stop of this.#stop.splice(0)) stop();
  }
}

export function describe(hostname: string, certificate: StoredCertificate, files?: { cert: string; key: string }): CertificateStatus {
  const x509 = new X509Certificate(certificate.certPem);
  const names = (x509.subjectAltName ?? '').split(', ').filter(Boolean).map((n) => n.replace(/^(DNS|IP Address):/, ''));
  return {
    hostname,
    source: certificate.source ?? 'self-signed',
    names,
    issuer: x509.issuer.replace(/\n/g, ', '),
    notBefore: new Date(x509.validFrom).toISOString(),
    notAfter: new Date(x509.validTo).toISOString(),
    fingerprint256: x509.fingerprint256,
    tlsa: daneEeRecord(certificate.certPem),
    ...(files ? { files } : {}),
  };
}
