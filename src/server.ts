import type { AddressInfo, Server } from 'node:net';
import { AdminService, type AdminSettings } from './admin/service.ts';
import type { StatusSource } from './admin/status.ts';
import { startControlServer } from './admin/control-server.ts';
import { AuthThrottle } from './auth/throttle.ts';
import { VerifiedLogins } from './auth/verified-logins.ts';
import type { Config, ListenerName } from './config/index.ts';
import type { Logger } from './log/logger.ts';
import { ConnectionLimit } from './net/connection-limit.ts';
import { createResolver } from './net/dns.ts';
import { startImap, type ImapService } from './imap/server.ts';
import { startPop3, type Pop3Service } from './pop3/server.ts';
import { startManageSieve, type ManageSieveService } from './sieve/managesieve/server.ts';
import { StoredScripts } from './sieve/script-service.ts';
import { OutboundQueue } from './queue/outbound.ts';
import { startQueueRunner, type QueueRunner } from './queue/runner.ts';
import { runnerSettings } from './queue/settings.ts';
import { SendRate } from './smtp/send-rate.ts';
import { RecipientGuard } from './smtp/recipient-guard.ts';
import { startSmtp, type SmtpService } from './smtp/server.ts';
import { openLevelStore } from './store/level/store.ts';
import { migrationLines, type MigrationSink } from './store/migration-progress.ts';
import { openPostgresStore, type PostgresOptions } from './store/postgres/store.ts';
import { privateDataDir } from './store/data-dir.ts';
import type { Store } from './store/types.ts';
import { VERSION } from './version.ts';
import { startHttp, type HttpService } from './http/server.ts';
import { mailServices } from './net/services.ts';
import { directoryUrl } from './tls/acme.ts';
import { AcmeChallenges } from './tls/challenges.ts';
import { CertificateManager } from './tls/manager.ts';
import { webHandler } from './web/router.ts';
import { SessionStore } from './web/session.ts';
import { sandboxedConfig, startSandbox, type Sandbox } from './sandbox/mode.ts';
import { SpamFilter } from './spam/filter.ts';
import { Greylist } from './spam/greylist.ts';
import { greylistSettings, spamSettings } from './spam/settings.ts';
import { ReportRecorder } from './reports/recorder.ts';
import { ReportSender } from './reports/sender.ts';
import { dkimSignatures } from './smtp/dkim-sign.ts';

export interface RunningServer {
  store: Store;
  /** The outbound queue (tests flush it and watch its 'change' events). */
  queue: OutboundQueue;
  /** Where each enabled listener is bound (tests configure port 0 and read the port here). */
  listeners: Partial<Record<ListenerName, AddressInfo>>;
  /** The LMTP port, or its unix socket path, when LMTP is enabled. */
  lmtp?: AddressInfo | string;
  certificates: CertificateManager;
  /** SIGHUP: re-reads what can change without a restart (the certificate files, or the stored certificate another node renewed). */
  reload(): Promise<void>;
  close(): Promise<void>;
}

export function adminSettings(config: Config): AdminSettings {
  return {
    minPasswordLength: config.auth.min_password_length,
    subaddressSeparator: config.delivery.subaddress_separator,
    defaultQuotaBytes: config.delivery.default_quota_bytes,
    defaultQuotaMessages: config.delivery.default_quota_messages,
    messageSizeLimit: config.limits.message_size,
    hostname: config.hostname,
    sieveScripts: { maxScripts: config.managesieve.max_scripts, maxScriptBytes: config.managesieve.max_script_size },
    spam: spamSettings(config),
  };
}

/** The configured certificate files, or ACME's settings when it is on. */
function certificateSource(config: Config, challenges: AcmeChallenges) {
  const { tls, acme } = config;
  return {
    ...(tls.cert_file && tls.key_file ? { files: { cert: tls.cert_file, key: tls.key_file } } : {}),
    ...(acme.enabled
      ? {
          acme: {
            challenges,
            settings: {
              directoryUrl: directoryUrl(acme.directory),
              challenge: acme.challenge,
              ...(acme.email ? { email: acme.email } : {}),
              ...(acme.eab_kid && acme.eab_hmac_key ? { eab: { kid: acme.eab_kid, hmacKey: acme.eab_hmac_key } } : {}),
              ...(acme.ca_file ? { caFile: acme.ca_file } : {}),
              // DANE-EE records name the key: renewals keep it while DANE is on.
              ...(config.smtp.dane.enabled ? { keepKey: true } : {}),
            },
          },
        }
      : {}),
  };
}

/** The one place a store is opened from the config: the server, the CLI and `init` all come here.
 * A LevelDB store of an older layout is migrated first, its progress told to `onMigration`. */
export async function openStore({ store, data_dir, imap }: Config, onMigration?: MigrationSink): Promise<Store> {
  if (store.backend === 'level') return openLevelStore(data_dir, { sync: store.sync, chunkSize: store.chunk_size, maxKeywords: imap.max_keywords }, onMigration);
  // No mail here, but the control socket is, and whoever may reach it may administer the server.
  privateDataDir(data_dir);
  return openPostgresStore({ ...postgresOptions(store), maxKeywords: imap.max_keywords });
}

export const postgresOptions = (store: Config['store']): PostgresOptions => ({
  url: store.url!,
  poolSize: store.pool_size,
  tls: { mode: store.tls, ...(store.ca_file ? { caFile: store.ca_file } : {}) },
  chunkSize: store.chunk_size,
});

/** The composition root: builds every part from the config and starts it. */
export async function startServer(given: Config, log: Logger): Promise<RunningServer> {
  const config = sandboxedConfig(given);
  // An older store is migrated before anything listens, with a line in the log as it goes.
  const store = await openStore(config, migrationLines((line, p) => log.info({ step: p.id, done: p.done, total: p.total }, line)));
  log.info({ dataDir: config.data_dir, configFile: config.config_file, backend: config.store.backend }, 'store open');
  const connections = new ConnectionLimit(config.limits.connections_per_ip, config.limits.connections_per_listener);
  const bound: Record<string, string> = {};
  const status: StatusSource = {
    hostname: config.hostname,
    configFile: config.config_file,
    dataDir: config.data_dir,
    startedAt: new Date(),
    version: VERSION,
    connections: () => connections.open,
    listeners: () => ({ ...bound }),
  };
  const queue = new OutboundQueue(store);
  // Spam (issue 15): one filter for the MX, LMTP and `mailfold deliver`; its DNSBL lookups share the MX's resolver.
  const resolve = createResolver({ servers: config.dns.servers });
  const spam = config.spam.enabled ? new SpamFilter(store, spamSettings(config), resolve, log.child({ proto: 'spam' })) : undefined;
  // Aggregate reports (DMARC, TLS-RPT): the MX and the queue record, the sender mails them once a day.
  const reportLog = log.child({ proto: 'reports' });
  const recorder = config.reports.enabled ? new ReportRecorder(store, reportLog) : undefined;
  const reports = config.reports.enabled
    ? new ReportSender({
        store,
        queue,
        resolve,
        sign: (raw, author, fields) => dkimSignatures(store, raw, author, reportLog, fields),
        ...(config.reports.org_name ? { orgName: config.reports.org_name } : {}),
        ...(config.reports.from ? { from: config.reports.from } : {}),
        subaddressSeparator: config.delivery.subaddress_separator,
        hostname: config.hostname,
        log: reportLog,
      })
    : undefined;
  let control: Server;
  let certificates: CertificateManager;
  const challenges = new AcmeChallenges(store);
  try {
    // One certificate for every listener, made at the first start.
    certificates = await CertificateManager.start({ store, log, hostname: config.hostname, autodiscover: config.listeners.https.enabled, ...certificateSource(config, challenges) });
  } catch (err) {
    await store.close();
    throw err;
  }
  // One AdminService for the CLI's control socket and the web interface: both act the same way.
  const admin = new AdminService(store, adminSettings(config), { status, queue, certificates, spam, ...(reports ? { reports } : {}) });
  try {
    control = await startControlServer(config.data_dir, admin, log, config.limits.message_size);
  } catch (err) {
    certificates.close();
    await store.close();
    throw err;
  }
  const closeControl = () => new Promise<void>((resolve) => control.close(() => resolve()));
  // Shared by every protocol: failures and connections count per IP whichever port they use.
  const throttle = new AuthThrottle(
    {
      maxFailures: config.auth.throttle_max_failures,
      ipMaxFailures: config.auth.throttle_ip_max_failures,
      windowSeconds: config.auth.throttle_window_seconds,
    },
    Date.now,
    // PostgreSQL: the nodes count together; with LevelDB this process is the only one, and counts alone.
    config.store.backend === 'postgres' ? store : null,
  );
  const verified = new VerifiedLogins({ ttlSeconds: config.auth.cache_ttl });
  const tls = certificates.provider;
  let pop3: Pop3Service | null = null;
  let imap: ImapService | null = null;
  let smtp: SmtpService | null = null;
  let http: HttpService | null = null;
  let managesieve: ManageSieveService | null = null;
  let runner: QueueRunner | null = null;
  let sandbox: Sandbox | null = null;
  try {
    if (config.sandbox.enabled) sandbox = await startSandbox(config, store, log.child({ proto: 'sandbox' }));
    const { smtp: mx, submission, submissions } = config.listeners;
    if (mx.enabled || submission.enabled || submissions.enabled || config.lmtp.enabled) {
      smtp = await startSmtp({
        store,
        queue,
        log,
        tls,
        throttle,
        verified,
        connections,
        hostname: config.hostname,
        messageSize: config.limits.message_size,
        lineLength: config.limits.line_length,
        deadlines: { command: config.smtp.command_timeout, preMail: config.smtp.pre_mail_timeout },
        maxRecipients: config.limits.recipients,
        subaddressSeparator: config.delivery.subaddress_separator,
        plaintextOnLoopback: config.auth.plaintext_on_loopback,
        listeners: { smtp: mx, submission, submissions },
        lmtp: config.lmtp,
        resolve,
        dmarc: config.dmarc,
        spam,
        greylist: new Greylist(store, greylistSettings(config)),
        sendRate: new SendRate({
          messagesPerHour: config.submission_limits.messages_per_hour,
          recipientsPerHour: config.submission_limits.recipients_per_hour,
        }, store),
        recipientGuard: new RecipientGuard({
          perSession: config.limits.failed_recipients_per_session,
          perIp: config.limits.failed_recipients_per_ip,
          windowSeconds: config.limits.failed_recipients_window,
        }),
        ...(sandbox ? { sandbox: sandbox.account } : {}),
        ...(recorder ? { reports: recorder } : {}),
      });
    }
    const { pop3: plain, pop3s } = config.listeners;
    if (plain.enabled || pop3s.enabled) {
      pop3 = await startPop3({
        store,
        log,
        tls,
        throttle,
        verified,
        connections,
        listeners: { pop3: plain, pop3s },
        plaintextOnLoopback: config.auth.plaintext_on_loopback,
        loginTimeoutSeconds: config.limits.login_timeout,
      });
    }
    const { imap: imapPlain, imaps } = config.listeners;
    if (imapPlain.enabled || imaps.enabled) {
      imap = await startImap({
        store,
        log,
        tls,
        throttle,
        verified,
        connections,
        listeners: { imap: imapPlain, imaps },
        plaintextOnLoopback: config.auth.plaintext_on_loopback,
        limits: {
          lineLength: config.limits.line_length,
          messageSize: config.limits.message_size,
          connectionsPerAccount: config.limits.imap_connections_per_account,
          loginTimeoutSeconds: config.limits.login_timeout,
          searchCost: config.imap.search_cost,
          progressMs: config.imap.progress_interval * 1000,
          messageLimit: config.imap.message_limit,
          maxKeywords: config.imap.max_keywords,
        },
        literalMinus: config.imap.literal === 'minus',
        learnSpam: config.spam.enabled,
      });
    }
    if (config.listeners.managesieve.enabled) {
      managesieve = await startManageSieve({
        store,
        scripts: new StoredScripts(store, adminSettings(config).sieveScripts),
        log,
        tls,
        throttle,
        verified,
        connections,
        listener: config.listeners.managesieve,
        plaintextOnLoopback: config.auth.plaintext_on_loopback,
        limits: { lineLength: config.limits.line_length, maxScriptSize: config.managesieve.max_script_size, loginTimeoutSeconds: config.limits.login_timeout },
      });
    }
    const mailListeners = { ...smtp?.addresses, ...pop3?.addresses, ...imap?.addresses };
    const { http: plainHttp, https } = config.listeners;
    if (plainHttp.enabled || https.enabled) {
      const services = mailServices(Object.fromEntries(Object.entries(mailListeners).map(([name, a]) => [name, a.port])));
      const web = config.web.enabled || sandbox
        ? webHandler({
            admin, store, throttle, verified, log: log.child({ proto: 'web' }), hostname: config.hostname, services, dns: config,
            sessions: new SessionStore(config.web.session_idle_timeout * 1000),
            ...(sandbox ? { sandbox, sandboxOnly: !config.web.enabled } : {}),
          })
        : undefined;
      http = await startHttp({
        store,
        log: log.child({ proto: 'http' }),
        tls,
        challenges,
        hostname: config.hostname,
        // The ports really bound, so that autoconfig tells clients the truth.
        services,
        ...(web ? { web } : {}),
        ...(managesieve?.addresses.managesieve ? { managesievePort: managesieve.addresses.managesieve.port } : {}),
        mtaSts: { mode: config.mta_sts.mode, maxAge: config.mta_sts.max_age },
        ...(config.http.metrics_token ? { metricsToken: config.http.metrics_token } : {}),
        listeners: { http: plainHttp, https },
        connections: new ConnectionLimit(config.limits.connections_per_ip, config.limits.connections_per_listener),
      });
    }
    runner = startQueueRunner(queue, { ...runnerSettings(config, store, log.child({ proto: 'queue' })), ...(recorder ? { reports: recorder } : {}) }, log.child({ proto: 'queue' }));
    reports?.start();
  } catch (err) {
    await Promise.all([smtp?.close(), pop3?.close(), imap?.close(), http?.close(), managesieve?.close()]);
    sandbox?.inbox.close();
    certificates.close();
    await closeControl();
    await store.close();
    throw err;
  }
  const listeners = { ...smtp?.addresses, ...pop3?.addresses, ...imap?.addresses, ...http?.addresses, ...managesieve?.addresses };
  for (const [name, a] of Object.entries(listeners)) bound[name] = a.family === 'IPv6' ? `[${a.address}]:${a.port}` : `${a.address}:${a.port}`;
  if (smtp?.lmtp) bound.lmtp = typeof smtp.lmtp === 'string' ? smtp.lmtp : `${smtp.lmtp.address}:${smtp.lmtp.port}`;
  certificates.startRenewal();
  return {
    store,
    queue,
    listeners,
    ...(smtp?.lmtp ? { lmtp: smtp.lmtp } : {}),
    certificates,
    reload: () => certificates.reload(),
    async close() {
      // Logins waiting for their turn end now rather than hold shutdown up, one delay after another.
      throttle.close();
      // Listeners first, so that no session is left using the store when it closes.
      await Promise.all([smtp?.close(), pop3?.close(), imap?.close(), http?.close(), managesieve?.close()]);
      sandbox?.inbox.close();
      certificates.close();
      await reports?.close();
      await runner?.close();
      await closeControl();
      await store.close();
      log.info('store closed');
    },
  };
}
