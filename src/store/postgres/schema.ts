import type { Sql } from 'postgres';

/**
 * The PostgreSQL schema as numbered migrations (docs/scale-out.md, "Schema"). Each is
 * applied once, in its own transaction, under an advisory lock, so two nodes starting
 * together (or `mailfold store migrate` beside a running node) never apply one twice.
 * A migration once released is never edited: a change is a new one at the end.
 *
 * Bodies are chunked bytea rows (`blob_chunks`), not large objects: rows go with
 * their blob by a foreign key (large objects would need lo_unlink and vacuumlo), a
 * byte range reads only the chunks it covers, and logical replication and pg_dump
 * of the tables carry them like any row.
 */
export const MIGRATIONS: readonly string[] = [
  `
  CREATE TABLE counters (
    id int PRIMARY KEY CHECK (id = 1),
    next_account_id bigint NOT NULL,
    next_mailbox_id bigint NOT NULL,
    next_uid_validity bigint NOT NULL
  );
  CREATE TABLE domains (name text PRIMARY KEY, created_at bigint NOT NULL);
  CREATE TABLE accounts (
    id bigint PRIMARY KEY,
    address text NOT NULL UNIQUE,
    domain text NOT NULL REFERENCES domains (name),
    password_hash text NOT NULL,
    scram jsonb,
    quota_bytes bigint NOT NULL,
    quota_messages bigint NOT NULL,
    disabled boolean NOT NULL,
    created_at bigint NOT NULL
  );
  CREATE TABLE aliases (
    address text PRIMARY KEY,
    domain text NOT NULL REFERENCES domains (name),
    targets text[] NOT NULL,
    created_at bigint NOT NULL
  );
  CREATE TABLE mailboxes (
    id bigint PRIMARY KEY,
    account_id bigint NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    name text NOT NULL,
    special_use text,
    subscribed boolean NOT NULL,
    uid_validity bigint NOT NULL,
    uid_next bigint NOT NULL,
    highest_modseq bigint NOT NULL,
    messages bigint NOT NULL,
    unseen bigint NOT NULL,
    size bigint NOT NULL,
    created_at bigint NOT NULL,
    recent_from bigint,
    UNIQUE (account_id, name)
  );
  CREATE TABLE subscriptions (
    account_id bigint NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    name text NOT NULL,
    PRIMARY KEY (account_id, name)
  );
  CREATE TABLE blobs (
    id text PRIMARY KEY,
    size bigint NOT NULL,
    chunk_size int NOT NULL,
    chunks int NOT NULL,
    header_end bigint,
    index text NOT NULL,
    summary text,
    search_text text NOT NULL,
    -- The full-text index: the body's trigrams (mime/search-terms.ts); NULL: a candidate for every query.
    trigrams text[]
  );
  CREATE INDEX blobs_trigrams ON blobs USING gin (trigrams);
  CREATE TABLE blob_chunks (
    blob_id text NOT NULL REFERENCES blobs (id) ON DELETE CASCADE,
    seq int NOT NULL,
    data bytea NOT NULL,
    PRIMARY KEY (blob_id, seq)
  );
  CREATE TABLE messages (
    mailbox_id bigint NOT NULL REFERENCES mailboxes (id) ON DELETE CASCADE,
    uid bigint NOT NULL,
    blob_id text NOT NULL REFERENCES blobs (id),
    flags text[] NOT NULL,
    internal_date bigint NOT NULL,
    saved_date bigint NOT NULL,
    modseq bigint NOT NULL,
    prefix text NOT NULL,
    size bigint NOT NULL,
    PRIMARY KEY (mailbox_id, uid)
  );
  CREATE INDEX messages_blob ON messages (blob_id);
  CREATE TABLE expunged (
    mailbox_id bigint NOT NULL REFERENCES mailboxes (id) ON DELETE CASCADE,
    uid bigint NOT NULL,
    modseq bigint NOT NULL,
    PRIMARY KEY (mailbox_id, uid)
  );
  CREATE TABLE import_marks (
    account_id bigint NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    mark text NOT NULL,
    PRIMARY KEY (account_id, mark)
  );
  -- IMAP METADATA; the server's entries have mailbox_id 0.
  CREATE TABLE metadata (
    account_id bigint NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    mailbox_id bigint NOT NULL,
    entry text NOT NULL,
    value bytea NOT NULL,
    PRIMARY KEY (account_id, mailbox_id, entry)
  );
  -- Every committed change of a mailbox, for the nodes that did not make it (changes.ts).
  CREATE TABLE change_log (
    id bigserial PRIMARY KEY,
    origin text NOT NULL,
    account_id bigint NOT NULL,
    mailbox_id bigint,
    kind text NOT NULL,
    uids bigint[] NOT NULL,
    modseq bigint,
    logged_at timestamptz NOT NULL DEFAULT clock_timestamp()
  );
  CREATE INDEX change_log_mailbox ON change_log (mailbox_id, modseq);
  CREATE INDEX change_log_time ON change_log (logged_at);
  CREATE TABLE queue (
    id text PRIMARY KEY,
    -- JSON as text: a remote server's reply kept in it may hold U+0000, which jsonb refuses.
    entry text NOT NULL,
    next_attempt bigint NOT NULL,
    -- The node sending it, until when (queue.ts claimQueueEntry).
    claimed_by text,
    claimed_until bigint NOT NULL DEFAULT 0
  );
  CREATE TABLE queue_chunks (
    queue_id text NOT NULL REFERENCES queue (id) ON DELETE CASCADE,
    seq int NOT NULL,
    data bytea NOT NULL,
    PRIMARY KEY (queue_id, seq)
  );
  CREATE TABLE vault (kind text NOT NULL, name text NOT NULL, value text NOT NULL, PRIMARY KEY (kind, name));
  CREATE TABLE dkim_keys (
    domain text NOT NULL REFERENCES domains (name) ON DELETE CASCADE,
    selector text NOT NULL,
    record text NOT NULL,
    created_at bigint NOT NULL,
    PRIMARY KEY (domain, selector)
  );
  `,
  // 2: the web interface's admin role and app passwords.
  `
  ALTER TABLE accounts ADD COLUMN admin boolean NOT NULL DEFAULT false;
  CREATE TABLE app_passwords (
    account_id bigint NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    id text NOT NULL,
    name text NOT NULL,
    sha256 text NOT NULL,
    created_at bigint NOT NULL,
    PRIMARY KEY (account_id, id)
  );
  `,
  // 3: Sieve scripts, the active one, and the marks of runs (vacation, duplicate).
  `
  CREATE TABLE sieve_scripts (
    account_id bigint NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    name text NOT NULL,
    content text NOT NULL,
    updated_at bigint NOT NULL,
    PRIMARY KEY (account_id, name)
  );
  CREATE TABLE sieve_active (
    account_id bigint PRIMARY KEY,
    name text NOT NULL,
    FOREIGN KEY (account_id, name) REFERENCES sieve_scripts (account_id, name) ON UPDATE CASCADE ON DELETE CASCADE
  );
  CREATE TABLE sieve_marks (
    account_id bigint NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    scope text NOT NULL,
    key text NOT NULL,
    expires_at bigint NOT NULL,
    PRIMARY KEY (account_id, scope, key)
  );
  `,
  // 4: the spam filter: per account its totals, token counts, learned marks, sender lists, correspondents; greylisting.
  `
  CREATE TABLE spam_totals (account_id bigint PRIMARY KEY REFERENCES accounts (id) ON DELETE CASCADE, spam bigint NOT NULL, ham bigint NOT NULL);
  CREATE TABLE spam_tokens (
    account_id bigint NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    token text NOT NULL, spam bigint NOT NULL, ham bigint NOT NULL,
    PRIMARY KEY (account_id, token)
  );
  CREATE TABLE spam_marks (
    account_id bigint NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    mark text NOT NULL, verdict text NOT NULL,
    PRIMARY KEY (account_id, mark)
  );
  CREATE TABLE spam_senders (
    account_id bigint NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    sender text NOT NULL, list text NOT NULL,
    PRIMARY KEY (account_id, sender)
  );
  CREATE TABLE spam_correspondents (
    account_id bigint NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    address text NOT NULL,
    PRIMARY KEY (account_id, address)
  );
  CREATE TABLE greylist (triplet text PRIMARY KEY, first_seen bigint NOT NULL, passed boolean NOT NULL);
  `,
  // 5: queue entries an admin holds (queue.ts holdQueueEntry): a column, so that claims skip them and updates keep it.
  `
  ALTER TABLE queue ADD COLUMN held_at bigint;
  `,
  // 6: when a passed greylist triplet last carried mail, so idle ones are forgotten (spam/greylist.ts).
  `
  ALTER TABLE greylist ADD COLUMN last_seen bigint;
  `,
  // 7: failed logins counted across the nodes (coordination.ts): per client address or account, until expires_at (epoch ms).
  `
  CREATE TABLE login_failures (key text PRIMARY KEY, count bigint NOT NULL, expires_at bigint NOT NULL);
  CREATE INDEX login_failures_expiry ON login_failures (expires_at);
  `,
  // 8: outcomes recorded for aggregate reports (DMARC, TLS-RPT): a count per row of a domain's day.
  `
  CREATE TABLE report_counts (
    kind text NOT NULL,
    period bigint NOT NULL,
    domain text NOT NULL,
    row_id text NOT NULL,
    row text NOT NULL,
    count bigint NOT NULL,
    PRIMARY KEY (kind, period, domain, row_id)
  );
  `,
  // 9: every keyword a mailbox's messages ever held, for the keyword limit (keywords.ts), kept by the
  // writes to messages themselves (as LevelDB's flag table) so that the rule reads at most the limit's rows.
  `
  CREATE TABLE mailbox_keywords (
    mailbox_id bigint NOT NULL REFERENCES mailboxes (id) ON DELETE CASCADE,
    keyword text NOT NULL,
    PRIMARY KEY (mailbox_id, keyword)
  );
  CREATE FUNCTION note_keywords() RETURNS trigger LANGUAGE plpgsql AS $$
  BEGIN
    INSERT INTO mailbox_keywords SELECT DISTINCT mailbox_id, k FROM written, unnest(flags) AS k WHERE left(k, 1) <> chr(92)
      ON CONFLICT DO NOTHING;
    RETURN NULL;
  END $$;
  CREATE TRIGGER messages_keywords_insert AFTER INSERT ON messages REFERENCING NEW TABLE AS written FOR EACH STATEMENT EXECUTE FUNCTION note_keywords();
  CREATE TRIGGER messages_keywords_update AFTER UPDATE ON messages REFERENCING NEW TABLE AS written FOR EACH STATEMENT EXECUTE FUNCTION note_keywords();
  INSERT INTO mailbox_keywords SELECT DISTINCT mailbox_id, k FROM messages, unnest(flags) AS k WHERE left(k, 1) <> chr(92);
  `,
  // 10: messages sent on submission, one row each, counted across the nodes for [submission_limits]
  // (coordination.ts); rows past the window are swept, so the table holds about an hour of submissions.
  `
  CREATE TABLE submissions (id bigserial PRIMARY KEY, account_id bigint NOT NULL, sent_at bigint NOT NULL, recipients bigint NOT NULL);
  CREATE INDEX submissions_account ON submissions (account_id, sent_at);
  CREATE INDEX submissions_sent ON submissions (sent_at);
  `,
  // 11: the answers to the ACME challenges of the order running on one node (coordination.ts), which
  // every node serves to the CA: by key (`http-01:<token>`, `tls-alpn-01:<name>`), until expires_at (epoch ms).
  `
  CREATE TABLE acme_challenges (key text PRIMARY KEY, value text NOT NULL, expires_at bigint NOT NULL);
  CREATE INDEX acme_challenges_expiry ON acme_challenges (expires_at);
  `,
];

/** The advisory lock key of migrations: any constant shared by every node. */
const MIGRATION_LOCK = 0x6d66_0001;

/** Applies the migrations not applied yet; returns the versions it applied. */
export async function migrate(sql: Sql): Promise<number[]> {
  return sql.begin(async (tx) => {
    await tx`SELECT pg_advisory_xact_lock(${MIGRATION_LOCK})`;
    await tx`CREATE TABLE IF NOT EXISTS schema_migrations (version int PRIMARY KEY, applied_at timestamptz NOT NULL DEFAULT now())`;
    const [row] = await tx<{ version: number | null }[]>`SELECT max(version) AS version FROM schema_migrations`;
    const current = row?.version ?? 0;
    if (current > MIGRATIONS.length) throw new Error(`the database's schema is version ${current}, newer than this Mailfold (${MIGRATIONS.length}): upgrade Mailfold`);
    const applied: number[] = [];
    for (let version = current + 1; version <= MIGRATIONS.length; version++) {
      await tx.unsafe(MIGRATIONS[version - 1]!);
      await tx`INSERT INTO schema_migrations (version) VALUES (${version})`;
      applied.push(version);
    }
    return applied;
  });
}

export const SCHEMA_VERSION = MIGRATIONS.length;
