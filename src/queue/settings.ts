import type { Config } from '../config/index.ts';
import type { Logger } from '../log/logger.ts';
import { createResolver } from '../net/dns.ts';
import { createValidatingResolver, trustedPath } from '../net/validating-resolver.ts';
import type { Directory, MailStore, QueueStore, SieveStore, Vault } from '../store/types.ts';
import { trustCaFile } from '../tls/trust.ts';
import type { RunnerSettings } from './runner.ts';

/** The runner's settings from the config file's [queue], [dns], [smtp.smarthost] and [smtp.dane]. */
export function runnerSettings(config: Config, store: Directory & MailStore & QueueStore & Vault & SieveStore, log: Logger): RunnerSettings {
  const q = config.queue;
  const dane = config.smtp.dane;
  if (q.ca_file) trustCaFile(q.ca_file);
  if (dane.enabled && !trustedPath(dane.resolver)) {
    log.warn({ resolver: dane.resolver }, 'DANE: the validating resolver is not on loopback; its AD bit crosses a network that could forge it (RFC 6698 section 4.1): run one on this host');
  }
  return {
    store,
    resolve: createResolver({ servers: config.dns.servers }),
    ...(dane.enabled ? { dane: createValidatingResolver({ server: dane.resolver }) } : {}),
    hostname: config.hostname,
    helo: config.hostname,
    mxPort: q.mx_port,
    ...(config.smtp.smarthost ? { smarthost: config.smtp.smarthost } : {}),
    ...(q.capture ? { capture: q.capture } : {}),
    subaddressSeparator: config.delivery.subaddress_separator,
    concurrency: q.concurrency,
    perDomain: q.concurrency_per_domain,
    retryFirst: q.retry_first,
    retryMax: q.retry_max,
    giveUpAfter: q.give_up_after,
    delayWarningAfter: q.delay_warning_after,
  };
}
