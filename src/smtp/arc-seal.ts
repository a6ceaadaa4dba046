import { parseAddress } from '../delivery/address.ts';
import type { Resolver } from '../delivery/resolutions.ts';
import { signingKeys } from '../dkim/keys.ts';
import type { Directory, Vault } from '../store/types.ts';

export interface ArcSealKey {
  signingDomain: string;
  selector: string;
  privateKey: string;
}

/**
 * The key to ARC-seal (RFC 8617) a message received from the world with, when
 * one of its recipients is an alias that forwards outside: the next hop can then
 * trust our SPF/DKIM/DMARC verdict even though forwarding broke SPF. It is the
 * forwarding domain's newest RSA DKIM key (ARC allows only rsa-sha256); null
 * when nothing is forwarded or the domain has no RSA key.
 */
export async function arcSealKey(store: Directory & Vault, resolve: Resolver, recipients: string[]): Promise<ArcSealKey | null> {
  for (const recipient of recipients) {
    // Resolved with the sender: a bounce that SRS sends back out is sealed like any forward.
    const resolution = await resolve(recipient);
    const domain = parseAddress(recipient)?.domain;
    if (resolution.remote.length === 0 || !domain) continue;
    const rsa = signingKeys(await store.listDkimKeys(domain)).find((k) => k.algorithm === 'rsa');
    return rsa ? { signingDomain: domain, selector: rsa.selector, privateKey: rsa.privateKey } : null;
  }
  return null;
}
