/**
 * Address-list parsing with Dovecot's recovery rules (lib-mail message-address,
 * "fill missing" mode as used for ENVELOPE), so broken headers give the same
 * (name, route, mailbox, domain) tuples Dovecot reports. Strings are latin1.
 *
 * A group is a tuple with mailbox = group name and domain = null, closed by a
 * tuple of four nulls.
 */
import {
  parseDomain, parseDotAtom, parsePhrase, parseQuotedString, scanner, skipLwsp,
  type Out, type Scanner,
} from './rfc822.ts';

export interface Address {
  name: string | null;
  route: string | null;
  mailbox: string | null;
  domain: string | null;
}

interface Ctx {
  p: Scanner;
  list: Address[];
  addr: Address;
  invalid: boolean;
}

function emptyAddress(): Address {
  return { name: null, route: null, mailbox: null, domain: null };
}

function push(ctx: Ctx): void {
  ctx.list.push(ctx.addr);
  ctx.addr = emptyAddress();
  ctx.invalid = false;
}

function cur(ctx: Ctx): number {
  return ctx.p.pos < ctx.p.s.length ? ctx.p.s.charCodeAt(ctx.p.pos) : -1;
}

function parseLocalPart(ctx: Ctx, out: Out): number {
  out.v = '';
  const ret = cur(ctx) === 0x22 ? parseQuotedString(ctx.p, out) : parseDotAtom(ctx.p, out);
  if (ret < 0) return -1;
  ctx.addr.mailbox = out.v;
  return ret;
}

function parseDomainPart(ctx: Ctx): number {
  const out = { v: '' };
  const ret = parseDomain(ctx.p, out);
  if (ret < 0) return -1;
  ctx.addr.domain = out.v;
  return ret;
}

/** obs-domain-list: "@" domain *("," "@" domain) */
function parseDomainList(ctx: Ctx): number {
  const out = { v: '' };
  for (;;) {
    if (ctx.p.pos >= ctx.p.s.length) return 0;
    if (cur(ctx) !== 0x40) break;
    if (out.v.length > 0) out.v += ',';
    out.v += '@';
    const ret = parseDomain(ctx.p, out);
    if (ret <= 0) return ret;
    while (skipLwsp(ctx.p) > 0 && cur(ctx) === 0x2c) ctx.p.pos++;
  }
  ctx.addr.route = out.v;
  return 1;
}

/** "<" [route ":"] local-part "@" domain ">" */
function parseAngleAddr(ctx: Ctx): number {
  ctx.p.pos++;
  if (skipLwsp(ctx.p) <= 0) return -1;
  if (cur(ctx) === 0x40) {
    if (parseDomainList(ctx) > 0 && cur(ctx) === 0x3a) ctx.p.pos++;
    else {
      ctx.addr.route = 'INVALID_ROUTE';
      if (ctx.p.pos >= ctx.p.s.length) return -1;
    }
    if (skipLwsp(ctx.p) <= 0) return -1;
  }
  if (cur(ctx) !== 0x3e) {
    const out = { v: '' };
    if (parseLocalPart(ctx, out) <= 0) return -1;
    if (cur(ctx) === 0x40 && parseDomainPart(ctx) <= 0) return -1;
  }
  if (cur(ctx) !== 0x3e) return -1;
  ctx.p.pos++;
  return skipLwsp(ctx.p);
}

function parseNameAddr(ctx: Ctx): number {
  const out = { v: '' };
  if (parsePhrase(ctx.p, out) <= 0 || cur(ctx) !== 0x3c) return -1;
  ctx.addr.name = out.v === '' ? null : out.v;
  if (parseAngleAddr(ctx) < 0) {
    ctx.addr.domain = 'SYNTAX_ERROR';
    ctx.invalid = true;
  }
  return ctx.p.pos < ctx.p.s.length ? 1 : 0;
}

function parseAddrSpec(ctx: Ctx): number {
  ctx.p.lastComment = '';
  const quoted = cur(ctx) === 0x22;
  const out = { v: '' };
  let ret = parseLocalPart(ctx, out);
  let ret2 = -2;
  if (ret <= 0) ctx.invalid = true;
  if (ret !== 0 && cur(ctx) === 0x40) {
    ret2 = parseDomainPart(ctx);
    if (ret2 <= 0) ret = ret2;
  }
  if (ctx.p.lastComment) ctx.addr.name = ctx.p.lastComment;
  else if (ret2 === -2) {
    // A lone word is a mailbox; followed by more words it was a display name.
    out.v += ' ';
    const before = out.v.length;
    parsePhrase(ctx.p, out);
    if (out.v.length !== before) {
      ctx.addr.mailbox = null;
      ctx.addr.name = out.v;
    } else if (!quoted) ctx.addr.domain = '';
    ctx.invalid = true;
    ret = -1;
  }
  return ret;
}

function addFixed(ctx: Ctx): void {
  if (ctx.addr.mailbox === null) ctx.addr.mailbox = 'MISSING_MAILBOX';
  if (ctx.addr.domain === null || ctx.addr.domain === '') ctx.addr.domain = 'MISSING_DOMAIN';
  push(ctx);
}

function parseMailbox(ctx: Ctx): number {
  const start = ctx.p.pos;
  let ret = parseNameAddr(ctx);
  if (ret < 0) {
    ctx.p.pos = start;
    ret = parseAddrSpec(ctx);
    if (ctx.invalid && ctx.addr.name === null && ctx.addr.mailbox !== null && ctx.addr.domain === null) {
      ctx.addr.name = ctx.addr.mailbox;
      ctx.addr.mailbox = null;
    }
  }
  addFixed(ctx);
  return ret;
}

function parseGroup(ctx: Ctx): number {
  const out = { v: '' };
  if (parsePhrase(ctx.p, out) <= 0 || cur(ctx) !== 0x3a) return -1;
  // From here on this is a group, even when broken.
  ctx.p.pos++;
  let ret = skipLwsp(ctx.p);
  ctx.addr.mailbox = out.v;
  push(ctx);
  if (ret > 0 && cur(ctx) !== 0x3b) {
    for (;;) {
      parseMailbox(ctx);
      if (cur(ctx) !== 0x2c) break;
      ctx.p.pos++;
      if (skipLwsp(ctx.p) <= 0) {
        ret = -1;
        break;
      }
    }
  }
  if (ret >= 0) {
    if (cur(ctx) !== 0x3b) ret = -1;
    else {
      ctx.p.pos++;
      ret = skipLwsp(ctx.p);
    }
  }
  push(ctx);
  return ret === 0 ? 0 : 1;
}

function parseAddress(ctx: Ctx): number {
  const start = ctx.p.pos;
  const ret = parseGroup(ctx);
  if (ret >= 0) return ret;
  ctx.p.pos = start;
  return parseMailbox(ctx);
}

/** Parses an address-list header value (unfolded, latin1). */
export function parseAddressList(value: string, maxAddresses = 10000): Address[] {
  const ctx: Ctx = { p: scanner(value, true), list: [], addr: emptyAddress(), invalid: false };
  if (skipLwsp(ctx.p) <= 0) return ctx.list;
  for (let n = 0; n < maxAddresses; n++) {
    if (parseAddress(ctx) === 0) break;
    if (cur(ctx) !== 0x2c) break;
    ctx.p.pos++;
    const ret = skipLwsp(ctx.p);
    if (ret <= 0) {
      if (ret < 0) addFixed(ctx);
      break;
    }
  }
  return ctx.list;
}
