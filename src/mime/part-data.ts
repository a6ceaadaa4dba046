/**
 * What a part's Content-* header fields say, read the way Dovecot reads them
 * (lib-mail message-part-data): the first Content-Type, Transfer-Encoding, ID,
 * MD5, Description, Language and Location count; Content-Disposition is read
 * again while no earlier one had parameters. Values are latin1.
 */
import { cString } from './imap-strings.ts';
import { parseParams, type Param } from './rfc2231.ts';
import { parseAtom, parseContentType, parseMimeToken, scanner, skipLwsp } from './rfc822.ts';
import { FLAG_IS_MIME, type Part } from './structure.ts';

export interface PartData {
  type: string | null;
  subtype: string | null;
  params: Param[];
  encoding: string | null;
  id: string | null;
  description: string | null;
  md5: string | null;
  disposition: string | null;
  dispositionParams: Param[];
  language: string[] | null;
  location: string | null;
}

function emptyData(): PartData {
  return {
    type: null, subtype: null, params: [], encoding: null, id: null, description: null,
    md5: null, disposition: null, dispositionParams: [], language: null, location: null,
  };
}

function readContentType(d: PartData, value: string): void {
  const p = scanner(value);
  skipLwsp(p);
  const out = { v: '' };
  const ret = parseContentType(p, out);
  const slash = out.v.indexOf('/');
  d.type = slash < 0 ? out.v : out.v.slice(0, slash);
  // Dovecot reports a missing subtype as "".
  d.subtype = slash < 0 ? '' : out.v.slice(slash + 1);
  // A broken Content-Type still gives its type, but no parameters.
  if (ret >= 0) d.params = parseParams(p);
}

function readEncoding(d: PartData, value: string): void {
  const p = scanner(value);
  skipLwsp(p);
  const out = { v: '' };
  if (parseMimeToken(p, out) >= 0 && skipLwsp(p) === 0 && out.v.length > 0) d.encoding = out.v;
}

function readDisposition(d: PartData, value: string): void {
  const p = scanner(value);
  skipLwsp(p);
  const out = { v: '' };
  if (parseMimeToken(p, out) < 0) return;
  d.disposition = out.v;
  d.dispositionParams = parseParams(p);
}

function readLanguage(d: PartData, value: string): void {
  const p = scanner(value);
  const langs: string[] = [];
  skipLwsp(p);
  for (;;) {
    const out = { v: '' };
    if (parseAtom(p, out) < 0) break;
    langs.push(out.v);
    if (p.pos >= p.s.length || p.s[p.pos] !== ',') break;
    p.pos++;
    skipLwsp(p);
  }
  if (langs.length > 0) d.language = langs;
}

export function partData(part: Part): PartData {
  const d = emptyData();
  // Without Mime-Version or Content-Type (and outside a multipart), Content-* mean nothing.
  if (!(part.flags & FLAG_IS_MIME)) return d;
  const all: { key: string; value: string }[] = [];
  for (const [key, list] of part.fields) {
    if (key.startsWith('content-')) for (const f of list) all.push({ key, value: f.value });
  }
  let typeSeen = false;
  for (const { key, value } of all) {
    switch (key) {
      case 'content-type':
        if (!typeSeen) readContentType(d, value);
        typeSeen = true;
        break;
      case 'content-transfer-encoding':
        if (d.encoding === null) readEncoding(d, value);
        break;
      case 'content-id':
        d.id ??= cString(value);
        break;
      case 'content-md5':
        d.md5 ??= cString(value);
        break;
      case 'content-description':
        d.description ??= cString(value);
        break;
      case 'content-location':
        d.location ??= cString(value);
        break;
      case 'content-language':
        if (d.language === null) readLanguage(d, value);
        break;
      case 'content-disposition':
        if (d.dispositionParams.length === 0) readDisposition(d, value);
        break;
    }
  }
  return d;
}
