import type { SMTPServerAuthentication, SMTPServerSession } from 'smtp-server';
import { checkLogin, type LoginStore } from '../auth/login.ts';
import type { ScramServer } from '../auth/scram.ts';
import type { AuthThrottle } from '../auth/throttle.ts';
import type { VerifiedLogins } from '../auth/verified-logins.ts';
import { isLoopback } from '../net/loopback.ts';
import type { Account } from '../store/types.ts';
import { reply, type SmtpReply } from './reply.ts';

export interface AuthContext {
  store: LoginStore;
  throttle: AuthThrottle;
  verified: VerifiedLogins;
  plaintextOnLoopback: boolean;
}

/** Whether this session may send a password: over TLS, or in clear from this machine when allowed. */
export const mayAuthenticate = (ctx: AuthContext, session: SMTPServerSession): boolean =>
  session.secure || (ctx.plaintextOnLoopback && isLoopback(session.remoteAddress));

/**
 * AUTH PLAIN and LOGIN through the password check every protocol shares, so
 * SMTP failures count in the same throttle as IMAP and POP3 ones. The session's
 * user is the Account itself.
 */
export async function authenticate(
  ctx: AuthContext,
  auth: SMTPServerAuthentication & { scram?: ScramServer },
  session: SMTPServerSession,
): Promise<{ user: Account; serverFinal?: string } | SmtpReply> {
  if (!mayAuthenticate(ctx, session)) return reply(538, '5.7.11', 'Encryption required for requested authentication mechanism');
  // SCRAM arrives with its finished exchange from scram.ts, PLAIN and LOGIN with a password.
  if (!auth.scram && ((auth.method !== 'PLAIN' && auth.method !== 'LOGIN') || typeof auth.password !== 'string')) {
    return reply(504, '5.5.4', 'Unrecognized authentication type');
  }
  const result = await checkLogin(ctx.store, ctx, {
    ip: session.remoteAddress,
    username: auth.username ?? '',
    password: auth.password ?? '',
    authzid: auth.authzid,
    scram: auth.scram,
    service: 'smtp',
  });
  if (result.ok) return { user: result.account, serverFinal: result.serverFinal };
  if (result.reason === 'throttled') return reply(454, '4.7.0', `Too many failed attempts, try again in ${result.retryAfterSeconds} seconds`);
  return reply(535, '5.7.8', 'Authentication credentials invalid');
}

