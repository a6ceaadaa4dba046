import { appPasswordContract } from './app-passwords.ts';
import type { StoreBackend } from './backend.ts';
import { coordinationContract, submissionCountContract } from './coordination.ts';
import { directoryContract } from './directory.ts';
import { hostileContract } from './hostile.ts';
import { keywordContract } from './keywords.ts';
import { mailboxContract } from './mailboxes.ts';
import { queueClaimContract } from './queue-claims.ts';
import { queueHoldContract } from './queue-holds.ts';
import { messageContract } from './messages.ts';
import { metadataContract } from './metadata.ts';
import { queueVaultContract } from './queue-vault.ts';
import { rulesContract } from './rules.ts';
import { sieveContract } from './sieve.ts';
import { spamContract } from './spam.ts';
import { reportLogContract } from './reports.ts';

export type { StoreBackend } from './backend.ts';

/** Every semantic store test, against one backend: what a backend must do to serve Mailfold. */
export function storeContract(backend: StoreBackend): void {
  directoryContract(backend);
  mailboxContract(backend);
  messageContract(backend);
  rulesContract(backend);
  keywordContract(backend);
  queueVaultContract(backend);
  appPasswordContract(backend);
  hostileContract(backend);
  queueClaimContract(backend);
  queueHoldContract(backend);
  metadataContract(backend);
  sieveContract(backend);
  spamContract(backend);
  coordinationContract(backend);
  submissionCountContract(backend);
  reportLogContract(backend);
}
