import { createHmac } from 'node:crypto';
import type { Socket } from 'node:net';
import { normalizeAddress } from '../delivery/address.ts';
import type { Directory, Vault } from '../store/types.ts';
import { channelBindings } from './channel-binding.ts';
import type { SaslContext } from './sasl.ts';
import { SCRAM_ITERATIONS } from './scram.ts';

/**
 * Keys the made-up salts, kept in the store: a name without SCRAM keys gets the same salt on
 * every attempt and across restarts, like a real one, so salts do not tell which accounts exist.
 */
const FAKE_SALT_SECRET = 'scram-fake-salt';

/** The SASL context of a connection: its channel bindings (when `secure`) and the accounts' SCRAM parameters. */
/** What SCRAM reads: the account's keys, and the secret behind made-up salts. */
export type ScramStore = Pick<Directory, 'getAccount'> & Pick<Vault, 'secret'>;

export function saslContext(store: ScramStore, socket: Socket, secure: boolean): SaslContext {
  return {
    bindings: secure ? channelBindings(socket) : null,
    async scramParams(username) {
      const address = normalizeAddress(username);
      const account = address ? await store.getAccount(address) : null;
      if (account?.scram) return { salt: account.scram.salt, iterations: account.scram.iterations };
      const salt = createHmac('sha256', await store.secret(FAKE_SALT_SECRET)).update(address ?? username).digest().subarray(0, 16);
      return { salt: salt.toString('base64'), iterations: SCRAM_ITERATIONS };
    },
  };
}
