import { randomBytes } from 'node:crypto';
import { checkDkimKey } from '../rules/dkim.ts';
import { StoreError, type AcmeAccount, type AcmeState, type DkimKey, type MtaStsPolicy, type StoredCertificate, type Vault } from '../types.ts';
import type { PgCore } from './core.ts';

type Kind = 'certificate' | 'acme-account' | 'acme-state' | 'secret' | 'mta-sts';

/** Certificates, ACME state, secrets, DKIM keys and MTA-STS policies in PostgreSQL, shared by every node. */
export class PgVault implements Vault {
  readonly #core: PgCore;
  readonly #secrets = new Map<string, Buffer>();

  constructor(core: PgCore) {
    this.#core = core;
  }

  async #get<T>(kind: Kind, name: string): Promise<T | null> {
    const [row] = await this.#core.sql<{ value: string }[]>`SELECT value FROM vault WHERE kind = ${kind} AND name = ${name}`;
    return row ? (JSON.parse(row.value) as T) : null;
  }

  async #put(kind: Kind, name: string, value: unknown): Promise<void> {
    await this.#core.sql`INSERT INTO vault (kind, name, value) VALUES (${kind}, ${name}, ${JSON.stringify(value)})
      ON CONFLICT (kind, name) DO UPDATE SET value = EXCLUDED.value`;
  }

  getCertificate(name: string): Promise<StoredCertificate | null> {
    return this.#get('certificate', name);
  }

  putCertificate(name: string, value: StoredCertificate): Promise<void> {
    return this.#put('certificate', name, value);
  }

  getAcmeAccount(directoryUrl: string): Promise<AcmeAccount | null> {
    return this.#get('acme-account', directoryUrl);
  }

  putAcmeAccount(directoryUrl: string, value: AcmeAccount): Promise<void> {
    return this.#put('acme-account', directoryUrl, value);
  }

  getAcmeState(): Promise<AcmeState | null> {
    return this.#get('acme-state', '');
  }

  putAcmeState(value: AcmeState): Promise<void> {
    return this.#put('acme-state', '', value);
  }

  async secret(name: string): Promise<Buffer> {
    // A secret never changes once made: after the first call it costs no query (SRS asks per forwarded message).
    const known = this.#secrets.get(name);
    if (known) return known;
    const made = randomBytes(32).toString('base64');
    // The first node to make it wins; every other node reads that one.
    await this.#core.sql`INSERT INTO vault (kind, name, value) VALUES ('secret', ${name}, ${JSON.stringify(made)}) ON CONFLICT DO NOTHING`;
    const secret = Buffer.from((await this.#get<string>('secret', name))!, 'base64');
    this.#secrets.set(name, secret);
    return secret;
  }

  async addDkimKeys(domain: string, dkimKeys: DkimKey[]): Promise<void> {
    for (const key of dkimKeys) checkDkimKey(domain, key);
    await this.#core.tx(async (tx) => {
      if (!(await tx`SELECT 1 FROM domains WHERE name = ${domain} FOR SHARE`).length) throw new StoreError('not-found', `no such domain: ${domain}`);
      for (const key of dkimKeys) {
        const inserted = await tx`INSERT INTO dkim_keys (domain, selector, record, created_at) VALUES (${domain}, ${key.selector}, ${JSON.stringify(key)}, ${key.createdAt})
          ON CONFLICT DO NOTHING RETURNING selector`;
        if (inserted.length === 0) throw new StoreError('exists', `DKIM selector ${key.selector} of ${domain} already exists`);
      }
    });
  }

  async listDkimKeys(domain: string): Promise<DkimKey[]> {
    return (await this.#core.sql<{ record: string }[]>`SELECT record FROM dkim_keys WHERE domain = ${domain} ORDER BY created_at, selector`).map((r) => JSON.parse(r.record) as DkimKey);
  }

  async removeDkimKey(domain: string, selector: string): Promise<void> {
    const removed = await this.#core.sql`DELETE FROM dkim_keys WHERE domain = ${domain} AND selector = ${selector} RETURNING selector`;
    if (removed.length === 0) throw new StoreError('not-found', `no DKIM selector ${selector} for ${domain}`);
  }

  getMtaStsPolicy(domain: string): Promise<MtaStsPolicy | null> {
    return this.#get('mta-sts', domain.toLowerCase());
  }

  putMtaStsPolicy(domain: string, policy: MtaStsPolicy): Promise<void> {
    return this.#put('mta-sts', domain.toLowerCase(), policy);
  }
}
