/**
 * A private Dovecot as a mail peer of the import and export tests: one user with a
 * password, a Maildir or mbox mail location, special-use folders, an imapflow client.
 * It is the reference server of helpers/dovecot.ts, started with these accounts.
 */
import { join } from 'node:path';
import type { TestContext } from 'node:test';
import { ImapFlow } from 'imapflow';
import { launchDovecot } from './dovecot.ts';
import type { KeyAndCert } from './test-ca.ts';

export const DOVECOT_USER = 'alice';
export const DOVECOT_PASSWORD = 'dovecot-secret';

export interface Dovecot {
  port: number;
  /** With `tls`: the implicit-TLS (imaps) port; else 0. */
  tlsPort: number;
  dir: string;
  /** The user and group Dovecot reads and writes mail as: a directory given to `mailLocation` must be theirs. */
  mailUid: number;
  mailGid: number;
  /** Where alice's mail is, for a `maildir:` location (the default). */
  mailDir: string;
  client(): Promise<ImapFlow>;
}

/** Special-use folders as a provider marks them; "All Mail" is a view as Gmail's is. */
const NAMESPACE = `namespace inbox {\n  inbox = yes\n  mailbox "Sent Messages" {\n    special_use = \\Sent\n  }\n  mailbox Drafts {\n    special_use = \\Drafts\n  }\n  mailbox Junk {\n    special_use = \\Junk\n  }\n  mailbox "All Mail" {\n    special_use = \\All\n  }\n}`;

/**
 * A real Dovecot in a temp dir with its own config: alice (any name) with DOVECOT_PASSWORD, IMAP
 * on a free loopback port without TLS, stopped when the test ends. `mailLocation`
 * points it at existing mail (an export); `tls` adds an implicit-TLS port serving that
 * certificate.
 */
export async function startDovecot(t: TestContext, opts: { mailLocation?: string; tls?: KeyAndCert } = {}): Promise<Dovecot> {
  const dovecot = await launchDovecot({
    tls: opts.tls,
    accounts: (dir, user) => [
      'auth_mechanisms = plain login',
      `mail_location = ${opts.mailLocation ?? `maildir:${dir}/mail`}`,
      `passdb {\n  driver = static\n  args = password=${DOVECOT_PASSWORD}\n}`,
      `userdb {\n  driver = static\n  args = uid=${user.uid} gid=${user.gid} home=${dir}/home\n}`,
      NAMESPACE,
    ],
  });
  t.after(() => dovecot.stop());
  const client = async () => {
    const c = new ImapFlow({ host: '127.0.0.1', port: dovecot.port, secure: false, doSTARTTLS: false, auth: { user: DOVECOT_USER, pass: DOVECOT_PASSWORD }, logger: false });
    c.on('error', () => {});
    await c.connect();
    t.after(() => c.close());
    return c;
  };
  const { port, tlsPort, dir, mailUser } = dovecot;
  return { port, tlsPort, dir, mailUid: mailUser.uid, mailGid: mailUser.gid, mailDir: join(dir, 'mail'), client };
}
