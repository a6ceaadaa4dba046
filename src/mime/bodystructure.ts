/**
 * BODY and BODYSTRUCTURE (RFC 3501) of a parsed part tree, written as Dovecot
 * writes them: header text case kept, "7bit" and text/plain defaults, a
 * charset of us-ascii added to text parts without one, and sizes counted as
 * if every line ended in CRLF.
 */
import { buildEnvelope } from './envelope.ts';
import { noLf } from './imap-strings.ts';
import { partData, type PartData } from './part-data.ts';
import type { Param } from './rfc2231.ts';
import { FLAG_MULTIPART, FLAG_RFC822, FLAG_TEXT, type Part } from './structure.ts';
import type { ImapValue } from './types.ts';

function params(list: Param[], defaultCharset: boolean): ImapValue {
  if (!defaultCharset && list.length === 0) return null;
  const out: ImapValue[] = [];
  for (const p of list) out.push(p.name, p.value);
  if (defaultCharset && !list.some((p) => p.name.toLowerCase() === 'charset')) out.push('charset', 'us-ascii');
  return out;
}

function nstring(s: string | null): ImapValue {
  return s === null ? null : noLf(s);
}

/** disposition, language, location: the extension data common to all parts. */
function extensionTail(d: PartData): ImapValue[] {
  return [
    d.disposition === null ? null : [d.disposition, params(d.dispositionParams, false)],
    d.language,
    nstring(d.location),
  ];
}

const EMPTY_BODY: ImapValue[] = ['text', 'plain', ['charset', 'us-ascii'], null, null, '7bit', 0, 0];

/** Data per part, computed once for both forms. */
export type DataOf = (part: Part) => PartData;

export function cachedPartData(): DataOf {
  const cache = new Map<Part, PartData>();
  return (part) => {
    let d = cache.get(part);
    if (!d) cache.set(part, (d = partData(part)));
    return d;
  };
}

/**
 * BODYSTRUCTURE (extended) or BODY of a part. Iterative over the tree, so that
 * nesting depth cannot exhaust the stack.
 */
export function buildBodyStructure(root: Part, extended: boolean, dataOf: DataOf = cachedPartData()): ImapValue {
  if (isPlain7bit(root, dataOf(root))) {
    // Dovecot keeps only a flag for such messages and writes this canonical form.
    const out: ImapValue[] = ['text', 'plain', ['charset', 'us-ascii'], null, null, '7bit', root.bodyVirtual, root.bodyLines];
    return extended ? [...out, null, null, null, null] : out;
  }
  // Post-order: children's values are ready when their parent is built.
  const built = new Map<Part, ImapValue>();
  const stack: { part: Part; expanded: boolean }[] = [{ part: root, expanded: false }];
  while (stack.length > 0) {
    const top = stack[stack.length - 1]!;
    if (!top.expanded) {
      top.expanded = true;
      for (let i = top.part.children.length - 1; i >= 0; i--) stack.push({ part: top.part.children[i]!, expanded: false });
      continue;
    }
    stack.pop();
    built.set(top.part, buildOne(top.part, extended, dataOf, built));
    for (const c of top.part.children) built.delete(c);
  }
  return built.get(root)!;
}

/** A single text/plain us-ascii 7bit part with nothing else to say (as Dovecot tests it). */
function isPlain7bit(part: Part, d: PartData): boolean {
  if (!(part.flags & FLAG_TEXT) || part.children.length > 0) return false;
  if (d.subtype !== null && d.subtype.toLowerCase() !== 'plain') return false;
  if (d.params.length > 1) return false;
  const first = d.params[0];
  if (first && (first.name.toLowerCase() !== 'charset' || first.value.toLowerCase() !== 'us-ascii')) return false;
  if (d.id !== null || d.description !== null) return false;
  if (d.encoding !== null && d.encoding.toLowerCase() !== '7bit') return false;
  return d.md5 === null && d.disposition === null && d.language === null && d.location === null;
}

function buildOne(part: Part, extended: boolean, dataOf: DataOf, built: Map<Part, ImapValue>): ImapValue {
  const d = dataOf(part);
  if (part.flags & FLAG_MULTIPART) {
    const out: ImapValue[] = part.children.length > 0
      ? part.children.map((c) => built.get(c)!)
      : [extended ? [...EMPTY_BODY, null, null, null, null] : EMPTY_BODY];
    out.push(d.subtype ?? '');
    if (extended) out.push(params(d.params, false), ...extensionTail(d));
    return out;
  }
  const rfc822 = (part.flags & FLAG_RFC822) !== 0;
  let text = false;
  const out: ImapValue[] = [];
  if (rfc822) out.push('message', 'rfc822');
  else if (d.type === null) {
    text = true;
    out.push('text', 'plain');
  } else {
    text = d.type.toLowerCase() === 'text';
    out.push(d.type, d.subtype ?? '');
  }
  out.push(params(d.params, text), nstring(d.id), nstring(d.description), d.encoding ?? '7bit', part.bodyVirtual);
  if (text) out.push(part.bodyLines);
  else if (rfc822) {
    const child = part.children[0]!;
    out.push(buildEnvelope(child.fields), built.get(child)!, part.bodyLines);
  }
  if (extended) out.push(nstring(d.md5), ...extensionTail(d));
  return out;
}
