import type { SMTPServer } from 'smtp-server';
import { SMTPConnection } from 'smtp-server/lib/smtp-connection.js';

/** Listeners whose sessions are greeted at once. */
const atOnce = new WeakSet<SMTPServer>();
let installed = false;

/**
 * smtp-server waits 100 ms before its greeting and answers a client that talks first
 * with "421 You talk too soon": a check against spam bots that belongs on the MX.
 * On submission and LMTP it would only delay the user's client or the local MTA, so
 * their sessions are set up and greeted without the pause (smtp-server has no
 * option for it; its own setup minus the timer).
 */
export function greetAtOnce(server: SMTPServer): void {
  atOnce.add(server);
  if (installed) return;
  installed = true;
  const init = SMTPConnection.prototype.init;
  SMTPConnection.prototype.init = function (this: SMTPConnection) {
    if (!atOnce.has(this._server)) return init.call(this);
    this._setListeners(() => this.connectionReady());
  };
}
