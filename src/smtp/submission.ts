import type { Logger } from '../log/logger.ts';
import type { Account, Directory, Vault } from '../store/types.ts';
import { readAuthors } from './author.ts';
import { dkimSignatures } from './dkim-sign.ts';
import { splitHeader } from '../mime/header.ts';
import { claimingToBeUs, withoutFields } from './headers.ts';
import { reply } from './reply.ts';
import { checkAuthors } from './sender-policy.ts';
import type { Verdict } from './verify.ts';

/**
 * A submitted message before it goes anywhere: its From must read the same to
 * every parser and be the account's to use, and it is DKIM-signed for the
 * author's domain, so that local delivery and whatever hands it on later carry
 * the same signed bytes. Fields that claim to be our verdicts are removed first.
 */
export async function prepareSubmission(store: Directory & Vault, account: Account, submitted: Buffer, settings: { separator: string; hostname: string }, log: Logger): Promise<Verdict> {
  const fields = splitHeader(submitted);
  // A user must not plant our verdict (Authentication-Results of our host, X-Spam-*) in a local recipient's copy.
  const forged = claimingToBeUs(fields, settings.hostname, { trace: true, verdicts: true });
  const raw = withoutFields(submitted, forged);
  const authors = await readAuthors(raw, forged.length > 0 ? splitHeader(raw) : fields);
  if ('problem' in authors) return { accept: false, refusal: reply(550, '5.7.1', authors.problem) };
  const refusal = await checkAuthors(store, account, authors.addresses, settings.separator);
  if (refusal) return { accept: false, refusal };
  const signatures = await dkimSignatures(store, raw, authors.addresses[0]!, log);
  return { accept: true, prefix: signatures, message: raw, ...(forged.length > 0 ? { auth: { forged: forged.length } } : {}) };
}
