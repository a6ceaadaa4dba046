import { createServer, type Server } from 'node:https';
import type { TestContext } from 'node:test';
import type { Zone } from './dns.ts';
import type { TestCa } from './test-ca.ts';

/**
 * The policy host must answer on 443 (RFC 8461 section 3.3, and mailauth asks no
 * other port): it listens on a loopback address picked at random, the next one when taken.
 */
async function listen443(t: TestContext, server: Server): Promise<string | null> {
  for (;;) {
    const address = `127.${1 + Math.floor(Math.random() * 254)}.${Math.floor(Math.random() * 256)}.${1 + Math.floor(Math.random() * 254)}`;
    const error = await new Promise<NodeJS.ErrnoException | null>((resolve) => {
      server.once('error', resolve);
      server.listen(443, address, () => resolve(null));
    });
    if (!error) {
      t.after(() => new Promise((resolve) => server.close(resolve)));
      return address;
    }
    if (error.code === 'EACCES') {
      if (process.env.CI === 'true') throw new Error('binding port 443 needs root or CAP_NET_BIND_SERVICE');
      t.skip('port 443 cannot be bound here');
      return null;
    }
    if (error.code !== 'EADDRINUSE') throw error;
  }
}

/**
 * An HTTPS server handing out MTA-STS policies (the text of each, by policy host
 * `mta-sts.DOMAIN`) with a certificate of the test's CA: its address, or null when
 * port 443 cannot be bound here (the test is then skipped). `requests` records
 * every host and path asked for.
 */
export async function startPolicyServer(t: TestContext, ca: TestCa, policies: Record<string, string>): Promise<{ address: string; requests: string[] } | null> {
  const cert = await ca.issue(Object.keys(policies));
  const requests: string[] = [];
  const https = createServer({ key: cert.keyPem, cert: cert.certPem }, (req, res) => {
    const host = (req.headers.host ?? '').toLowerCase();
    requests.push(`${host}${req.url}`);
    const policy = policies[host];
    if (req.url !== '/.well-known/mta-sts.txt' || !policy) {
      res.writeHead(404).end();
      return;
    }
    res.writeHead(200, { 'content-type': 'text/plain' }).end(policy);
  });
  const address = await listen443(t, https);
  return address === null ? null : { address, requests };
}

/** The DNS records that point a sender at these policies: each domain's `_mta-sts` TXT with `id`, each policy host at `address`. */
export function policyZone(policies: Record<string, string>, address: string, id: string): Zone {
  const zone: Zone = {};
  for (const host of Object.keys(policies)) {
    zone[`_mta-sts.${host.slice('mta-sts.'.length)}`] = { txt: [`v=STSv1; id=${id}`] };
    zone[host] = { a: [address] };
  }
  return zone;
}
