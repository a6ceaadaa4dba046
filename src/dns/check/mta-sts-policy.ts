import { get } from 'node:https';
import type { LookupFunction } from 'node:net';
import type { DnsResolve } from '../../net/dns.ts';

/** RFC 8461 section 3.3: a policy is small; more than this is not a policy. */
const MAX_POLICY_BYTES = 64 * 1024;

export interface PolicyFetchOptions {
  /** Resolves mta-sts.DOMAIN (A records), so that tests and the check use the same resolver. */
  resolve: DnsResolve;
  /** 443, except in tests. */
  port?: number;
  /** CAs trusted besides the system's (a test CA). */
  ca?: string;
  timeoutMs?: number;
}

/** Fetches https://mta-sts.DOMAIN/.well-known/mta-sts.txt as a sending server would: verified TLS, 200 only. */
export function fetchMtaStsPolicy(domain: string, opts: PolicyFetchOptions): Promise<string> {
  const host = `mta-sts.${domain}`;
  const lookup: LookupFunction = (hostname, options, callback) => {
    opts.resolve(hostname, 'A').then(
      (answers) => {
        const address = String(answers[0] ?? '');
        if (!address) return callback(Object.assign(new Error(`no A record for ${hostname}`), { code: 'ENOTFOUND' }), '', 4);
        if (options.all) return (callback as unknown as (e: null, a: { address: string; family: number }[]) => void)(null, [{ address, family: 4 }]);
        callback(null, address, 4);
      },
      (err: NodeJS.ErrnoException) => callback(err, '', 4),
    );
  };
  return new Promise((resolve, reject) => {
    const req = get(
      { host, port: opts.port ?? 443, path: '/.well-known/mta-sts.txt', servername: host, lookup, ca: opts.ca, timeout: opts.timeoutMs ?? 10_000, headers: { 'user-agent': 'mailfold dns check' } },
      (res) => {
        if (res.statusCode !== 200) {
          res.resume();
          return reject(new Error(`HTTP ${res.statusCode} from https://${host}/.well-known/mta-sts.txt`));
        }
        const chunks: Buffer[] = [];
        let size = 0;
        res.on('data', (chunk: Buffer) => {
          size += chunk.length;
          if (size > MAX_POLICY_BYTES) return req.destroy(new Error(`the policy is larger than ${MAX_POLICY_BYTES} bytes`));
          chunks.push(chunk);
        });
        res.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
      },
    );
    req.on('timeout', () => req.destroy(new Error(`no answer from https://${host} within ${(opts.timeoutMs ?? 10_000) / 1000} s`)));
    req.on('error', reject);
  });
}

/** A policy's fields, for comparing two policies whatever their line order and endings. */
export function policyFields(text: string): { version?: string; mode?: string; maxAge?: string; mx: string[] } {
  const fields: { version?: string; mode?: string; maxAge?: string; mx: string[] } = { mx: [] };
  for (const line of text.split(/\r?\n/)) {
    const m = /^\s*([a-z_]+)\s*:\s*(.*?)\s*$/i.exec(line);
    if (!m) continue;
    const [, key, value] = m as unknown as [string, string, string];
    if (key === 'version') fields.version = value;
    else if (key === 'mode') fields.mode = value;
    else if (key === 'max_age') fields.maxAge = value;
    else if (key === 'mx') fields.mx.push(value.toLowerCase());
  }
  fields.mx.sort();
  return fields;
}
