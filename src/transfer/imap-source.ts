import { rootCertificates } from 'node:tls';
import type { ImapFlow } from 'imapflow';
import type { SpecialUse } from '../store/types.ts';
import type { ImapUrl } from './imap-url.ts';
import type { ImportSource, SourceEntry, SourceFolder, Warn } from './source.ts';

/** Bodies per FETCH, and metadata entries handed on per batch. */
const BODIES_PER_FETCH = 50;
const BATCH = 1000;
const OURS = new Set<string>(['\\Sent', '\\Drafts', '\\Trash', '\\Junk', '\\Archive']);
/** Views of messages kept in other folders (RFC 6154, RFC 8457): importing them would duplicate. */
const VIRTUAL = new Set(['\\All', '\\Flagged', '\\Important']);

/** Node's error codes for a certificate that does not verify or does not name the host. */
const UNTRUSTED = /CERT|SELF_SIGNED|UNABLE_TO_(GET|VERIFY)|ERR_TLS_CERT_ALTNAME_INVALID/;

/** One line for a connection that failed: an untrusted certificate says how to trust it. */
function connectError(url: ImapUrl, err: Error & { code?: string }): string {
  if (err.code && UNTRUSTED.test(err.code)) {
    return `${url.host}:${url.port} presented a certificate that is not trusted (${err.message}); if it is the right server, pass its CA with --ca-file`;
  }
  return `cannot connect to ${url.host}:${url.port}: ${err.message}`;
}

/**
 * Every selectable folder of an IMAP account, read-only (EXAMINE), with flags,
 * keywords and internal dates. Virtual folders (Gmail's All Mail, Starred,
 * Important) are skipped unless `includeVirtual`.
 */
export async function imapSource(url: ImapUrl, password: string, opts: { includeVirtual: boolean; maxMessage: number; ca?: string }, warn: Warn): Promise<ImportSource> {
  // Loaded at first use, so `serve` and the other commands start without it (docs/performance.md).
  const { ImapFlow } = await import('imapflow');
  const client = new ImapFlow({
    host: url.host,
    port: url.port,
    secure: url.secure,
    auth: { user: url.user, pass: password },
    logger: false,
    // A private CA is trusted besides the usual ones (NODE_EXTRA_CA_CERTS works too).
    ...(opts.ca ? { tls: { ca: [...rootCertificates, opts.ca] } } : {}),
    // Without this imapflow's default: STARTTLS when offered, so a server that offers it is never used in clear.
  });
  client.on('error', (err: Error) => warn(`IMAP connection: ${err.message}`));
  try {
    await client.connect();
  } catch (err) {
    const e = err as Error & { authenticationFailed?: boolean; responseText?: string; code?: string };
    throw new Error(e.authenticationFailed ? `${url.host} refused the login of ${url.user}${e.responseText ? `: ${e.responseText}` : ''}` : connectError(url, e));
  }
  return {
    id: `imap:${url.user}@${url.host}:${url.port}`,
    async *folders() {
      const list = await client.list();
      for (const box of list) {
        if (box.flags.has('\\Noselect') || box.flags.has('\\NonExistent')) continue;
        const use = box.specialUse ?? '';
        if (VIRTUAL.has(use) && !opts.includeVirtual) {
          warn(`${box.path} (${use}) shows messages kept in other folders; skipped (--include-all-mail imports it too)`);
          continue;
        }
        const opened = await client.mailboxOpen(box.path, { readOnly: true });
        const path = box.path.toUpperCase() === 'INBOX' ? ['INBOX'] : box.delimiter ? box.path.split(box.delimiter) : [box.path];
        yield imapFolder(client, box.path, path, OURS.has(use) ? (use as SpecialUse) : null, `${box.path}\0${opened.uidValidity}`, opened.exists, opts.maxMessage, warn);
      }
    },
    async close() {
      await client.logout().catch(() => client.close());
    },
  };
}

function imapFolder(client: ImapFlow, name: string, path: string[], specialUse: SpecialUse | null, id: string, exists: number, maxMessage: number, warn: Warn): SourceFolder {
  return {
    path,
    specialUse,
    id,
    async *entries() {
      if (exists === 0) return;
      const listed = await client.fetchAll('1:*', { uid: true, flags: true, internalDate: true, size: true });
      listed.sort((a, b) => a.uid - b.uid);
      for (let i = 0; i < listed.length; i += BATCH) {
        yield listed.slice(i, i + BATCH).flatMap((m): SourceEntry[] => {
          if ((m.size ?? 0) > maxMessage) {
            warn(`${name} UID ${m.uid} is larger than limits.message_size (${maxMessage} bytes); skipped`);
            return [];
          }
          const date = m.internalDate instanceof Date ? m.internalDate.getTime() : m.internalDate ? Date.parse(m.internalDate) : NaN;
          return [{ key: String(m.uid), flags: [...(m.flags ?? [])], internalDate: Number.isFinite(date) ? date : undefined, size: m.size }];
        });
      }
    },
    async *bodies(entries) {
      for (let i = 0; i < entries.length; i += BODIES_PER_FETCH) {
        const slice = entries.slice(i, i + BODIES_PER_FETCH);
        const fetched = await client.fetchAll(slice.map((e) => e.key).join(','), { uid: true, source: true }, { uid: true });
        const byUid = new Map(fetched.map((m) => [String(m.uid), m.source ?? null]));
        for (const entry of slice) yield { entry, raw: byUid.get(entry.key) ?? null };
      }
    },
  };
}
