import { randomBytes } from 'node:crypto';
import { promisify } from 'node:util';
import { gzip } from 'node:zlib';
import { parseAddress } from '../delivery/address.ts';
import { barePostmasterAddress } from '../delivery/role-address.ts';
import type { Logger } from '../log/logger.ts';
import type { DnsResolve } from '../net/dns.ts';
import { acceptMessage } from '../queue/accept.ts';
import type { OutboundQueue } from '../queue/outbound.ts';
import type { Directory, ReportCount, ReportKind, ReportLog } from '../store/types.ts';
import { dmarcXml, type DmarcRow } from './dmarc.ts';
import { composeReportMail } from './message.ts';
import { DAY_MS, dayOf } from './recorder.ts';
import { mayReportTo, ruaAddresses, type ReportAddress } from './rua.ts';
import { tlsReportJson, type TlsRow } from './tlsrpt.ts';

const gzipped = promisify(gzip);

/** Every header field of a report (message.ts), TLS-RPT's own ones included, is signed. */
const SIGNED_FIELDS = ['From', 'To', 'Subject', 'Date', 'Message-ID', 'TLS-Report-Domain', 'TLS-Report-Submitter', 'Auto-Submitted', 'MIME-Version', 'Content-Type'];

export interface ReportSenderSettings {
  store: ReportLog & Directory;
  queue: OutboundQueue;
  resolve: DnsResolve;
  /** DKIM-Signature fields for a message from `author`, signing `fields` (smtp/dkim-sign.ts). */
  sign: (raw: Buffer, author: string, fields: string[]) => Promise<string>;
  /** `[reports] org_name`; absent: the submitter's domain. */
  orgName?: string;
  /** `[reports] from`; absent: postmaster of the oldest local domain. */
  from?: string;
  subaddressSeparator: string;
  hostname: string;
  log: Logger;
}

/** What one run did for one domain's period. */
export interface ReportOutcome {
  kind: ReportKind;
  domain: string;
  /** The period's first day, as YYYY-MM-DD. */
  day: string;
  /** Where it went; empty when it went nowhere, `skipped` says why. */
  to: string[];
  skipped?: string;
}

/** How often the job looks for finished periods: a report goes out within the hour after its day ends. */
const CHECK_MS = 60 * 60_000;
/** Days a report that could not be queued is tried again. */
const RETRY_DAYS = 2;

const dayName = (period: number): string => new Date(period * DAY_MS).toISOString().slice(0, 10);

function parseRows<T>(rows: ReportCount[]): { row: T; count: number }[] {
  return rows.flatMap((r) => {
    try {
      return [{ row: JSON.parse(r.row) as T, count: r.count }];
    } catch {
      return [];
    }
  });
}

/**
 * Sends the aggregate reports of finished periods, once a day, through the queue
 * (DKIM-signed, as submitted mail is): DMARC to the rua of the domains whose mail the MX
 * checked, TLS-RPT to the rua of the domains the queue delivered to. A period's counts
 * are dropped once its report is queued, or when it has nowhere to go, so that every
 * domain gets at most one report per period.
 */
export class ReportSender {
  readonly #s: ReportSenderSettings;
  #timer: NodeJS.Timeout | undefined;
  #running: Promise<ReportOutcome[]> | null = null;

  constructor(settings: ReportSenderSettings) {
    this.#s = settings;
  }

  /** The daily job: a look every hour, which finds nothing to do on most. */
  start(): void {
    const tick = () => {
      this.send(false).catch((err: unknown) => this.#s.log.error({ err }, 'sending reports failed'));
    };
    this.#timer = setInterval(tick, CHECK_MS);
    this.#timer.unref();
    tick();
  }

  async close(): Promise<void> {
    clearInterval(this.#timer);
    await this.#running?.catch(() => {});
  }

  /** Sends what finished periods hold; with `now`, today's counts so far as well (`mailfold reports send --now`). */
  send(now: boolean): Promise<ReportOutcome[]> {
    // One run at a time: two would send one period twice.
    const run = (this.#running ?? Promise.resolve([])).catch(() => []).then(() => this.#sendAll(now));
    this.#running = run;
    return run;
  }

  async #sendAll(now: boolean): Promise<ReportOutcome[]> {
    const { store } = this.#s;
    const before = dayOf(Date.now()) + (now ? 1 : 0);
    const due = [
      ...(await store.reportPeriods('dmarc', before)).map((p) => ({ kind: 'dmarc' as const, ...p })),
      ...(await store.reportPeriods('tls', before)).map((p) => ({ kind: 'tls' as const, ...p })),
    ];
    if (due.length === 0) return [];
    const from = this.#s.from ?? (await barePostmasterAddress(store));
    const submitter = from ? parseAddress(from)?.domain : undefined;
    if (!from || !submitter) {
      this.#s.log.warn('reports not sent: no local domain to send them from');
      return [];
    }
    const local = new Set((await store.listDomains()).map((d) => d.name));
    const outcomes: ReportOutcome[] = [];
    for (const { kind, period, domain } of due) {
      let failed = false;
      const outcome = await this.#one(kind, period, domain, { from, submitter, local }).catch((err: unknown): ReportOutcome => {
        failed = true;
        return { kind, domain, day: dayName(period), to: [], skipped: `error: ${(err as Error).message}` };
      });
      // A failure (the store, the queue) is tried again at the next look, for two days.
      if (!failed || period < before - RETRY_DAYS) await store.dropReport(kind, period, domain);
      this.#s.log.info({ ...outcome }, outcome.to.length > 0 ? 'report sent' : 'report not sent');
      outcomes.push(outcome);
    }
    return outcomes;
  }

  async #one(kind: ReportKind, period: number, domain: string, who: { from: string; submitter: string; local: Set<string> }): Promise<ReportOutcome> {
    const base = { kind, domain, day: dayName(period) };
    // Nothing is reported to ourselves: our own domains' mail did not cross the Internet here.
    if (who.local.has(domain)) return { ...base, to: [], skipped: 'a local domain' };
    const rows = await this.#s.store.reportRows(kind, period, domain);
    const start = period * DAY_MS;
    const end = Math.min(start + DAY_MS, Date.now());
    const reportId = `${dayName(period)}.${randomBytes(6).toString('hex')}@${who.submitter}`;
    const orgName = this.#s.orgName ?? who.submitter;
    let destinations: ReportAddress[];
    let content: string;
    if (kind === 'dmarc') {
      const parsed = parseRows<DmarcRow>(rows);
      if (parsed.length === 0) return { ...base, to: [], skipped: 'nothing recorded' };
      const policy = parsed.at(-1)!.row.policy;
      destinations = [];
      for (const d of ruaAddresses(policy.rua, true)) {
        if (await mayReportTo(this.#s.resolve, policy.domain, policy.org, d.address)) destinations.push(d);
      }
      content = dmarcXml({ orgName, email: who.from, reportId, begin: Math.floor(start / 1000), end: Math.floor(end / 1000) }, parsed);
    } else {
      const parsed = parseRows<TlsRow>(rows);
      if (parsed.length === 0) return { ...base, to: [], skipped: 'nothing recorded' };
      destinations = ruaAddresses(await this.#tlsRua(domain), false);
      content = tlsReportJson({ orgName, contact: `mailto:${who.from}`, reportId, start, end }, domain, parsed);
    }
    destinations = destinations.filter((d) => !who.local.has(d.address.slice(d.address.lastIndexOf('@') + 1)));
    if (destinations.length === 0) return { ...base, to: [], skipped: 'no rua this server may send to' };
    const range = `${Math.floor(start / 1000)}!${Math.floor(end / 1000)}`;
    const fileName = `${who.submitter}!${domain}!${range}!${reportId.slice(0, reportId.indexOf('@'))}.${kind === 'dmarc' ? 'xml' : 'json'}.gz`;
    const unsigned = composeReportMail({
      kind,
      from: who.from,
      to: destinations.map((d) => d.address),
      domain,
      submitter: who.submitter,
      reportId,
      fileName,
      gzip: await gzipped(content),
      date: Date.now(),
      messageId: `${randomBytes(12).toString('hex')}@${this.#s.hostname}`,
      boundary: `=_mailfold_${randomBytes(12).toString('hex')}`,
    });
    const raw = Buffer.concat([Buffer.from(await this.#s.sign(unsigned, who.from, SIGNED_FIELDS)), unsigned]);
    // RFC 7489 section 6.2: a destination whose size limit the report passes is not sent to.
    const fits = destinations.filter((d) => d.maxBytes === undefined || raw.length <= d.maxBytes);
    if (fits.length === 0) return { ...base, to: [], skipped: `larger than the size limit of every rua (${raw.length} bytes)` };
    const to = fits.map((d) => d.address);
    await acceptMessage(this.#s.queue, { from: who.from, recipients: to, raw, subaddressSeparator: this.#s.subaddressSeparator });
    return { ...base, to };
  }

  /** The rua of a domain's TLS-RPT record (RFC 8460 section 3), or undefined without one. */
  async #tlsRua(domain: string): Promise<string | undefined> {
    try {
      const records = (await this.#s.resolve(`_smtp._tls.${domain}`, 'TXT')) as string[][];
      const record = records.map((s) => s.join('')).filter((t) => /^v=TLSRPTv1\s*(;|$)/i.test(t));
      // Two records are no record (RFC 8460 section 3).
      if (record.length !== 1) return undefined;
      return /(?:^|;)\s*rua\s*=\s*([^;]*)/i.exec(record[0]!)?.[1]?.trim();
    } catch {
      return undefined;
    }
  }
}
