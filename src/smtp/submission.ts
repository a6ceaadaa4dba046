import type { Logger } from '../log/logger.ts';
import type { Account, Directory, Vault } from '../store/types.ts';
import { readAuthors } from './author.ts';
import { dkimSignatures } from './dkim-sign.ts';
import { splitHeader } from '../mime/header.ts';
import { reply } from './reply.ts';
import { checkAuthors } from './sender-policy.ts';
import type { Verdict } from './verify.ts';

/**
 * A submitted message before it goes anywhere: its From must read the same to
 * every parser and be the account's to use, and it is DKIM-signed for the
 * author's domain, so that local delivery and whatever hands it on later carry
 * the same signed bytes.
 */
export async function prepareSubmission(store: Directory & Vault, account: Account, raw: Buffer, separator: string, log: Logger): Promise<Verdict> {
  const authors = await readAuthors(raw, splitHeader(raw));
  if ('problem' in authors) return { accept: false, refusal: reply(550, '5.7.1', authors.problem) };
  const refusal = await checkAuthors(store, account, authors.addresses, separator);
  if (refusal) return { accept: false, refusal };
  const signatures = await dkimSignatures(store, raw, authors.addresses[0]!, log);
  return { accept: true, prefix: signatures, message: raw };
}
