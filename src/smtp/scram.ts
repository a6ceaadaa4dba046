import type { SMTPServer } from 'smtp-server';
import sasl from 'smtp-server/lib/sasl.js';
import { SMTPConnection } from 'smtp-server/lib/smtp-connection.js';
import { saslContext } from '../auth/sasl-context.ts';
import { decodeSaslResponse, encodeChallenge, startSasl } from '../auth/sasl.ts';
import type { ScramStore } from '../auth/sasl-context.ts';

export const SMTP_SCRAM = ['SCRAM-SHA-256', 'SCRAM-SHA-256-PLUS'];

/** The store of each listener that offers SCRAM; -PLUS leaves EHLO on a connection without TLS. */
const stores = new WeakMap<SMTPServer, ScramStore>();
let installed = false;

/**
 * smtp-server knows only PLAIN, LOGIN, XOAUTH2 and CRAM-MD5; SCRAM (RFC 4954 with
 * RFC 7677) is added to its mechanism table in the style of its own multi-line
 * exchanges. The proof is checked by onAuth (auth.ts) under the login throttle; the
 * server-final-message then goes as a last 334 challenge, answered empty, before 235.
 */
export function offerScram(server: SMTPServer, store: ScramStore): void {
  stores.set(server, store);
  if (installed) return;
  installed = true;
  const table = sasl as unknown as Record<string, (this: SMTPConnection, args: string[], callback: () => void) => void>;
  for (const name of SMTP_SCRAM) {
    table[`SASL_${name}`] = function (args, callback) {
      void scramExchange(this, name, args, callback);
    };
  }
  const ehlo = SMTPConnection.prototype.handler_EHLO;
  SMTPConnection.prototype.handler_EHLO = function (this: SMTPConnection, command, callback) {
    const options = this._server.options as { authMethods: string[] };
    const all = options.authMethods;
    if (!this.secure && stores.has(this._server)) options.authMethods = all.filter((m) => m !== 'SCRAM-SHA-256-PLUS');
    try {
      ehlo.call(this, command, callback);
    } finally {
      options.authMethods = all;
    }
  };
}

async function scramExchange(conn: SMTPConnection, name: string, args: string[], callback: () => void): Promise<void> {
  let release = callback;
  const answer = (code: number, text: string): void => {
    conn.send(code, text);
    release();
  };
  /** Sends a 334 challenge and waits for the client's line. */
  const ask = (challenge: string): Promise<string> =>
    new Promise((resolve) => {
      conn._nextHandler = (line: Buffer | string, done: () => void) => {
        release = done;
        resolve(line.toString().trim());
      };
      answer(334, challenge);
    });
  const store = stores.get(conn._server);
  const exchange = store && startSasl(name, saslContext(store, conn._socket, conn.secure));
  if (!exchange || args.length > 1) return answer(504, '5.5.4 Unrecognized authentication type');
  let response: Buffer | null = null;
  if (args.length === 1) {
    const decoded = decodeSaslResponse(args[0]!);
    if (decoded.type !== 'data') return answer(501, '5.5.2 Invalid initial response');
    response = decoded.data;
  }
  for (;;) {
    const step = await exchange.step(response);
    if (step.type === 'error') {
      conn._server.logger.info({ cid: conn.id, ip: conn.remoteAddress, mechanism: name, reason: step.reason }, 'login failed');
      return answer(535, `5.7.8 Authentication failed: ${step.reason}`);
    }
    if (step.type === 'done') {
      const { username, authzid, scram } = step.credentials;
      conn._server.onAuth({ method: name, username, authzid, scram } as never, conn.session, (err, result) => {
        const serverFinal = (result as { serverFinal?: string } | undefined)?.serverFinal;
        if (err || !result?.user || serverFinal === undefined) {
          return answer((err as { responseCode?: number } | null)?.responseCode ?? 535, err?.message ?? '5.7.8 Authentication credentials invalid');
        }
        void ask(encodeChallenge(serverFinal)).then((line) => {
          if (line !== '' && line !== '=') return answer(501, '5.7.0 Authentication cancelled');
          conn.session.user = result.user;
          conn.session.transmissionType = conn._transmissionType();
          answer(235, '2.7.0 Authentication successful');
        });
      });
      return;
    }
    const line = await ask(step.challenge);
    const decoded = decodeSaslResponse(line);
    if (decoded.type === 'cancel') return answer(501, '5.7.0 Authentication cancelled');
    if (decoded.type === 'invalid') return answer(501, '5.5.2 Invalid base64 in the response');
    response = decoded.data;
  }
}
