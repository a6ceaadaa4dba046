import { createHash } from 'node:crypto';
import type { AppPassword } from '../app-passwords.ts';
import type { CopiedAccountData, CopiedBlob, CopiedDirectory, CopiedVaultRecord, CopySource } from '../copy.ts';
import type { FetchSummary } from '../../mime/fetch-summary.ts';
import type { Counters } from '../rules/mailbox.ts';
import { StoreError, type AccountId, type DkimKey, type GreylistEntry, type Mailbox, type MailboxId, type QueueEntry, type SenderList, type SpamClass, type SpamTotals, type Uid } from '../types.ts';
import { decode } from './codec.ts';
import { wholeRange } from './core.ts';
import { keys, parseRefKey } from './keys.ts';
import { listMailboxes } from './mailbox-records.ts';
import type { LevelStore } from './store.ts';

/** The secret whose hash names the installation in a copy's marker (the secret itself goes over with the vault). */
const INSTALLATION_SECRET = 'installation';

/**
 * Every key prefix of this layout and whether a copy carries it: what the copy reads
 * (`true`), or derives again in the target (name indexes, the mailbox index, body
 * references, the full-text index, layout state). A store holding any other prefix
 * is refused, so a record the copy does not know is never left behind silently.
 */
const PREFIXES: Record<string, boolean> = {
  dom: true, acc: true, aid: false, ali: true, apw: true, mbx: true, mbn: false, sub: true, msg: true, mbi: false, mbf: false,
  xpg: true, blb: true, blt: true, bls: true, chk: true, ref: false, crt: true, acm: true, que: true, qch: true, dkm: true,
  sts: true, mdt: true, imp: true, siv: true, spn: true, spt: true, spm: true, spl: true, spc: true, grl: true,
  ftp: false, ftd: false, fts: false, fta: false, 'meta/counters': false, 'meta/version': false, 'meta/migration': false,
  'meta/fts': false, 'meta/acme': true, 'meta/secret': true,
};

/** The LevelDB store as a copy's source; the caller opened it, so no server serves it meanwhile (LevelDB's lock). */
export class LevelCopySource implements CopySource {
  readonly #store: LevelStore;

  constructor(store: LevelStore) {
    this.#store = store;
  }

  get #core() {
    return this.#store.core;
  }

  async installationId(): Promise<string> {
    await this.#refuseUnknownPrefixes();
    return createHash('sha256').update(await this.#store.secret(INSTALLATION_SECRET)).digest('hex').slice(0, 32);
  }

  async directory(): Promise<CopiedDirectory> {
    return {
      counters: (await this.#core.get<Counters>(keys.counters))!,
      domains: await this.#store.listDomains(),
      accounts: await this.#store.listAccounts(),
      aliases: await this.#store.listAliases(),
      dkimKeys: await this.#core.scan<DkimKey>(keys.dkimKeyAll),
    };
  }

  async accountData(accountId: AccountId): Promise<CopiedAccountData> {
    const core = this.#core;
    const sievePrefix = keys.sievePrefix(accountId);
    const sieve = await this.#entries(sievePrefix);
    const metadataPrefix = keys.metadataPrefix(accountId);
    return {
      accountId,
      appPasswords: await core.scan<AppPassword>(keys.appPasswordPrefix(accountId)),
      subscriptions: await this.#names(keys.subscriptionPrefix(accountId)),
      metadata: (await this.#entries(metadataPrefix)).map(([rest, value]) => {
        const slash = rest.indexOf('/');
        return { mailboxId: parseInt(rest.slice(0, slash), 16), entry: rest.slice(slash + 1), value: Buffer.from(decode<string>(value), 'base64') };
      }),
      sieveScripts: sieve.filter(([k]) => k.startsWith('s/')).map(([, v]) => decode<{ name: string; content: string; updatedAt: number }>(v)),
      sieveActive: ((v) => (v ? decode<string>(v) : null))(sieve.find(([k]) => k === 'active')?.[1]),
      sieveMarks: sieve.filter(([k]) => k.startsWith('m/')).map(([k, v]) => {
        const [, scope, ...key] = k.split('/');
        return { scope: scope!, key: key.join('/'), expiresAt: decode<number>(v) };
      }),
      spamTotals: await core.get<SpamTotals>(keys.spamTotals(accountId)),
      spamTokens: (await this.#entries(keys.spamTokenPrefix(accountId))).map(([token, v]) => {
        const [spam, ham] = decode<[number, number]>(v);
        return { token, spam, ham };
      }),
      spamMarks: (await this.#entries(keys.spamMarkPrefix(accountId))).map(([mark, v]) => ({ mark, verdict: decode<SpamClass>(v) })),
      senders: (await this.#entries(keys.senderListPrefix(accountId))).map(([sender, v]) => ({ sender, list: decode<SenderList>(v) })),
      correspondents: await this.#names(keys.correspondent(accountId, '')),
      importMarks: await this.#names(keys.importMarkPrefix(accountId)),
    };
  }

  async vault(): Promise<CopiedVaultRecord[]> {
    const records: CopiedVaultRecord[] = [];
    const add = async (kind: CopiedVaultRecord['kind'], prefix: string) => {
      for (const [name, value] of await this.#entries(prefix)) records.push({ kind, name, json: value.toString('utf8') });
    };
    await add('certificate', keys.certificate(''));
    await add('acme-account', keys.acmeAccount(''));
    await add('secret', keys.secret(''));
    await add('mta-sts', keys.mtaSts(''));
    const acme = await this.#core.db.get(keys.acmeState);
    if (acme !== undefined) records.push({ kind: 'acme-state', name: '', json: acme.toString('utf8') });
    return records;
  }

  async greylist(): Promise<{ triplet: string; entry: GreylistEntry }[]> {
    return (await this.#entries(keys.greylistPrefix)).map(([triplet, v]) => ({ triplet, entry: decode<GreylistEntry>(v) }));
  }

  mailboxes(accountId: AccountId): Promise<Mailbox[]> {
    return listMailboxes(this.#core, accountId);
  }

  async expunged(mailboxId: MailboxId): Promise<{ uid: Uid; modSeq: number }[]> {
    return (await this.#entries(keys.expungedPrefix(mailboxId))).map(([uid, v]) => ({ uid: parseInt(uid, 16), modSeq: decode<number>(v) }));
  }

  messages(mailboxId: MailboxId) {
    return this.#store.listMessages(mailboxId);
  }

  async messageCount(): Promise<number> {
    return (await this.#core.scanKeys(keys.messageAll)).length;
  }

  async blobs(ids: string[]): Promise<CopiedBlob[]> {
    if (ids.length === 0) return [];
    const [metas, texts, summaries] = await Promise.all([this.#store.getBlobs(ids), this.#store.getSearchTexts(ids), this.#store.getFetchSummaries(ids)]);
    const out: CopiedBlob[] = [];
    for (const [i, id] of ids.entries()) {
      const meta = metas[i];
      if (!meta) throw new StoreError('invalid', `body ${id} is missing in the source: run \`mailfold store check\` on it first`);
      const chunks = await this.#core.db.values(wholeRange(keys.chunkPrefix(id))).all();
      const raw = Buffer.concat(chunks);
      if (raw.length !== meta.size) throw new StoreError('invalid', `body ${id} has ${raw.length} of ${meta.size} bytes in the source: run \`mailfold store check\` on it first`);
      out.push({ meta, raw, searchText: texts[i]!, summary: summaries[i] as FetchSummary | null, prefixes: await this.#prefixes(id) });
    }
    return out;
  }

  async queue(): Promise<{ entry: QueueEntry; raw: Buffer }[]> {
    const out = [];
    for (const entry of await this.#store.listQueue()) {
      const raw = Buffer.concat(await this.#core.db.values(wholeRange(keys.queueChunkPrefix(entry.id))).all());
      out.push({ entry, raw });
    }
    return out;
  }

  close(): Promise<void> {
    return this.#store.close();
  }

  /** The prefixes of the messages that refer to a body. */
  async #prefixes(blobId: string): Promise<string[]> {
    const refs = (await this.#core.scanKeys(keys.refPrefix(blobId))).map(parseRefKey);
    const records = await this.#core.getMany<{ prefix: string }>(refs.map((r) => keys.message(r.mailboxId, r.uid)));
    return [...new Set(records.filter((r) => r !== null).map((r) => r.prefix))];
  }

  /** The rest of each key after `prefix`, with its value. */
  async #entries(prefix: string): Promise<[string, Buffer][]> {
    return (await this.#core.db.iterator(wholeRange(prefix)).all()).map(([k, v]) => [k.slice(prefix.length), v]);
  }

  async #names(prefix: string): Promise<string[]> {
    return (await this.#core.scanKeys(prefix)).map((k) => k.slice(prefix.length));
  }

  /** Seeks from one prefix to the next, so a store of millions of keys costs one read per prefix. */
  async #refuseUnknownPrefixes(): Promise<void> {
    let from = '';
    for (;;) {
      const [key] = await this.#core.db.keys({ gt: from, limit: 1 }).all();
      if (key === undefined) return;
      const parts = key.split('/');
      const prefix = parts[0] === 'meta' ? `meta/${parts[1]}` : parts[0]!;
      if (!(prefix in PREFIXES)) throw new StoreError('invalid', `the store holds records (${prefix}/...) this version cannot copy: copy with the Mailfold that wrote them`);
      from = `${prefix}/\xff`;
    }
  }
}
