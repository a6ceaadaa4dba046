import type { AddressInfo, Server } from 'node:net';
import { AdminService, type AdminSettings } from './admin/service.ts';
import { startControlServer } from './admin/control-server.ts';
import { AuthThrottle } from './auth/throttle.ts';
import type { Config, ListenerName } from './config/index.ts';
import type { Logger } from './log/logger.ts';
import { ConnectionLimit } from './net/connection-limit.ts';
import { createResolver } from './net/dns.ts';
import { startImap, type ImapService } from './imap/server.ts';
import { startPop3, type Pop3Service } from './pop3/server.ts';
import { SendRate } from './smtp/send-rate.ts';
import { startSmtp, type SmtpService } from './smtp/server.ts';
import { openLevelStore } from './store/level-store.ts';
import type { MailStore } from './store/types.ts';
import { startTls } from './tls/certificates.ts';
import type { TlsProvider } from './tls/context.ts';

export interface RunningServer {
  store: MailStore;
  /** Where each enabled listener is bound (tests configure port 0 and read the port here). */
  listeners: Partial<Record<ListenerName, AddressInfo>>;
  /** The LMTP port, or its unix socket path, when LMTP is enabled. */
  lmtp?: AddressInfo | string;
  close(): Promise<void>;
}

export function adminSettings(config: Config): AdminSettings {
  return {
    minPasswordLength: config.auth.min_password_length,
    subaddressSeparator: config.delivery.subaddress_separator,
    defaultQuotaBytes: config.delivery.default_quota_bytes,
    defaultQuotaMessages: config.delivery.default_quota_messages,
    messageSizeLimit: config.limits.message_size,
  };
}

export const openStore = (config: Config): Promise<MailStore> =>
  openLevelStore(config.data_dir, { sync: config.store.sync, chunkSize: config.store.chunk_size });

/** The composition root: builds every part from the config and starts it. */
export async function startServer(config: Config, log: Logger): Promise<RunningServer> {
  const store = await openStore(config);
  log.info({ dataDir: config.data_dir, configFile: config.config_file }, 'store open');
  let control: Server;
  try {
    control = await startControlServer(config.data_dir, new AdminService(store, adminSettings(config)), log, config.limits.message_size);
  } catch (err) {
    await store.close();
    throw err;
  }
  const closeControl = () => new Promise<void>((resolve) => control.close(() => resolve()));
  // Shared by every protocol: failures and connections count per IP whichever port they use.
  const throttle = new AuthThrottle({ maxFailures: config.auth.throttle_max_failures, windowSeconds: config.auth.throttle_window_seconds });
  const connections = new ConnectionLimit(config.limits.connections_per_ip);
  // One certificate for every listener, made on first use.
  let tlsProvider: Promise<TlsProvider> | null = null;
  const tls = () => (tlsProvider ??= startTls(store, config.hostname, log));
  let pop3: Pop3Service | null = null;
  let imap: ImapService | null = null;
  let smtp: SmtpService | null = null;
  try {
    const { smtp: mx, submission, submissions } = config.listeners;
    if (mx.enabled || submission.enabled || submissions.enabled || config.lmtp.enabled) {
      smtp = await startSmtp({
        store,
        log,
        tls: await tls(),
        throttle,
        connections,
        hostname: config.hostname,
        messageSize: config.limits.message_size,
        maxRecipients: config.limits.recipients,
        subaddressSeparator: config.delivery.subaddress_separator,
        plaintextOnLoopback: config.auth.plaintext_on_loopback,
        listeners: { smtp: mx, submission, submissions },
        lmtp: config.lmtp,
        resolve: createResolver({ servers: config.dns.servers }),
        dmarc: config.dmarc,
        sendRate: new SendRate({
          messagesPerHour: config.submission_limits.messages_per_hour,
          recipientsPerHour: config.submission_limits.recipients_per_hour,
        }),
      });
    }
    const { pop3: plain, pop3s } = config.listeners;
    if (plain.enabled || pop3s.enabled) {
      pop3 = await startPop3({
        store,
        log,
        tls: await tls(),
        throttle,
        connections,
        listeners: { pop3: plain, pop3s },
        plaintextOnLoopback: config.auth.plaintext_on_loopback,
      });
    }
    const { imap: imapPlain, imaps } = config.listeners;
    if (imapPlain.enabled || imaps.enabled) {
      imap = await startImap({
        store,
        log,
        tls: await tls(),
        throttle,
        connections,
        listeners: { imap: imapPlain, imaps },
        plaintextOnLoopback: config.auth.plaintext_on_loopback,
        limits: { lineLength: config.limits.line_length, messageSize: config.limits.message_size },
      });
    }
  } catch (err) {
    await Promise.all([smtp?.close(), pop3?.close(), imap?.close()]);
    await closeControl();
    await store.close();
    throw err;
  }
  return {
    store,
    listeners: { ...smtp?.addresses, ...pop3?.addresses, ...imap?.addresses },
    ...(smtp?.lmtp ? { lmtp: smtp.lmtp } : {}),
    async close() {
      // Listeners first, so that no session is left using the store when it closes.
      await Promise.all([smtp?.close(), pop3?.close(), imap?.close()]);
      await closeControl();
      await store.close();
      log.info('store closed');
    },
  };
}
