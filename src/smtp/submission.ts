import type { Logger } from '../log/logger.ts';
import type { Account, MailStore } from '../store/types.ts';
import { authorAddresses } from './author.ts';
import { dkimSignatures } from './dkim-sign.ts';
import { splitHeader } from '../mime/header.ts';
import { checkAuthors } from './sender-policy.ts';
import type { Verdict } from './verify.ts';

/**
 * A submitted message before it goes anywhere: its From must be the account's to
 * use, and it is DKIM-signed for the author's domain, so that local delivery and
 * whatever hands it on later carry the same signed bytes.
 */
export async function prepareSubmission(store: MailStore, account: Account, raw: Buffer, separator: string, log: Logger): Promise<Verdict> {
  const authors = authorAddresses(splitHeader(raw));
  const refusal = await checkAuthors(store, account, authors, separator);
  if (refusal) return { accept: false, refusal };
  const signatures = await dkimSignatures(store, raw, authors![0]!, log);
  return { accept: true, prefix: signatures, message: raw };
}
