import type { SMTPServerAuthentication, SMTPServerSession } from 'smtp-server';
import type { Logger } from '../log/logger.ts';
import type { OutboundQueue } from '../queue/outbound.ts';
import type { Account } from '../store/types.ts';
import { mayAuthenticate, type AuthContext } from './auth.ts';
import { reply, type SmtpReply } from './reply.ts';

/**
 * Sandbox mode's submission (docs/web.md#sandbox): any user name and password is the
 * sandbox account, still only where a password may be sent (TLS, or loopback in clear).
 */
export function sandboxLogin(ctx: AuthContext, account: Account, auth: SMTPServerAuthentication, session: SMTPServerSession): { user: Account } | SmtpReply {
  if (!mayAuthenticate(ctx, session)) return reply(538, '5.7.11', 'Encryption required for requested authentication mechanism');
  if (auth.method !== 'PLAIN' && auth.method !== 'LOGIN') return reply(504, '5.5.4', 'Unrecognized authentication type');
  return { user: account };
}

/**
 * Every recipient, local or not, goes into the outbound queue as one entry: capture mode
 * (forced on by the sandbox) files it into the sandbox INBOX with an X-Original-To per
 * recipient, and nothing is delivered to any other mailbox or sent anywhere.
 */
export async function acceptSandboxed(queue: OutboundQueue, log: Logger, from: string, recipients: string[], raw: Buffer): Promise<void> {
  const entry = await queue.enqueue({ from, recipients: recipients.map((address) => ({ address })) }, raw);
  log.info({ from, recipients, size: raw.length, queueId: entry.id }, 'sandbox: captured');
}
