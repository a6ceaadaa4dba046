import type { SaslCredentials, SaslExchange, SaslResponse } from './sasl.ts';

/** How a dialogue ended: logged in, refused by the mechanism, or cut short by the client. */
export type SaslEnd =
  | { type: 'done'; credentials: SaslCredentials }
  | { type: 'error'; reason: string }
  | { type: 'cancel' }
  | { type: 'invalid' }
  | { type: 'closed' };

/**
 * Runs an exchange to its end, the same in IMAP, POP3 and ManageSieve: each protocol
 * only says how a challenge is sent and a response read (`ask`: the client's decoded
 * response, or 'closed' when the connection ended) and how each end is answered.
 */
export async function runSaslDialogue(exchange: SaslExchange, initial: Buffer | null, ask: (challenge: string) => Promise<SaslResponse | 'closed'>): Promise<SaslEnd> {
  let response = initial;
  for (;;) {
    const step = await exchange.step(response);
    if (step.type !== 'challenge') return step;
    const next = await ask(step.challenge);
    if (next === 'closed' || next.type !== 'data') return next === 'closed' ? { type: 'closed' } : next;
    response = next.data;
  }
}
