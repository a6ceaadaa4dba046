/**
 * The MIME indexer: everything IMAP and POP3 need about a message, computed once
 * at delivery from its raw bytes, as JSON-serializable data (docs/architecture.md, "Parse once").
 * ENVELOPE, BODY and BODYSTRUCTURE match what Dovecot 2.3 answers (docs/mime.md).
 */
import { buildBodyStructure, cachedPartData, type DataOf } from './bodystructure.ts';
import { buildEnvelope } from './envelope.ts';
import { searchFields, SORT_KEYS } from './fields.ts';
import { DEFAULT_LIMITS, FLAG_MULTIPART, FLAG_RFC822, parseStructure, type Limits, type Part } from './structure.ts';
import { previewText, searchText } from './text.ts';
import type { MessageIndex, PartIndex } from './types.ts';

export type { ByteRange, ImapValue, MessageIndex, PartIndex, SearchFields, AddressField } from './types.ts';
export { parseImapValue, parseImapValues, quoteString, serializeImapValue } from './imap-value.ts';
export { DEFAULT_LIMITS, type Limits } from './structure.ts';
export { PREVIEW_LIMIT, TEXT_LIMIT } from './text.ts';

function partIndex(part: Part, dataOf: DataOf): PartIndex {
  const d = dataOf(part);
  let type: string;
  let subtype: string;
  if (part.flags & FLAG_RFC822) [type, subtype] = ['message', 'rfc822'];
  else if (part.flags & FLAG_MULTIPART) [type, subtype] = ['multipart', (d.subtype ?? '').toLowerCase()];
  else if (d.type === null) [type, subtype] = ['text', 'plain'];
  else [type, subtype] = [d.type.toLowerCase(), (d.subtype ?? '').toLowerCase()];
  const index: PartIndex = {
    header: { start: part.headerStart, end: part.headerEnd },
    body: { start: part.bodyStart, end: part.bodyStart + part.bodySize },
    type,
    subtype,
    encoding: (d.encoding ?? '7bit').toLowerCase(),
    lines: part.bodyLines,
  };
  const charset = d.params.find((p) => p.name.toLowerCase() === 'charset')?.value;
  if (charset !== undefined) index.charset = charset;
  if (part.flags & FLAG_MULTIPART) index.parts = part.children.map((c) => partIndex(c, dataOf));
  else if (part.flags & FLAG_RFC822) index.message = partIndex(part.children[0]!, dataOf);
  return index;
}

function build(raw: Buffer, limits: Limits): MessageIndex {
  const root = parseStructure(raw, limits);
  const dataOf = cachedPartData();
  const rootIndex = partIndex(root, dataOf);
  return {
    envelope: buildEnvelope(root.fields),
    bodyStructure: buildBodyStructure(root, true, dataOf),
    body: buildBodyStructure(root, false, dataOf),
    root: rootIndex,
    fields: searchFields(root.fields),
    text: searchText(raw, rootIndex),
    preview: previewText(raw, rootIndex),
  };
}

/**
 * The part tree and the header data alone, for a reader that decodes the parts itself
 * (the spam tokenizer): no ENVELOPE, BODYSTRUCTURE, search text or preview. Never throws.
 */
export function indexParts(raw: Buffer, limits: Limits = DEFAULT_LIMITS): Pick<MessageIndex, 'root' | 'fields'> {
  try {
    const root = parseStructure(raw, limits);
    return { root: partIndex(root, cachedPartData()), fields: searchFields(root.fields) };
  } catch {
    const { root, fields } = fallback(raw);
    return { root, fields };
  }
}

/** What is left when even best-effort parsing failed: one text/plain part. */
function fallback(raw: Buffer): MessageIndex {
  const size = raw.length;
  let lines = 0;
  for (let i = raw.indexOf(10); i >= 0; i = raw.indexOf(10, i + 1)) lines++;
  const body = ['text', 'plain', ['charset', 'us-ascii'], null, null, '7bit', size, lines];
  return {
    envelope: [null, null, null, null, null, null, null, null, null, null],
    bodyStructure: [...body, null, null, null, null],
    body,
    root: { header: { start: 0, end: 0 }, body: { start: 0, end: size }, type: 'text', subtype: 'plain', encoding: '7bit', lines },
    fields: {
      date: null, subject: '', baseSubject: '',
      from: { display: '', addresses: [] }, to: { display: '', addresses: [] }, cc: { display: '', addresses: [] },
      sortKeys: SORT_KEYS, sortFrom: '', sortTo: '', sortCc: '', displayFrom: '', displayTo: '',
      messageId: null, inReplyTo: null, references: [],
    },
    text: '',
    preview: '',
  };
}

/**
 * Indexes a raw message (as stored: Mailfold stores CRLF line endings). Never
 * throws: malformed input gets a best-effort structure.
 */
export function indexMessage(raw: Buffer, limits: Limits = DEFAULT_LIMITS): MessageIndex {
  try {
    return build(raw, limits);
  } catch {
    return fallback(raw);
  }
}
