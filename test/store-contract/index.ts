import type { StoreBackend } from './backend.ts';
import { directoryContract } from './directory.ts';
import { mailboxContract } from './mailboxes.ts';
import { messageContract } from './messages.ts';
import { queueVaultContract } from './queue-vault.ts';
import { rulesContract } from './rules.ts';
import { spamContract } from './spam.ts';

export type { StoreBackend } from './backend.ts';

/** Every semantic store test, against one backend: what a backend must do to serve Mailfold. */
export function storeContract(backend: StoreBackend): void {
  directoryContract(backend);
  mailboxContract(backend);
  messageContract(backend);
  rulesContract(backend);
  queueVaultContract(backend);
  spamContract(backend);
}
