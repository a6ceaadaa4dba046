import { createPublicKey, generateKeyPair } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { Agent } from 'node:https';
import { promisify } from 'node:util';
import type * as Acme from 'acme-client';
import type { AcmeChallenge } from '../config/index.ts';
import type { Logger } from '../log/logger.ts';
import type { StoredCertificate, Vault } from '../store/types.ts';
import type { AcmeChallenges } from './challenges.ts';
import { createCsr, generateRsaKey } from './keys.ts';
import { certId, parseRenewalInfo, retryAfterMs, type RenewalWindow } from './renewal-info.ts';

/** The directory names the config accepts besides a URL. */
export const DIRECTORIES: Record<string, string> = {
  letsencrypt: 'https://acme-v02.api.letsencrypt.org/directory',
  'letsencrypt-staging': 'https://acme-staging-v02.api.letsencrypt.org/directory',
};

/** acme-client is loaded when the first order starts: a server without ACME never needs its 6 MB. */
type AcmeModule = typeof Acme;
const loadAcme = (): Promise<AcmeModule> => import('acme-client');

export const directoryUrl = (directory: string): string => DIRECTORIES[directory] ?? directory;

export interface AcmeSettings {
  directoryUrl: string;
  email?: string;
  challenge: AcmeChallenge;
  eab?: { kid: string; hmacKey: string };
  /** PEM CAs trusted for the directory's HTTPS. */
  caFile?: string;
  /** Renewals keep the served certificate's RSA key, so that a published DANE-EE "3 1 1" record stays right ([smtp.dane] on). */
  keepKey?: boolean;
}

export interface OrderOptions {
  store: Vault;
  log: Logger;
  settings: AcmeSettings;
  challenges: AcmeChallenges;
  /** The certificate's names; the first becomes the subject. */
  names: string[];
  /** The ARI identifier of the certificate this order replaces (RFC 9773 section 5). */
  replaces?: string;
  /** The key to certify (PEM); a new one when absent. */
  keyPem?: string;
}

/** acme-client talks through one module-wide HTTP client; a private CA is trusted there. */
function trustDirectoryCa(acme: AcmeModule, caFile: string | undefined): void {
  if (caFile) acme.axios.defaults.httpsAgent = new Agent({ ca: readFileSync(caFile, 'utf8') });
}

/** The account key at this directory, made and kept at first use; the account URL once known. */
async function account(acme: AcmeModule, store: Vault, settings: AcmeSettings, log: Logger): Promise<Acme.Client> {
  let stored = await store.getAcmeAccount(settings.directoryUrl);
  if (!stored) {
    const { privateKey } = await promisify(generateKeyPair)('ec', { namedCurve: 'P-256', privateKeyEncoding: { type: 'pkcs8', format: 'pem' }, publicKeyEncoding: { type: 'spki', format: 'pem' } });
    stored = { keyPem: privateKey };
    await store.putAcmeAccount(settings.directoryUrl, stored);
  }
  const client = new acme.Client({
    directoryUrl: settings.directoryUrl,
    accountKey: stored.keyPem,
    ...(stored.url ? { accountUrl: stored.url } : {}),
    ...(settings.eab ? { externalAccountBinding: settings.eab } : {}),
    // Polls for a pending validation start after a second rather than five.
    backoffMin: 1000,
  });
  if (!stored.url) {
    await client.createAccount({ termsOfServiceAgreed: true, ...(settings.email ? { contact: [`mailto:${settings.email}`] } : {}) });
    await store.putAcmeAccount(settings.directoryUrl, { ...stored, url: client.getAccountUrl() });
    log.info({ directory: settings.directoryUrl, account: client.getAccountUrl() }, 'ACME account created');
  }
  return client;
}

/** Answers one authorization with the configured challenge, and waits until the CA accepts it. */
async function authorize(acme: AcmeModule, client: Acme.Client, authz: Acme.Authorization, opts: OrderOptions): Promise<void> {
  if (authz.status === 'valid') return;
  const name = authz.identifier.value;
  const challenge = authz.challenges.find((c) => c.type === opts.settings.challenge);
  if (!challenge) throw new Error(`the CA offers no ${opts.settings.challenge} challenge for ${name}`);
  const keyAuthorization = await client.getChallengeKeyAuthorization(challenge);
  // Published through the store before the CA is told, so that every node of it answers.
  if (challenge.type === 'http-01') await opts.challenges.setHttp(challenge.token, keyAuthorization);
  else {
    const [key, cert] = await acme.crypto.createAlpnCertificate(authz, keyAuthorization);
    await opts.challenges.setAlpn(name, key.toString(), cert.toString());
  }
  try {
    await client.completeChallenge(challenge);
    await client.waitForValidStatus(challenge);
    opts.log.info({ name, challenge: challenge.type }, 'ACME authorization valid');
  } finally {
    // An answer left behind expires by itself; the order's outcome is what matters here.
    await (challenge.type === 'http-01' ? opts.challenges.removeHttp(challenge.token) : opts.challenges.removeAlpn(name)).catch((err: unknown) =>
      opts.log.warn({ err, name }, 'withdrawing an ACME challenge answer failed'),
    );
  }
}

/**
 * One ACME order (RFC 8555 section 7.4): every name authorized through the
 * configured challenge, which this server answers itself, then a CSR of the given
 * key or a new one, and the issued certificate with its chain.
 */
export async function orderCertificate(opts: OrderOptions): Promise<StoredCertificate> {
  const acme = await loadAcme();
  trustDirectoryCa(acme, opts.settings.caFile);
  const client = await account(acme, opts.store, opts.settings, opts.log);
  const order = await client.createOrder({ identifiers: opts.names.map((value) => ({ type: 'dns', value })), ...(opts.replaces ? { replaces: opts.replaces } : {}) });
  const authorizations = await client.getAuthorizations(order);
  await Promise.all(authorizations.map((authz) => authorize(acme, client, authz, opts)));
  const key = opts.keyPem ? { privateKey: opts.keyPem, publicKey: createPublicKey(opts.keyPem).export({ type: 'spki', format: 'pem' }) as string } : await generateRsaKey();
  const finalized = await client.finalizeOrder(order, await createCsr(opts.names, key));
  const certPem = await client.getCertificate(finalized);
  return { keyPem: key.privateKey, certPem, source: 'acme' };
}

export interface RenewalInfo {
  certId: string;
  window: RenewalWindow;
  /** When to ask the CA again. */
  checkAfterMs: number;
}

/**
 * The CA's renewal window for a certificate (RFC 9773), or null when the
 * directory has no `renewalInfo` endpoint or the certificate no identifier.
 * A CA that offers ARI but answers badly throws, so the caller can log it.
 */
export async function fetchRenewalInfo(settings: AcmeSettings, certPem: string): Promise<RenewalInfo | null> {
  const id = await certId(certPem);
  if (!id) return null;
  const acme = await loadAcme();
  trustDirectoryCa(acme, settings.caFile);
  const directory = await acme.axios.get(settings.directoryUrl);
  const endpoint: unknown = directory.data?.renewalInfo;
  if (typeof endpoint !== 'string') return null;
  const answer = await acme.axios.get(`${endpoint.replace(/\/$/, '')}/${id}`);
  const window = parseRenewalInfo(answer.data);
  if (!window) throw new Error(`the CA's renewal information for ${id} has no valid suggestedWindow`);
  const retryAfter = answer.headers['retry-after'];
  return { certId: id, window, checkAfterMs: retryAfterMs(typeof retryAfter === 'string' ? retryAfter : undefined, Date.now()) };
}
