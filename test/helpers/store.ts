import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { TestContext } from 'node:test';
import { hashPassword } from '../../src/auth/password.ts';
import { openLevelStore, type LevelStore } from '../../src/store/level/store.ts';
import type { Account, Store } from '../../src/store/types.ts';
import { tempDir } from './env.ts';

/** A store for tests of its behaviour, typed as the roles: any backend must pass them. */
export async function testStore(t: TestContext, chunkSize = 65536): Promise<{ store: Store; dir: string }> {
  return testLevelStore(t, chunkSize);
}

/** The LevelDB store with its core, for the tests that look at keys or batches. */
export async function testLevelStore(t: TestContext, chunkSize = 65536): Promise<{ store: LevelStore; dir: string }> {
  const dir = tempDir(t);
  const store = await openLevelStore(dir, { sync: true, chunkSize });
  t.after(() => store.close().catch(() => {}));
  return { store, dir };
}

let cachedHash: Promise<string> | null = null;

/** One argon2 hash shared by the test accounts: hashing is slow on purpose. */
export async function addAccount(store: Store, address: string, quota: { bytes?: number; messages?: number } = {}): Promise<Account> {
  cachedHash ??= hashPassword('correct horse battery');
  const domain = address.slice(address.indexOf('@') + 1);
  if (!(await store.getDomain(domain))) await store.addDomain(domain);
  return store.addAccount({ address, passwordHash: await cachedHash, quotaBytes: quota.bytes ?? 0, quotaMessages: quota.messages ?? 0 });
}

export function message(subject: string, body = 'Hello.\r\n', extra = ''): Buffer {
  return Buffer.from(
    `From: Bob <bob@example.net>\r\nTo: alice@example.org\r\nSubject: ${subject}\r\nMessage-ID: <${subject.replace(/\W/g, '')}@example.net>\r\n` +
      `Date: Sun, 22 Nov 2026 10:00:00 +0000\r\n${extra}\r\n${body}`,
  );
}

export async function collect(gen: AsyncGenerator<Buffer>): Promise<Buffer> {
  const parts: Buffer[] = [];
  for await (const part of gen) parts.push(part);
  return Buffer.concat(parts);
}

/** An empty store in `dataDir` unless one is there, made as `serve --create` makes it: the CLI opens only a store that exists. */
export async function createStoreIn(dataDir: string): Promise<void> {
  if (existsSync(join(dataDir, 'store', 'CURRENT'))) return;
  await (await openLevelStore(dataDir, { sync: true, chunkSize: 65536 })).close();
}
