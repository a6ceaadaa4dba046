import type { TestContext } from 'node:test';
import type { Config } from '../../src/config/index.ts';
import type { RunningServer } from '../../src/server.ts';
import type { Store } from '../../src/store/types.ts';
import { fetchText, startFullServer, type HttpReply } from './http.ts';
import { peerCertificate } from './serve.ts';
import { addAccount } from './store.ts';

/** The password of every account `startWebServer` makes (addAccount's shared hash). */
export const PASSWORD = 'correct horse battery';
export const ADMIN = 'admin@example.org';
export const USER = 'user@example.org';

export interface WebServer {
  server: RunningServer;
  store: Store;
  config: Config;
  https: number;
  http: number;
  imaps: number;
  /** The server's own certificate, to trust it in clients. */
  ca: string;
}

/** A full server with the web interface on, the domain example.org, an admin and a user. */
export async function startWebServer(t: TestContext, adjust: (config: Config) => void = () => {}): Promise<WebServer> {
  const { server, store, config, port } = await startFullServer(t, adjust, async (s) => {
    await addAccount(s, ADMIN);
    await s.updateAccount(ADMIN, { admin: true });
    await addAccount(s, USER);
  });
  return { server, store, config, https: port('https'), http: port('http'), imaps: port('imaps'), ca: await peerCertificate(port('https')) };
}

/** The CSRF token of the first form on a page. */
export function csrfOf(body: string): string {
  const token = /name="_csrf" value="([^"]+)"/.exec(body)?.[1];
  if (!token) throw new Error(`no form with a CSRF token on this page:\n${body.slice(0, 500)}`);
  return token;
}

/**
 * A browser-like client over HTTPS with node's own HTTP client: it keeps the cookies it is
 * given and sends our Origin with each POST unless told otherwise.
 */
export class WebClient {
  readonly #web: WebServer;
  readonly cookies = new Map<string, string>();

  constructor(web: WebServer) {
    this.#web = web;
  }

  get origin(): string {
    return 'https://localhost';
  }

  async get(path: string, headers: Record<string, string> = {}): Promise<HttpReply> {
    return this.#keep(await fetchText(this.#web.https, path, { ca: this.#web.ca, headers: { ...this.#cookieHeader(), ...headers } }));
  }

  async post(path: string, fields: Record<string, string>, headers: Record<string, string> = {}): Promise<HttpReply> {
    const body = new URLSearchParams(fields).toString();
    const all = { 'Content-Type': 'application/x-www-form-urlencoded', Origin: this.origin, ...this.#cookieHeader(), ...headers };
    return this.#keep(await fetchText(this.#web.https, path, { method: 'POST', body, ca: this.#web.ca, headers: all }));
  }

  /** Logs in through the login form; the reply is the form's answer. */
  async login(address: string, password = PASSWORD): Promise<HttpReply> {
    const form = await this.get('/account/login');
    return this.post('/account/login', { _csrf: csrfOf(form.body), username: address, password });
  }

  /** The CSRF token of the session, read from a page's forms. */
  async csrf(path = '/account/'): Promise<string> {
    return csrfOf((await this.get(path)).body);
  }

  #cookieHeader(): Record<string, string> {
    return this.cookies.size ? { Cookie: [...this.cookies].map(([k, v]) => `${k}=${v}`).join('; ') } : {};
  }

  #keep(reply: HttpReply): HttpReply {
    const set = reply.headers['set-cookie'] ?? [];
    for (const line of set) {
      const [pair] = line.split(';');
      const eq = pair!.indexOf('=');
      const name = pair!.slice(0, eq);
      const value = pair!.slice(eq + 1);
      if (/Max-Age=0/.test(line)) this.cookies.delete(name);
      else this.cookies.set(name, value);
    }
    return reply;
  }
}
