import type { Config } from '../config/index.ts';
import { createResolver } from '../net/dns.ts';
import type { Directory, MailStore, QueueStore, SieveStore, Vault } from '../store/types.ts';
import { trustCaFile } from '../tls/trust.ts';
import type { RunnerSettings } from './runner.ts';

/** The runner's settings from the config file's [queue], [dns] and [smtp.smarthost]. */
export function runnerSettings(config: Config, store: Directory & MailStore & QueueStore & Vault & SieveStore): RunnerSettings {
  const q = config.queue;
  if (q.ca_file) trustCaFile(q.ca_file);
  return {
    store,
    resolve: createResolver({ servers: config.dns.servers }),
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
