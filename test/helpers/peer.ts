import { createServer } from 'node:net';
import type { TestContext } from 'node:test';
import { SMTPServer } from 'smtp-server';

/** A port free on every one of these loopback addresses, so that each MX of a test can listen on it (queue.mx_port). */
export async function sharedPort(addresses: string[]): Promise<number> {
  for (;;) {
    const servers = addresses.map(() => createServer());
    const listen = (i: number, port: number) =>
      new Promise<number>((resolve, reject) => {
        servers[i]!.once('error', reject);
        servers[i]!.listen(port, addresses[i], () => resolve((servers[i]!.address() as { port: number }).port));
      });
    try {
      const port = await listen(0, 0);
      for (let i = 1; i < addresses.length; i++) await listen(i, port);
      await Promise.all(servers.map((s) => new Promise((resolve) => s.close(resolve))));
      return port;
    } catch {
      await Promise.all(servers.filter((s) => s.listening).map((s) => new Promise((resolve) => s.close(resolve))));
    }
  }
}

export interface PeerMessage {
  from: string;
  to: string[];
  raw: string;
  user?: string;
  /** With `opts.dsn`: the RFC 3461 parameters of MAIL FROM, and of each RCPT TO by address. */
  dsn?: { ret?: string | null; envid?: string | null; rcpt: Record<string, { notify?: string[]; orcpt?: string }> };
}

/**
 * Another MTA for the queue to talk to, built on smtp-server (not Mailfold): it
 * takes every recipient, except `...later...@` (451 the first time, then 250),
 * `...busy@` (always 451) and `never@` (550 5.1.1). A local part starting with
 * `hold` first waits for `opts.hold()`. With `opts.users`, it wants AUTH, as a smarthost does;
 * with `opts.dsn`, it offers DSN and records the parameters it is given; with `starttls: false`, no STARTTLS.
 */
export async function startPeer(
  t: TestContext,
  address: string,
  port: number,
  opts: { users?: Record<string, string>; hold?: () => Promise<void>; tls?: { keyPem: string; certPem: string }; dsn?: boolean; starttls?: boolean } = {},
): Promise<PeerMessage[]> {
  const { users } = opts;
  const messages: PeerMessage[] = [];
  const seen = new Map<string, number>();
  const server = new SMTPServer({
    logger: false,
    hideDSN: !opts.dsn,
    hideSTARTTLS: opts.starttls === false,
    // Without a certificate of the test's, smtp-server offers STARTTLS with its own self-signed one.
    ...(opts.tls ? { key: opts.tls.keyPem, cert: opts.tls.certPem } : {}),
    authOptional: users === undefined,
    allowInsecureAuth: false,
    onAuth(auth, _session, callback) {
      if (users && users[auth.username ?? ''] === auth.password) callback(null, { user: auth.username });
      else callback(new Error('535 5.7.8 Authentication failed'));
    },
    onRcptTo(rcpt, _session, callback) {
      const local = rcpt.address.slice(0, rcpt.address.indexOf('@'));
      const count = (seen.get(rcpt.address) ?? 0) + 1;
      seen.set(rcpt.address, count);
      const answer = () => {
        if (local === 'never') return callback(Object.assign(new Error('5.1.1 No such user here'), { responseCode: 550 }));
        if (local.endsWith('busy')) return callback(Object.assign(new Error('4.3.0 Busy, try again later'), { responseCode: 451 }));
        if (local.includes('later') && count === 1) return callback(Object.assign(new Error('4.7.1 Greylisted, try again later'), { responseCode: 451 }));
        callback();
      };
      if (local.startsWith('hold') && opts.hold) void opts.hold().then(answer);
      else answer();
    },
    onData(stream, session, callback) {
      const chunks: Buffer[] = [];
      stream.on('data', (c: Buffer) => chunks.push(c));
      stream.on('end', () => {
        const { mailFrom, rcptTo } = session.envelope;
        messages.push({
          from: mailFrom ? mailFrom.address : '',
          to: rcptTo.map((r) => r.address),
          raw: Buffer.concat(chunks).toString(),
          ...(typeof session.user === 'string' ? { user: session.user } : {}),
          ...(opts.dsn
            ? {
                dsn: {
                  ...session.envelope.dsn,
                  rcpt: Object.fromEntries(rcptTo.map((r) => [r.address, { ...r.dsn }])),
                },
              }
            : {}),
        });
        callback();
      });
    },
  });
  await new Promise<void>((resolve, reject) => {
    server.server.once('error', reject);
    server.listen(port, address, resolve);
  });
  t.after(() => new Promise<void>((resolve) => server.close(() => resolve())));
  return messages;
}
