import { StoreError, type DkimKey } from '../types.ts';

const DKIM_SELECTOR = /^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$/;

/** A DKIM key may be kept for `domain`: its own, under a selector that is one DNS label. */
export function checkDkimKey(domain: string, key: Pick<DkimKey, 'domain' | 'selector'>): void {
  if (key.domain !== domain || !DKIM_SELECTOR.test(key.selector)) throw new StoreError('invalid', `not a valid DKIM selector for ${domain}: ${JSON.stringify(key.selector)}`);
}
