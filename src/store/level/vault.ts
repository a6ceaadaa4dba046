import { randomBytes } from 'node:crypto';
import { checkDkimKey } from '../rules/dkim.ts';
import { StoreError, type AcmeAccount, type AcmeState, type DkimKey, type Directory, type MtaStsPolicy, type StoredCertificate, type Vault } from '../types.ts';
import { del, locks, put, type LevelCore } from './core.ts';
import { keys } from './keys.ts';

/** Certificates, ACME state, secrets, DKIM keys and MTA-STS policies in LevelDB. */
export class LevelVault implements Vault {
  readonly #core: LevelCore;
  /** DKIM keys belong to a local domain. */
  readonly #domains: Pick<Directory, 'getDomain'>;
  readonly #secrets = new Map<string, Buffer>();

  constructor(core: LevelCore, domains: Pick<Directory, 'getDomain'>) {
    this.#core = core;
    this.#domains = domains;
  }

  getCertificate(name: string): Promise<StoredCertificate | null> {
    return this.#core.get<StoredCertificate>(keys.certificate(name));
  }

  async putCertificate(name: string, value: StoredCertificate): Promise<void> {
    await this.#core.commit([put(keys.certificate(name), value)]);
  }

  getAcmeAccount(directoryUrl: string): Promise<AcmeAccount | null> {
    return this.#core.get<AcmeAccount>(keys.acmeAccount(directoryUrl));
  }

  async putAcmeAccount(directoryUrl: string, value: AcmeAccount): Promise<void> {
    await this.#core.commit([put(keys.acmeAccount(directoryUrl), value)]);
  }

  getAcmeState(): Promise<AcmeState | null> {
    return this.#core.get<AcmeState>(keys.acmeState);
  }

  async putAcmeState(value: AcmeState): Promise<void> {
    await this.#core.commit([put(keys.acmeState, value)]);
  }

  async secret(name: string): Promise<Buffer> {
    // A secret never changes once made: after the first call it costs no lock and no read (SRS asks per forwarded message).
    const known = this.#secrets.get(name);
    if (known) return known;
    const secret = await this.#core.locks.withLocks([locks.admin], async () => {
      const stored = await this.#core.get<string>(keys.secret(name));
      if (stored !== null) return Buffer.from(stored, 'base64');
      const made = randomBytes(32);
      await this.#core.commit([put(keys.secret(name), made.toString('base64'))]);
      return made;
    });
    this.#secrets.set(name, secret);
    return secret;
  }

  async addDkimKeys(domain: string, dkimKeys: DkimKey[]): Promise<void> {
    await this.#core.locks.withLocks([locks.admin], async () => {
      if (!(await this.#domains.getDomain(domain))) throw new StoreError('not-found', `no such domain: ${domain}`);
      for (const key of dkimKeys) {
        checkDkimKey(domain, key);
        if ((await this.#core.db.get(keys.dkimKey(domain, key.selector))) !== undefined) {
          throw new StoreError('exists', `DKIM selector ${key.selector} of ${domain} already exists`);
        }
      }
      await this.#core.commit(dkimKeys.map((key) => put(keys.dkimKey(domain, key.selector), key)));
    });
  }

  async listDkimKeys(domain: string): Promise<DkimKey[]> {
    const all = await this.#core.scan<DkimKey>(keys.dkimKeyPrefix(domain));
    return all.sort((a, b) => a.createdAt - b.createdAt);
  }

  async removeDkimKey(domain: string, selector: string): Promise<void> {
    await this.#core.locks.withLocks([locks.admin], async () => {
      const key = keys.dkimKey(domain, selector);
      if ((await this.#core.db.get(key)) === undefined) throw new StoreError('not-found', `no DKIM selector ${selector} for ${domain}`);
      await this.#core.commit([del(key)]);
    });
  }

  getMtaStsPolicy(domain: string): Promise<MtaStsPolicy | null> {
    return this.#core.get<MtaStsPolicy>(keys.mtaSts(domain.toLowerCase()));
  }

  async putMtaStsPolicy(domain: string, policy: MtaStsPolicy): Promise<void> {
    await this.#core.commit([put(keys.mtaSts(domain.toLowerCase()), policy)]);
  }
}
