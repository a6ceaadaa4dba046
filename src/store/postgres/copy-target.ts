import type { CopiedAccountData, CopiedBlob, CopiedDirectory, CopiedVaultRecord, CopyMarker, CopyTarget } from '../copy.ts';
import type { GreylistEntry, Mailbox, MailboxId, MessageMeta, QueueEntry, Uid } from '../types.ts';
import { blobRow, sendBlobs } from './blob-rows.ts';
import { checkPostgres } from './check.ts';
import { connect, loadDriver, PgCore, type PostgresOptions, type Tx } from './core.ts';
import { dueAt, toJson } from './queue.ts';
import { mailboxRow, messageRow } from './rows.ts';
import { migrate } from './schema.ts';

/** The copy's marker in the vault table: a kind no role reads, so no schema change was needed for it. */
export const COPY_MARKER = { kind: 'store-copy', name: 'state' } as const;

const domainOf = (address: string) => address.slice(address.lastIndexOf('@') + 1);

/** Tables an installation writes; an empty, migrated database has rows in none but `counters`. */
const DATA_TABLES = ['domains', 'accounts', 'aliases', 'mailboxes', 'blobs', 'queue', 'vault', 'dkim_keys', 'greylist'] as const;

/** Rows per INSERT statement for the small per-account tables. */
const ROWS_PER_STATEMENT = 1000;

/**
 * A PostgreSQL database as a copy's target: rows written with the source's ids, each
 * write idempotent (ON CONFLICT), so a run that follows a killed one converges on the
 * same rows. The marker, written with the first transaction, keeps `serve` off the
 * database until the copy finished (store.ts openPostgresStore).
 */
export class PgCopyTarget implements CopyTarget {
  readonly name: string;
  readonly #core: PgCore;

  private constructor(core: PgCore, name: string) {
    this.#core = core;
    this.name = name;
  }

  static async open(options: PostgresOptions, name: string): Promise<PgCopyTarget> {
    await loadDriver();
    const sql = connect(options);
    try {
      await migrate(sql);
    } catch (err) {
      await sql.end({ timeout: 1 });
      throw err;
    }
    return new PgCopyTarget(new PgCore(sql, options.chunkSize), name);
  }

  get #sql() {
    return this.#core.sql;
  }

  async marker(): Promise<CopyMarker | null> {
    return readMarker(this.#sql);
  }

  async hasData(): Promise<boolean> {
    for (const table of DATA_TABLES) if ((await this.#sql.unsafe(`SELECT 1 FROM ${table} LIMIT 1`)).length > 0) return true;
    return false;
  }

  async writeSetup(marker: CopyMarker, directory: CopiedDirectory, accounts: CopiedAccountData[], vault: CopiedVaultRecord[], greylist: { triplet: string; entry: GreylistEntry }[]): Promise<void> {
    await this.#core.tx(async (tx) => {
      await writeMarker(tx, marker);
      const c = directory.counters;
      await tx`INSERT INTO counters (id, next_account_id, next_mailbox_id, next_uid_validity) VALUES (1, ${c.nextAccountId}, ${c.nextMailboxId}, ${c.nextUidValidity})
        ON CONFLICT (id) DO UPDATE SET next_account_id = EXCLUDED.next_account_id, next_mailbox_id = EXCLUDED.next_mailbox_id, next_uid_validity = EXCLUDED.next_uid_validity`;
      await insertRows(tx, 'domains', directory.domains.map((d) => ({ name: d.name, created_at: d.createdAt })));
      await insertRows(
        tx,
        'accounts',
        directory.accounts.map((a) => ({
          id: a.id, address: a.address, domain: domainOf(a.address), password_hash: a.passwordHash, scram: a.scram ? JSON.stringify(a.scram) : null,
          quota_bytes: a.quotaBytes, quota_messages: a.quotaMessages, disabled: a.disabled, admin: a.admin === true, created_at: a.createdAt,
        })),
      );
      await insertRows(tx, 'aliases', directory.aliases.map((a) => ({ address: a.address, domain: domainOf(a.address), targets: a.targets, created_at: a.createdAt })));
      await insertRows(tx, 'dkim_keys', directory.dkimKeys.map((k) => ({ domain: k.domain, selector: k.selector, record: JSON.stringify(k), created_at: k.createdAt })));
      await insertRows(tx, 'vault', vault.map((v) => ({ kind: v.kind, name: v.name, value: v.json })));
      await insertRows(tx, 'greylist', greylist.map((g) => ({ triplet: g.triplet, first_seen: g.entry.firstSeen, passed: g.entry.passed })));
      for (const data of accounts) await writeAccountData(tx, data);
    });
  }

  async writeMailboxes(mailboxes: Mailbox[], expunged: Map<MailboxId, { uid: Uid; modSeq: number }[]>): Promise<void> {
    await this.#core.tx(async (tx) => {
      const rows = mailboxes.map((m) => mailboxRow(m) as unknown as Record<string, unknown>);
      // The source's counters overwrite what an earlier run wrote: they are the end state.
      if (rows.length > 0) {
        await tx`INSERT INTO mailboxes ${tx(rows)} ON CONFLICT (id) DO UPDATE SET name = EXCLUDED.name, special_use = EXCLUDED.special_use,
          subscribed = EXCLUDED.subscribed, uid_validity = EXCLUDED.uid_validity, uid_next = EXCLUDED.uid_next, highest_modseq = EXCLUDED.highest_modseq,
          messages = EXCLUDED.messages, unseen = EXCLUDED.unseen, size = EXCLUDED.size, recent_from = EXCLUDED.recent_from`;
      }
      const gone = [...expunged].flatMap(([mailboxId, list]) => list.map((x) => ({ mailbox_id: mailboxId, uid: x.uid, modseq: x.modSeq })));
      await insertRows(tx, 'expunged', gone);
    });
  }

  async presentUids(mailboxId: MailboxId): Promise<Set<Uid>> {
    return new Set((await this.#sql<{ uid: number }[]>`SELECT uid FROM messages WHERE mailbox_id = ${mailboxId}`).map((r) => r.uid));
  }

  async presentBlobs(ids: string[]): Promise<Set<string>> {
    if (ids.length === 0) return new Set();
    return new Set((await this.#sql<{ id: string }[]>`SELECT id FROM blobs WHERE id = ANY(${ids})`).map((r) => r.id));
  }

  async writeMessages(blobs: CopiedBlob[], messages: MessageMeta[]): Promise<void> {
    await this.#core.tx(async (tx) => {
      const sent = await sendBlobs(
        tx,
        blobs.map((b) => ({ id: b.meta.id, row: blobRow({ raw: b.raw, chunkSize: b.meta.chunkSize, index: { ...b.meta.index, text: b.searchText }, summary: b.summary, prefixes: b.prefixes }) })),
      );
      await sent.written;
      await insertRows(tx, 'messages', messages.map((m) => messageRow(m) as unknown as Record<string, unknown>));
    });
  }

  async writeQueue(items: { entry: QueueEntry; raw: Buffer }[]): Promise<void> {
    const size = this.#core.chunkSize;
    for (const { entry, raw } of items) {
      await this.#core.tx(async (tx) => {
        const inserted = await tx`INSERT INTO queue (id, entry, next_attempt, held_at) VALUES (${entry.id}, ${toJson(entry)}, ${dueAt(entry)}, ${entry.heldAt ?? null})
          ON CONFLICT DO NOTHING RETURNING id`;
        if (inserted.length === 0) return;
        const chunks = [];
        for (let i = 0; i * size < raw.length; i++) chunks.push({ queue_id: entry.id, seq: i, data: raw.subarray(i * size, (i + 1) * size) });
        await insertRows(tx, 'queue_chunks', chunks);
      });
    }
  }

  async mailboxIds(): Promise<MailboxId[]> {
    return (await this.#sql<{ id: number }[]>`SELECT id FROM mailboxes ORDER BY id`).map((r) => r.id);
  }

  async messageStates(mailboxId: MailboxId): Promise<Pick<MessageMeta, 'uid' | 'modSeq' | 'flags'>[]> {
    return (await this.#sql<{ uid: number; modseq: number; flags: string[] }[]>`SELECT uid, modseq, flags FROM messages WHERE mailbox_id = ${mailboxId} ORDER BY uid`).map((r) => ({
      uid: r.uid,
      modSeq: r.modseq,
      flags: r.flags,
    }));
  }

  async check(): Promise<string[]> {
    return (await checkPostgres(this.#core, false)).map((p) => p.what);
  }

  async finish(marker: CopyMarker): Promise<void> {
    await this.#core.tx((tx) => writeMarker(tx, marker));
  }

  close(): Promise<void> {
    return this.#core.close();
  }
}

/** The marker of a copy into this database, if one ran. */
export async function readMarker(sql: PgCore['sql']): Promise<CopyMarker | null> {
  const [row] = await sql<{ value: string }[]>`SELECT value FROM vault WHERE kind = ${COPY_MARKER.kind} AND name = ${COPY_MARKER.name}`;
  return row ? (JSON.parse(row.value) as CopyMarker) : null;
}

async function writeMarker(tx: Tx, marker: CopyMarker): Promise<void> {
  await tx`INSERT INTO vault (kind, name, value) VALUES (${COPY_MARKER.kind}, ${COPY_MARKER.name}, ${JSON.stringify(marker)})
    ON CONFLICT (kind, name) DO UPDATE SET value = EXCLUDED.value`;
}

async function writeAccountData(tx: Tx, d: CopiedAccountData): Promise<void> {
  const account_id = d.accountId;
  await insertRows(tx, 'app_passwords', d.appPasswords.map((p) => ({ account_id, id: p.id, name: p.name, sha256: p.sha256, created_at: p.createdAt })));
  await insertRows(tx, 'subscriptions', d.subscriptions.map((name) => ({ account_id, name })));
  await insertRows(tx, 'metadata', d.metadata.map((m) => ({ account_id, mailbox_id: m.mailboxId, entry: m.entry, value: m.value })));
  await insertRows(tx, 'sieve_scripts', d.sieveScripts.map((s) => ({ account_id, name: s.name, content: s.content, updated_at: s.updatedAt })));
  if (d.sieveActive !== null) await insertRows(tx, 'sieve_active', [{ account_id, name: d.sieveActive }]);
  await insertRows(tx, 'sieve_marks', d.sieveMarks.map((m) => ({ account_id, scope: m.scope, key: m.key, expires_at: m.expiresAt })));
  if (d.spamTotals) await insertRows(tx, 'spam_totals', [{ account_id, spam: d.spamTotals.spam, ham: d.spamTotals.ham }]);
  await insertRows(tx, 'spam_tokens', d.spamTokens.map((t) => ({ account_id, token: t.token, spam: t.spam, ham: t.ham })));
  await insertRows(tx, 'spam_marks', d.spamMarks.map((m) => ({ account_id, mark: m.mark, verdict: m.verdict })));
  await insertRows(tx, 'spam_senders', d.senders.map((s) => ({ account_id, sender: s.sender, list: s.list })));
  await insertRows(tx, 'spam_correspondents', d.correspondents.map((address) => ({ account_id, address })));
  await insertRows(tx, 'import_marks', d.importMarks.map((mark) => ({ account_id, mark })));
}

/** Rows into a table, a thousand per statement; a row an earlier run committed stays as it is. */
async function insertRows(tx: Tx, table: string, rows: Record<string, unknown>[]): Promise<void> {
  for (let i = 0; i < rows.length; i += ROWS_PER_STATEMENT) {
    await tx`INSERT INTO ${tx(table)} ${tx(rows.slice(i, i + ROWS_PER_STATEMENT))} ON CONFLICT DO NOTHING`;
  }
}
