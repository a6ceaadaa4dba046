import { appPasswordHash, generateAppPassword, newAppPasswordId } from '../auth/app-password.ts';
import { passwordProblem, passwordRecord } from '../auth/password.ts';
import { securityEvents, type SecurityEvent } from '../auth/security-events.ts';
import { normalizeAddress, normalizeDomain } from '../delivery/address.ts';
import type { RecipientReport } from '../delivery/deliver.ts';
import { acceptMessage } from '../queue/accept.ts';
import { OutboundQueue } from '../queue/outbound.ts';
import { defaultSuffix, dnsRecord, generateDkimKeys, signingKeys, type DkimDnsRecord } from '../dkim/keys.ts';
import { StoreError, type Account, type Alias, type CheckProblem, type Domain, type LearnOutcome, type QueueEntry, type SenderList, type SenderListEntry, type Store } from '../store/types.ts';
import type { SpamStatus } from './spam-admin.ts';
import { collectStatus, type ServerStatus, type StatusSource } from './status.ts';
import { describe, type CertificateManager, type CertificateStatus } from '../tls/manager.ts';
import { checkPemPair } from '../tls/manual.ts';
import { sendSnapshot } from '../transfer/record-stream.ts';
import type { CallContext } from './protocol.ts';
import { importMailbox, importWrite, type ImportedMessage } from '../transfer/import-service.ts';
import { SpamFilter, type SpamSettings } from '../spam/filter.ts';
import { SpamAdmin } from './spam-admin.ts';
import { dkimSignatures } from '../smtp/dkim-sign.ts';
import { claimingToBeUs, withoutFields } from '../smtp/headers.ts';
import { splitHeader } from '../mime/header.ts';
import type { ReportOutcome, ReportSender } from '../reports/sender.ts';
import { pino } from 'pino';
import { exportList, exportMailboxes, exportRead, type ExportedMailbox, type ExportedMessage } from '../transfer/export-service.ts';
import { StoredScripts, type ScriptEntry, type ScriptLimits } from '../sieve/script-service.ts';
import type { VacationState } from '../sieve/vacation.ts';
import type { VacationSettings } from '../sieve/vacation-script.ts';
import type { FilterState } from '../sieve/filter-rules.ts';
import type { FilterRule } from '../sieve/filter-rules-script.ts';
import * as sieve from './sieve.ts';

export interface AdminSettings {
  minPasswordLength: number;
  subaddressSeparator: string;
  defaultQuotaBytes: number;
  defaultQuotaMessages: number;
  messageSizeLimit: number;
  /** The name the served certificate is kept under. */
  hostname: string;
  /** `[managesieve]` max_scripts and max_script_size, which `mailfold sieve` keeps too. */
  sieveScripts: ScriptLimits;
  /** For `deliver` without a running server, which has its own filter. */
  spam: SpamSettings;
}

/** An account as the CLI shows it: never the password hash. */
export interface AccountView {
  address: string;
  disabled: boolean;
  /** May use the web interface's admin pages. */
  admin: boolean;
  quotaBytes: number;
  quotaMessages: number;
  usedBytes: number;
  usedMessages: number;
  createdAt: string;
  /** The SASL mechanisms the account can log in with: SCRAM only once its password was set with SCRAM keys. */
  mechanisms: string[];
}

export interface MailboxView {
  name: string;
  specialUse: string | null;
  subscribed: boolean;
  messages: number;
  unseen: number;
  size: number;
  uidValidity: number;
  uidNext: number;
}

/** An app password as listed: its name and when it was made, never the password or its hash. */
export interface AppPasswordView {
  id: string;
  name: string;
  createdAt: string;
}

/** At most this many per account: each is a way in, and the login check reads them all. */
const MAX_APP_PASSWORDS = 50;

/** A refusal the CLI prints as one line and exits 1 for. */
export class AdminError extends Error {
  readonly code: string;
  constructor(code: string, message: string) {
    super(message);
    this.code = code;
    this.name = 'AdminError';
  }
}

/**
 * Every administrative operation, with its validation. The CLI calls it directly
 * when no server runs, and through the control socket when one does, so both
 * paths behave identically.
 */
export class AdminService {
  readonly #store: Store;
  readonly #settings: AdminSettings;
  /** Present in the running server; without it (CLI, no server) certificates are read and written in the store only. */
  readonly #certificates: CertificateManager | undefined;

  readonly #status: StatusSource | null;

  readonly #queue: OutboundQueue;

  readonly #scripts: StoredScripts;
  readonly #spam: SpamFilter | undefined;

  /** `spam train`, `status`, `forget` and the sender lists. */
  readonly #spamAdmin: SpamAdmin;
  readonly #reports: ReportSender | undefined;

  /** For what goes wrong beside an answer (a DKIM key that fails to sign): stderr, warnings and up. */
  readonly #log = pino({ level: 'warn' }, pino.destination(2));

  /**
   * `status`, `queue` and `certificates` are the running server's. Without them (the CLI on a
   * stopped server) `status` is refused, queue commands work on the store alone, and
   * certificates are read and written in the store only.
   */
  constructor(
    store: Store,
    settings: AdminSettings,
    opts: { status?: StatusSource; queue?: OutboundQueue; certificates?: CertificateManager; spam?: SpamFilter; reports?: ReportSender } = {},
  ) {
    this.#store = store;
    this.#settings = settings;
    this.#status = opts.status ?? null;
    this.#certificates = opts.certificates;
    this.#queue = opts.queue ?? new OutboundQueue(store);
    this.#scripts = new StoredScripts(store, settings.sieveScripts);
    // Without a server (the CLI on the store) the filter runs here, without DNS lookups, its errors on stderr.
    this.#spam = opts.spam ?? (settings.spam.enabled ? new SpamFilter(store, settings.spam, null, pino({ level: 'error' }, pino.destination(2))) : undefined);
    this.#spamAdmin = new SpamAdmin(store);
    this.#reports = opts.reports;
  }

  /** `reports send`: the aggregate reports recorded so far, through the running server's queue; with `now`, today's too. */
  async reportsSend(p: { now?: boolean }): Promise<ReportOutcome[]> {
    if (!this.#reports) throw new AdminError('invalid', 'reports are sent by the running server (`mailfold serve`), with [reports] enabled');
    return this.#reports.send(p.now === true);
  }

  // Sieve scripts and vacation (admin/sieve.ts), through the script service ManageSieve uses.
  async sieveList(p: { address: string }): Promise<ScriptEntry[]> {
    return sieve.listScripts(this.#scripts, await this.#account(p.address));
  }

  async sieveShow(p: { address: string; name: string }): Promise<{ name: string; content: string }> {
    return sieve.showScript(this.#scripts, await this.#account(p.address), p.name);
  }

  async sievePut(p: { address: string; name: string; activate?: boolean }, content: Buffer): Promise<ScriptEntry> {
    return sieve.putScript(this.#scripts, await this.#account(p.address), p, content);
  }

  async sieveActivate(p: { address: string; name: string | null }): Promise<{ active: string | null }> {
    return sieve.activateScript(this.#scripts, await this.#account(p.address), p.name);
  }

  async sieveDelete(p: { address: string; name: string }): Promise<{ deleted: string }> {
    return sieve.deleteScript(this.#scripts, await this.#account(p.address), p.name);
  }

  async sieveCheck(p: { address?: string }, content: Buffer): Promise<{ valid: true }> {
    if (p.address !== undefined) await this.#account(p.address);
    return sieve.checkScript(this.#scripts, content);
  }

  async vacation(p: { address: string } & sieve.VacationParams): Promise<VacationState> {
    return sieve.vacation(this.#scripts, await this.#account(p.address), p);
  }

  async vacationShow(p: { address: string }): Promise<{ on: boolean; settings: Omit<VacationSettings, 'include'> | null }> {
    return sieve.vacationSettings(this.#scripts, await this.#account(p.address));
  }

  /** The account page's filter rules (sieve/filter-rules.ts). */
  async filterList(p: { address: string }): Promise<FilterState> {
    return sieve.filterList(this.#scripts, await this.#account(p.address));
  }

  async filterSet(p: { address: string; rules: FilterRule[] }): Promise<FilterState> {
    return sieve.filterSet(this.#scripts, await this.#account(p.address), p.rules);
  }

  async domainAdd(p: { name: string }): Promise<Domain> {
    return this.#store.addDomain(domainArg(p.name));
  }

  async domainList(): Promise<Domain[]> {
    return this.#store.listDomains();
  }

  async domainRemove(p: { name: string }): Promise<{ removed: string }> {
    const name = domainArg(p.name);
    await this.#store.removeDomain(name);
    return { removed: name };
  }

  async userAdd(p: { address: string; password: string; quotaBytes?: number; quotaMessages?: number; admin?: boolean }): Promise<AccountView> {
    const address = addressArg(p.address);
    this.#checkPassword(p.password, address);
    const account = await this.#store.addAccount({
      address,
      ...(await passwordRecord(p.password)),
      quotaBytes: quotaArg(p.quotaBytes ?? this.#settings.defaultQuotaBytes),
      quotaMessages: quotaArg(p.quotaMessages ?? this.#settings.defaultQuotaMessages),
      ...(p.admin === true ? { admin: true } : {}),
    });
    return this.#view(account);
  }

  /** Gives or takes the admin role. */
  async userAdmin(p: { address: string; admin: boolean }): Promise<AccountView> {
    const account = await this.#account(p.address);
    if (typeof p.admin !== 'boolean') throw new AdminError('invalid', 'admin must be true or false');
    return this.#view(await this.#store.updateAccount(account.address, { admin: p.admin }));
  }

  async userList(p: { domain?: string } = {}): Promise<AccountView[]> {
    const accounts = await this.#store.listAccounts(p.domain === undefined ? undefined : domainArg(p.domain));
    return Promise.all(accounts.map((a) => this.#view(a)));
  }

  async userShow(p: { address: string }): Promise<AccountView & { mailboxes: number }> {
    const account = await this.#account(p.address);
    const mailboxes = await this.#store.listMailboxes(account.id);
    return { ...(await this.#view(account)), mailboxes: mailboxes.length };
  }

  async userPasswd(p: { address: string; password: string }): Promise<AccountView> {
    const account = await this.#account(p.address);
    this.#checkPassword(p.password, account.address);
    return this.#view(await this.#store.updateAccount(account.address, await passwordRecord(p.password)));
  }

  async userDisable(p: { address: string }): Promise<AccountView> {
    const account = await this.#account(p.address);
    return this.#view(await this.#store.updateAccount(account.address, { disabled: true }));
  }

  async userEnable(p: { address: string }): Promise<AccountView> {
    const account = await this.#account(p.address);
    return this.#view(await this.#store.updateAccount(account.address, { disabled: false }));
  }

  async userRemove(p: { address: string }): Promise<{ removed: string }> {
    const account = await this.#account(p.address);
    await this.#store.removeAccount(account.address);
    return { removed: account.address };
  }

  async userQuota(p: { address: string; bytes?: number; messages?: number }): Promise<AccountView> {
    const account = await this.#account(p.address);
    const patch: Partial<Pick<Account, 'quotaBytes' | 'quotaMessages'>> = {};
    if (p.bytes !== undefined) patch.quotaBytes = quotaArg(p.bytes);
    if (p.messages !== undefined) patch.quotaMessages = quotaArg(p.messages);
    return this.#view(await this.#store.updateAccount(account.address, patch));
  }

  /** A new app password for a mail client: the password is in this answer only, the store keeps its hash. */
  async appPasswordAdd(p: { address: string; name: string }): Promise<AppPasswordView & { password: string }> {
    const account = await this.#account(p.address);
    const name = typeof p.name === 'string' ? p.name.trim() : '';
    if (name.length === 0 || name.length > 64 || /[\x00-\x1f\x7f]/.test(name)) {
      throw new AdminError('invalid', 'an app password needs a name of 1 to 64 characters, without control characters');
    }
    const existing = await this.#store.listAppPasswords(account.id);
    if (existing.length >= MAX_APP_PASSWORDS) throw new AdminError('limit', `an account has at most ${MAX_APP_PASSWORDS} app passwords; revoke one first`);
    if (existing.some((e) => e.name === name)) throw new AdminError('exists', `there is already an app password named ${JSON.stringify(name)}`);
    const password = generateAppPassword();
    const entry = { id: newAppPasswordId(), accountId: account.id, name, sha256: appPasswordHash(password), createdAt: Date.now() };
    await this.#store.addAppPassword(entry);
    return { id: entry.id, name, createdAt: new Date(entry.createdAt).toISOString(), password };
  }

  async appPasswordList(p: { address: string }): Promise<AppPasswordView[]> {
    const account = await this.#account(p.address);
    return (await this.#store.listAppPasswords(account.id)).map((e) => ({ id: e.id, name: e.name, createdAt: new Date(e.createdAt).toISOString() }));
  }

  async appPasswordRemove(p: { address: string; id: string }): Promise<{ removed: string }> {
    const account = await this.#account(p.address);
    if (typeof p.id !== 'string' || !/^[0-9a-f]{16}$/.test(p.id)) throw new AdminError('invalid', 'not an app password id');
    await this.#store.removeAppPassword(account.id, p.id);
    return { removed: p.id };
  }

  /** The last refused logins and web refusals this server saw, newest first. */
  async securityEvents(p: { limit?: number } = {}): Promise<SecurityEvent[]> {
    if (!this.#status) throw new AdminError('not-running', 'the server is not running');
    const limit = typeof p.limit === 'number' && Number.isSafeInteger(p.limit) && p.limit > 0 ? p.limit : undefined;
    return securityEvents.recent(limit);
  }

  async aliasAdd(p: { address: string; targets: string[] }): Promise<Alias> {
    const address = p.address.startsWith('@') ? `@${domainArg(p.address.slice(1))}` : addressArg(p.address);
    if (!Array.isArray(p.targets) || p.targets.length === 0) throw new AdminError('invalid', 'an alias needs at least one target address');
    const targets = [...new Set(p.targets.map(addressArg))];
    if (targets.includes(address)) throw new AdminError('invalid', `alias ${address} cannot point to itself`);
    // A catch-all is the alias of `@domain`, as in Postfix's virtual maps.
    return this.#store.addAlias(address, targets);
  }

  async aliasList(p: { domain?: string } = {}): Promise<Alias[]> {
    return this.#store.listAliases(p.domain === undefined ? undefined : domainArg(p.domain));
  }

  async aliasRemove(p: { address: string }): Promise<{ removed: string }> {
    const address = p.address.startsWith('@') ? `@${domainArg(p.address.slice(1))}` : addressArg(p.address);
    await this.#store.removeAlias(address);
    return { removed: address };
  }

  async mailboxList(p: { address: string }): Promise<MailboxView[]> {
    const account = await this.#account(p.address);
    const mailboxes = await this.#store.listMailboxes(account.id);
    return mailboxes
      .map(({ name, specialUse, subscribed, messages, unseen, size, uidValidity, uidNext }) => ({
        name, specialUse, subscribed, messages, unseen, size, uidValidity, uidNext,
      }))
      .sort((a, b) => (a.name === 'INBOX' ? -1 : b.name === 'INBOX' ? 1 : a.name.localeCompare(b.name)));
  }

  /** `filter: false` (`--no-filter`) skips the spam verdict. */
  async deliver(p: { from: string; to: string[]; mailbox?: string; filter?: boolean }, raw: Buffer): Promise<RecipientReport[]> {
    const from = p.from === '' ? '' : addressArg(p.from);
    if (!Array.isArray(p.to) || p.to.length === 0) throw new AdminError('invalid', 'at least one recipient (--to) is required');
    if (raw.length > this.#settings.messageSizeLimit) {
      throw new AdminError('too-large', `the message is ${raw.length} bytes; the limit (limits.message_size) is ${this.#settings.messageSizeLimit}`);
    }
    const spam = this.#spam && p.filter !== false ? this.#spam : undefined;
    // Judged here, the X-Spam-* fields that came with the message give way to ours (as on LMTP).
    const message = spam ? withoutFields(raw, claimingToBeUs(splitHeader(raw), this.#settings.hostname, { trace: false, verdicts: true })) : raw;
    return acceptMessage(this.#queue, {
      from,
      recipients: p.to,
      raw: message,
      mailbox: p.mailbox,
      subaddressSeparator: this.#settings.subaddressSeparator,
      // Replies a script makes (vacation, reject as MDN) are signed as the SMTP path signs them.
      sieve: { atData: false, hostname: this.#settings.hostname, sign: (unsigned, author) => dkimSignatures(this.#store, unsigned, author, this.#log) },
      ...(spam ? { spam: spam.check(message, { from }) } : {}),
    });
  }

  // Spam filter (issue 15): spam/admin in admin/spam-admin.ts.

  async spamTrain(p: { address: string; verdicts: unknown[]; sizes: unknown[] }, body: Buffer = Buffer.alloc(0)): Promise<LearnOutcome> {
    return this.#spamAdmin.train(await this.#account(p.address), p.verdicts, p.sizes, body);
  }

  async spamStatus(p: { address: string }): Promise<SpamStatus> {
    return this.#spamAdmin.status(await this.#account(p.address));
  }

  async spamForget(p: { address: string }): Promise<SpamStatus> {
    return this.#spamAdmin.forget(await this.#account(p.address));
  }

  async spamSetList(p: { address: string; sender: string; list: SenderList | null }): Promise<SenderListEntry[]> {
    return this.#spamAdmin.setList(await this.#account(p.address), p.sender, p.list);
  }

  async spamLists(p: { address: string }): Promise<SenderListEntry[]> {
    return this.#store.listSenderEntries((await this.#account(p.address)).id);
  }

  async queueList(): Promise<QueueEntry[]> {
    return this.#queue.list();
  }

  async queueShow(p: { id: string }): Promise<QueueEntry> {
    return this.#queue.show(p.id);
  }

  /** Makes a message's pending recipients due now. */
  async queueRetry(p: { id: string }): Promise<QueueEntry> {
    return this.#queue.retry(p.id);
  }

  /** Removes a message from the queue without a report to its sender. */
  async queueDelete(p: { id: string }): Promise<{ removed: string }> {
    await this.#queue.remove(p.id);
    return { removed: p.id };
  }

  /** Holds one message, or with `all` every one not held yet: the ids newly held. */
  async queueHold(p: { id?: string; all?: boolean }): Promise<{ held: string[] }> {
    return { held: await this.#eachQueued(p, (e) => e.heldAt === undefined, (id) => this.#queue.hold(id)) };
  }

  /** Releases one held message, or with `all` every held one: the ids released, now due. */
  async queueRelease(p: { id?: string; all?: boolean }): Promise<{ released: string[] }> {
    return { released: await this.#eachQueued(p, (e) => e.heldAt !== undefined, (id) => this.#queue.unhold(id)) };
  }

  /** `change` on the entry named, or on every entry, where `wants` it: the ids changed. */
  async #eachQueued(p: { id?: string; all?: boolean }, wants: (e: QueueEntry) => boolean, change: (id: string) => Promise<QueueEntry>): Promise<string[]> {
    if ((p.id === undefined) === (p.all !== true)) throw new StoreError('invalid', 'name one queued message, or all');
    const targets = p.id === undefined ? await this.#queue.list() : [await this.#queue.show(p.id)];
    const changed: string[] = [];
    for (const e of targets.filter(wants)) {
      try {
        await change(e.id);
        changed.push(e.id);
      } catch (err) {
        // With `all`, an entry that left the queue meanwhile is simply not there any more.
        if (p.id !== undefined || !(err instanceof StoreError && err.code === 'not-found')) throw err;
      }
    }
    return changed;
  }

  /** Makes every pending recipient not held due now. */
  async queueFlush(): Promise<{ entries: number }> {
    return { entries: await this.#queue.flush() };
  }

  /** New Ed25519 and RSA keys for a local domain; their records are what `dkim show` prints. */
  async dkimGenerate(p: { domain: string; suffix?: string }): Promise<DkimDnsRecord[]> {
    const domain = await this.#localDomain(p.domain);
    const suffix = p.suffix ?? defaultSuffix(new Date());
    if (typeof suffix !== 'string' || !/^[a-z0-9](?:[a-z0-9-]{0,40}[a-z0-9])?$/.test(suffix)) {
      throw new AdminError('invalid', `a selector suffix is lower-case letters, digits and inner hyphens, got ${JSON.stringify(suffix)}`);
    }
    await this.#store.addDkimKeys(domain, await generateDkimKeys(domain, suffix));
    return this.dkimShow({ domain });
  }

  async dkimShow(p: { domain: string }): Promise<DkimDnsRecord[]> {
    const domain = await this.#localDomain(p.domain);
    const keys = await this.#store.listDkimKeys(domain);
    const active = new Set(signingKeys(keys));
    return keys.map((key) => dnsRecord(key, active.has(key)));
  }

  async dkimRemove(p: { domain: string; selector: string }): Promise<{ removed: string }> {
    const domain = await this.#localDomain(p.domain);
    if (typeof p.selector !== 'string') throw new AdminError('invalid', 'a selector is required');
    await this.#store.removeDkimKey(domain, p.selector);
    return { removed: `${p.selector}._domainkey.${domain}` };
  }

  async storeCheck(p: { repair?: boolean } = {}): Promise<CheckProblem[]> {
    return this.#store.check({ repair: p.repair === true });
  }

  async status(): Promise<ServerStatus> {
    if (!this.#status) throw new AdminError('not-running', 'the server is not running');
    const [status, queue, certificate] = await Promise.all([collectStatus(this.#status), this.#queue.list(), this.certStatus()]);
    return { ...status, queued: queue.length, certificate: { source: certificate.source, notAfter: certificate.notAfter } };
  }

  async certStatus(): Promise<CertificateStatus> {
    if (this.#certificates) return this.#certificates.status();
    const stored = await this.#store.getCertificate(this.#settings.hostname);
    if (!stored) throw new AdminError('not-found', `no certificate for ${this.#settings.hostname} yet; \`mailfold serve\` makes one at its first start`);
    const state = await this.#store.getAcmeState();
    return { ...describe(this.#settings.hostname, stored), ...(state ? { acme: state } : {}) };
  }

  async certRenew(): Promise<CertificateStatus> {
    if (!this.#certificates) throw new AdminError('unavailable', 'cert renew needs the running server (`mailfold serve`), which answers the CA\'s challenges');
    try {
      return await this.#certificates.renew();
    } catch (err) {
      throw new AdminError('failed', `renewal failed: ${(err as Error).message}`);
    }
  }

  /** A PEM certificate (with its chain) and key: checked, kept, and served from the next handshake. */
  async certImport(p: { certPem: string; keyPem: string }): Promise<CertificateStatus> {
    if (typeof p.certPem !== 'string' || typeof p.keyPem !== 'string') throw new AdminError('invalid', 'a PEM certificate and key are required');
    let checked;
    try {
      checked = checkPemPair(p.certPem, p.keyPem);
    } catch (err) {
      throw new AdminError('invalid', (err as Error).message);
    }
    if (this.#certificates) return this.#certificates.import(checked);
    await this.#store.putCertificate(this.#settings.hostname, checked);
    return describe(this.#settings.hostname, checked);
  }

  /**
   * Streams every record of the store, as of now, to the caller (`mailfold backup`,
   * issue 17), which writes the backup file. Deliveries go on meanwhile.
   */
  async backupRecords(_p: unknown, _body?: Buffer, context: CallContext = {}): Promise<{ records: number }> {
    if (!context.send) throw new AdminError('invalid', 'backupRecords streams its answer: call it with a receiver');
    const snapshot = await this.#store.exportRecords();
    try {
      return await sendSnapshot(snapshot, context.send, context.signal);
    } finally {
      await snapshot.close();
    }
  }

  // Import and export (transfer/): the CLI streams messages through these in batches.

  async importMailbox(p: { address: string; name: string; specialUse: string | null }): Promise<{ name: string }> {
    const account = await this.#account(p.address);
    return { name: await transferCall(() => importMailbox(this.#store, account, p.name, p.specialUse ?? null)) };
  }

  async importSeen(p: { address: string; marks: string[] }): Promise<boolean[]> {
    const account = await this.#account(p.address);
    if (!Array.isArray(p.marks)) throw new AdminError('invalid', 'marks must be a list');
    return this.#store.importedMarks(account.id, p.marks);
  }

  async importWrite(p: { address: string; mailbox: string; messages: ImportedMessage[] }, body: Buffer): Promise<{ written: number }> {
    const account = await this.#account(p.address);
    return { written: await transferCall(() => importWrite(this.#store, account, p.mailbox, p.messages, body)) };
  }

  async exportMailboxes(p: { address: string; mailbox?: string }): Promise<ExportedMailbox[]> {
    const account = await this.#account(p.address);
    return transferCall(() => exportMailboxes(this.#store, account, p.mailbox));
  }

  async exportList(p: { address: string; mailbox: string }): Promise<ExportedMessage[]> {
    const account = await this.#account(p.address);
    return transferCall(() => exportList(this.#store, account, p.mailbox));
  }

  async exportRead(p: { address: string; mailbox: string; uids: number[] }): Promise<{ uid: number; data: string }[]> {
    const account = await this.#account(p.address);
    return transferCall(() => exportRead(this.#store, account, p.mailbox, p.uids));
  }

  async #localDomain(input: string): Promise<string> {
    const domain = domainArg(input);
    if (!(await this.#store.getDomain(domain))) throw new AdminError('not-found', `no such domain: ${domain} (add it with \`mailfold domain add ${domain}\`)`);
    return domain;
  }

  async #account(input: string): Promise<Account> {
    const address = addressArg(input);
    const account = await this.#store.getAccount(address);
    if (!account) throw new AdminError('not-found', `no such account: ${address}`);
    return account;
  }

  async #view(account: Account): Promise<AccountView> {
    const usage = await this.#store.accountUsage(account.id);
    return {
      address: account.address,
      disabled: account.disabled,
      admin: account.admin === true,
      quotaBytes: account.quotaBytes,
      quotaMessages: account.quotaMessages,
      usedBytes: usage.bytes,
      usedMessages: usage.messages,
      createdAt: new Date(account.createdAt).toISOString(),
      mechanisms: account.scram ? ['PLAIN', 'LOGIN', 'SCRAM-SHA-256', 'SCRAM-SHA-256-PLUS'] : ['PLAIN', 'LOGIN'],
    };
  }

  #checkPassword(password: unknown, address: string): void {
    if (typeof password !== 'string') throw new AdminError('invalid', 'a password is required');
    const problem = passwordProblem(password, address, this.#settings.minPasswordLength);
    if (problem) throw new AdminError('weak-password', problem);
  }
}

/** An import or export refusal (bad batch, quota, missing mailbox) as one line for the CLI. */
async function transferCall<T>(fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    if (err instanceof AdminError || err instanceof StoreError) throw err;
    throw new AdminError('failed', (err as Error).message);
  }
}

function domainArg(input: unknown): string {
  const domain = typeof input === 'string' ? normalizeDomain(input) : null;
  if (!domain || !domain.includes('.')) throw new AdminError('invalid', `not a valid domain name: ${JSON.stringify(input)}`);
  return domain;
}

function addressArg(input: unknown): string {
  const address = typeof input === 'string' ? normalizeAddress(input) : null;
  if (!address) throw new AdminError('invalid', `not a valid address: ${JSON.stringify(input)}`);
  return address;
}

function quotaArg(value: unknown): number {
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 0) {
    throw new AdminError('invalid', `a quota must be a whole number of 0 (unlimited) or more, got ${JSON.stringify(value)}`);
  }
  return value;
}
