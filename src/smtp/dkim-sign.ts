import { parseAddress } from '../delivery/address.ts';
import { signingKeys } from '../dkim/keys.ts';
import type { Logger } from '../log/logger.ts';
import type { Vault } from '../store/types.ts';
import { loadMailauth } from './mailauth.ts';

/**
 * The DKIM-Signature fields for a submitted message, one per signing key (Ed25519
 * and RSA) of its author's domain, or '' when that domain has no keys. The author
 * domain is the one DMARC aligns with, and the From check before this made sure
 * the account may use it. `fields` names the header fields to sign, when mailauth's
 * default list would leave some out.
 */
export async function dkimSignatures(store: Vault, raw: Buffer, author: string, log: Logger, fields?: string[]): Promise<string> {
  const domain = parseAddress(author)?.domain;
  if (!domain) return '';
  const keys = signingKeys(await store.listDkimKeys(domain));
  if (keys.length === 0) return '';
  const [first, ...others] = keys.map((key) => ({ signingDomain: domain, selector: key.selector, privateKey: key.privateKey }));
  const { dkimSign } = await loadMailauth();
  // mailauth's types ask for a key at the top too; with signatureData it reads only the list.
  // `fields`: the header fields to sign instead of mailauth's list, for messages with fields of their own (TLS-RPT's).
  const result = await dkimSign(raw, { canonicalization: 'relaxed/relaxed', ...first!, signatureData: [first!, ...others], ...(fields ? { headerList: fields } : {}) });
  for (const { err, selector } of result.errors) log.warn({ err, domain, selector }, 'DKIM signing failed');
  return result.signatures;
}
