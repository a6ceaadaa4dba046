/**
 * The Sieve extensions Mailfold implements: what `require` may name, and the SIEVE
 * capability ManageSieve announces (RFC 5804 1.7), in that order.
 */
export const sieveExtensions: readonly string[] = [
  'fileinto',
  'reject',
  'ereject',
  'envelope',
  'encoded-character',
  'subaddress',
  'comparator-i;ascii-numeric',
  'relational',
  'imap4flags',
  'copy',
  'body',
  'variables',
  'date',
  'index',
  'vacation',
  'vacation-seconds',
  'include',
  'mailbox',
  'spamtest',
  'spamtestplus',
  'duplicate',
  'editheader',
  'enotify',
];

/** The notification methods of enotify (RFC 5435), for ManageSieve's NOTIFY capability. */
export const notifyMethods: readonly string[] = ['mailto'];

export const isSieveExtension = (name: string): boolean => sieveExtensions.includes(name);
