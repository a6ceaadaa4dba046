/**
 * A SCRAM-SHA-256 client written from RFC 5802 / RFC 7677, independently of the
 * server code (nothing from src/ is imported), to be the protocol peer in tests.
 */
import { createHash, createHmac, pbkdf2Sync, randomBytes } from 'node:crypto';

const hmac = (key: Buffer, text: string): Buffer => createHmac('sha256', key).update(text).digest();
const escapeName = (name: string): string => name.replace(/=/g, '=3D').replace(/,/g, '=2C');

export interface ScramClientOptions {
  username: string;
  password: string;
  authzid?: string;
  /** `n`, `y` or `p=<name>`. */
  flag?: string;
  /** The channel-binding data the client computes with (may be deliberately wrong). */
  cbData?: Buffer;
  nonce?: string;
}

export class ScramClient {
  readonly #opts: ScramClientOptions;
  readonly #header: string;
  readonly #bare: string;
  readonly #nonce: string;
  #serverSignature = '';

  constructor(opts: ScramClientOptions) {
    this.#opts = opts;
    this.#nonce = opts.nonce ?? randomBytes(18).toString('base64');
    this.#header = `${opts.flag ?? 'n'},${opts.authzid ? `a=${escapeName(opts.authzid)}` : ''},`;
    this.#bare = `n=${escapeName(opts.username)},r=${this.#nonce}`;
  }

  first(): string {
    return this.#header + this.#bare;
  }

  /** client-final-message for the server-first-message. */
  final(serverFirst: string): string {
    const fields = new Map(serverFirst.split(',').map((part) => [part.slice(0, 1), part.slice(2)] as const));
    const nonce = fields.get('r') ?? '';
    if (!nonce.startsWith(this.#nonce)) throw new Error(`server nonce does not extend ours: ${serverFirst}`);
    const salt = Buffer.from(fields.get('s') ?? '', 'base64');
    const iterations = Number(fields.get('i'));
    const salted = pbkdf2Sync(this.#opts.password, salt, iterations, 32, 'sha256');
    const clientKey = hmac(salted, 'Client Key');
    const storedKey = createHash('sha256').update(clientKey).digest();
    const binding = Buffer.concat([Buffer.from(this.#header), this.#opts.cbData ?? Buffer.alloc(0)]).toString('base64');
    const withoutProof = `c=${binding},r=${nonce}`;
    const authMessage = `${this.#bare},${serverFirst},${withoutProof}`;
    const signature = hmac(storedKey, authMessage);
    const proof = Buffer.from(clientKey.map((byte, i) => byte ^ signature[i]!));
    this.#serverSignature = hmac(hmac(salted, 'Server Key'), authMessage).toString('base64');
    return `${withoutProof},p=${proof.toString('base64')}`;
  }

  /** Whether the server-final-message proves the server knows the keys. */
  verifyServer(serverFinal: string): boolean {
    return serverFinal === `v=${this.#serverSignature}`;
  }
}

export const b64 = (text: string): string => Buffer.from(text).toString('base64');
export const unb64 = (text: string): string => Buffer.from(text, 'base64').toString('utf8');
