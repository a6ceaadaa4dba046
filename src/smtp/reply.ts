import { SMTPConnection } from 'smtp-server/lib/smtp-connection.js';

/** An error a smtp-server callback hands back: the client gets `code enhanced text`. */
export interface SmtpReply extends Error {
  responseCode: number;
}

/** A refusal with its own RFC 3463 enhanced status code, e.g. reply(554, '5.7.1', 'Relay access denied'). */
export function reply(code: number, enhanced: string, text: string): SmtpReply {
  return Object.assign(new Error(`${enhanced} ${text}`), { responseCode: code });
}

const OWN_CODE = /^([245])\.\d{1,3}\.\d{1,3} /;
let installed = false;

/**
 * smtp-server derives the enhanced status code of a handler's error from the reply
 * code alone (554 becomes 5.6.0, 553 becomes 5.1.3), which names the wrong reason
 * for a relay refusal or a forbidden sender. A reply whose text already starts with
 * an enhanced code of its own class keeps that code instead. Installed once.
 */
export function keepOwnEnhancedCodes(): void {
  if (installed) return;
  installed = true;
  const send = SMTPConnection.prototype.send;
  SMTPConnection.prototype.send = function (code, data, context) {
    const own = typeof data === 'string' && context === undefined ? OWN_CODE.exec(data) : null;
    return send.call(this, code, data, own && own[1] === String(code)[0] ? false : context);
  };
}
