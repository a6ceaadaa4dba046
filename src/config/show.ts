import { stringify } from 'smol-toml';
import type { Config } from './types.ts';

const MASK = '********';

/** The effective config as TOML that loads back to the same values; secrets are masked. */
export function showConfig(config: Config): string {
  const { config_file, ...values } = config;
  const { smarthost } = config.smtp;
  const smtp = smarthost?.password === undefined ? config.smtp : { ...config.smtp, smarthost: { ...smarthost, password: MASK } };
  const acme = config.acme.eab_hmac_key === undefined ? config.acme : { ...config.acme, eab_hmac_key: MASK };
  const http = config.http.metrics_token === undefined ? config.http : { ...config.http, metrics_token: MASK };
  const store = config.store.url === undefined ? config.store : { ...config.store, url: redactedUrl(config.store.url) };
  const sandbox = config.sandbox.api_token === undefined ? config.sandbox : { ...config.sandbox, api_token: MASK };
  const source = config_file ?? 'built-in defaults, no config file';
  return `# Effective Mailfold configuration (${source})\n\n${stringify({ ...values, smtp, acme, http, store, sandbox })}\n`;
}

/** A database URL with its password masked. */
function redactedUrl(url: string): string {
  return url.replace(/^(postgres(?:ql)?:\/\/[^:@/]*:)[^@/]*@/, `$1${MASK}@`);
}
