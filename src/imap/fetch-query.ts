import { ParseError, type Parser } from './parser.ts';
import { parsePartialRange, type PartialRange } from './partial-range.ts';

export type SectionText = '' | 'HEADER' | 'HEADER.FIELDS' | 'HEADER.FIELDS.NOT' | 'TEXT' | 'MIME';

/** BODY[section]<partial> and BODY.PEEK (RFC 3501 6.4.5). */
export interface SectionItem {
  type: 'section';
  peek: boolean;
  /** Part numbers, `1.2` as [1, 2]; empty for the whole message. */
  part: number[];
  text: SectionText;
  fields: string[];
  partial: { start: number; count: number } | null;
}

/** BINARY[part]<partial>, BINARY.PEEK and BINARY.SIZE[part] (RFC 3516): the part with its transfer encoding undone. */
export interface BinaryItem {
  type: 'binary';
  peek: boolean;
  /** Only the decoded size is wanted (BINARY.SIZE). */
  size: boolean;
  part: number[];
  partial: { start: number; count: number } | null;
}

export type SimpleName =
  | 'ENVELOPE' | 'FLAGS' | 'INTERNALDATE' | 'RFC822.SIZE' | 'BODY' | 'BODYSTRUCTURE' | 'UID' | 'MODSEQ'
  /** RFC 8514, RFC 8474, RFC 8970. */
  | 'SAVEDATE' | 'EMAILID' | 'THREADID' | 'PREVIEW';

export type FetchItem =
  | { type: 'simple'; name: SimpleName }
  /** RFC822, RFC822.HEADER, RFC822.TEXT: old names for BODY[], BODY.PEEK[HEADER], BODY[TEXT]. */
  | { type: 'rfc822'; name: 'RFC822' | 'RFC822.HEADER' | 'RFC822.TEXT' }
  | SectionItem
  | BinaryItem;

export interface FetchQuery {
  items: FetchItem[];
  /** CHANGEDSINCE (RFC 7162 3.1.4.1): only messages whose MODSEQ is above it. */
  changedSince: number | null;
  /** VANISHED (RFC 7162 3.2.6): also report expunged UIDs of the set, with CHANGEDSINCE only. */
  vanished: boolean;
  /** PARTIAL (RFC 9394 3.3): only the messages of the set at these positions. */
  partial: PartialRange | null;
}

const SIMPLE = new Set<string>(['ENVELOPE', 'FLAGS', 'INTERNALDATE', 'RFC822.SIZE', 'BODY', 'BODYSTRUCTURE', 'UID', 'MODSEQ', 'SAVEDATE', 'EMAILID', 'THREADID', 'PREVIEW']);
const MACROS: Record<string, SimpleName[]> = {
  ALL: ['FLAGS', 'INTERNALDATE', 'RFC822.SIZE', 'ENVELOPE'],
  FAST: ['FLAGS', 'INTERNALDATE', 'RFC822.SIZE'],
  FULL: ['FLAGS', 'INTERNALDATE', 'RFC822.SIZE', 'ENVELOPE', 'BODY'],
};
/** A MIME part path deeper than this names nothing a real message has. */
const MAX_PART_DEPTH = 100;

/** `fetch-att / "(" fetch-att *(SP fetch-att) ")" / ALL / FAST / FULL`, then optional modifiers. */
export function parseFetch(p: Parser): FetchQuery {
  p.sp();
  let items: FetchItem[];
  if (p.peek() === 0x28) {
    items = p.list(() => fetchAtt(p), false);
  } else {
    const start = p.pos;
    const word = p.itemName();
    if (word in MACROS) {
      items = MACROS[word]!.map((name) => ({ type: 'simple', name }));
    } else {
      p.pos = start;
      items = [fetchAtt(p)];
    }
  }
  let changedSince: number | null = null;
  let vanished = false;
  let partial: PartialRange | null = null;
  if (p.take(' ')) {
    p.list(() => {
      const name = p.keyword();
      if (name === 'VANISHED') {
        vanished = true;
        return;
      }
      if (name === 'PARTIAL') {
        if (partial) throw new ParseError('PARTIAL is given twice');
        p.sp();
        partial = parsePartialRange(p);
        return;
      }
      if (name !== 'CHANGEDSINCE') throw new ParseError(`unknown FETCH modifier ${name}`);
      p.sp();
      changedSince = p.modSeq();
    }, false);
  }
  p.end();
  if (vanished && changedSince === null) throw new ParseError('VANISHED needs CHANGEDSINCE');
  return { items, changedSince, vanished, partial };
}

function fetchAtt(p: Parser): FetchItem {
  const name = p.itemName();
  if (name === 'BODY' || name === 'BODY.PEEK') {
    if (p.peek() !== 0x5b) {
      if (name === 'BODY.PEEK') throw new ParseError('BODY.PEEK needs a section');
      return { type: 'simple', name: 'BODY' };
    }
    return section(p, name === 'BODY.PEEK');
  }
  if (name === 'BINARY' || name === 'BINARY.PEEK' || name === 'BINARY.SIZE') return binary(p, name);
  if (name === 'RFC822' || name === 'RFC822.HEADER' || name === 'RFC822.TEXT') return { type: 'rfc822', name };
  if (name === 'PREVIEW') previewModifiers(p);
  if (SIMPLE.has(name)) return { type: 'simple', name: name as SimpleName };
  throw new ParseError(`unknown FETCH item ${name}`);
}

/**
 * `PREVIEW (LAZY)` (RFC 8970 section 3.1): the preview is always stored, so LAZY
 * changes nothing. A list after PREVIEW that does not start with a preview
 * modifier is left for the FETCH modifiers (`FETCH 1 PREVIEW (CHANGEDSINCE 5)`).
 */
function previewModifiers(p: Parser): void {
  if (!p.take(' (LAZY')) return;
  p.pos -= ' (LAZY'.length;
  p.sp();
  p.list(() => {
    const mod = p.keyword();
    if (mod !== 'LAZY') throw new ParseError(`unknown PREVIEW modifier ${mod}`);
  }, false);
}

function section(p: Parser, peek: boolean): SectionItem {
  p.expect('[');
  const part: number[] = [];
  let text: SectionText = '';
  let fields: string[] = [];
  while (p.peek() >= 0x30 && p.peek() <= 0x39) {
    partNumber(p, part);
    if (!p.take('.')) break;
  }
  const textNames: SectionText[] = ['HEADER.FIELDS.NOT', 'HEADER.FIELDS', 'HEADER', 'TEXT', 'MIME'];
  if (p.peek() !== 0x5d) {
    const found = textNames.find((t) => p.take(t));
    if (!found) throw new ParseError('bad section');
    if (found === 'MIME' && part.length === 0) throw new ParseError('MIME needs a part number');
    text = found;
    if (found.startsWith('HEADER.FIELDS')) {
      p.sp();
      fields = p.list(() => p.astring(), false);
    }
  }
  p.expect(']');
  return { type: 'section', peek, part, text, fields, partial: partialOf(p) };
}

function partNumber(p: Parser, part: number[]): void {
  part.push(p.nzNumber());
  if (part.length > MAX_PART_DEPTH) throw new ParseError('part number too deep');
}

/** `<start.count>` after a section, or null. */
function partialOf(p: Parser): SectionItem['partial'] {
  if (!p.take('<')) return null;
  const start = p.number();
  p.expect('.');
  const count = p.nzNumber();
  p.expect('>');
  return { start, count };
}

/** section-binary = "[" [section-part] "]" (RFC 3516 section 4.1); BINARY.SIZE takes no partial. */
function binary(p: Parser, name: string): BinaryItem {
  p.expect('[');
  const part: number[] = [];
  if (p.peek() !== 0x5d) {
    partNumber(p, part);
    while (p.take('.')) partNumber(p, part);
  }
  p.expect(']');
  const size = name === 'BINARY.SIZE';
  return { type: 'binary', peek: name !== 'BINARY', size, part, partial: size ? null : partialOf(p) };
}

/** `BINARY[1.2]<0>` or `BINARY.SIZE[1.2]`; PEEK is not echoed. */
export function binaryLabel(item: BinaryItem): string {
  return `BINARY${item.size ? '.SIZE' : ''}[${item.part.join('.')}]${item.partial ? `<${item.partial.start}>` : ''}`;
}

/** The item's name in the response: `BODY[1.HEADER.FIELDS (SUBJECT)]<0>`; PEEK is not echoed. */
export function sectionLabel(item: SectionItem): string {
  const spec = [item.part.join('.'), item.text].filter(Boolean).join('.');
  const fields = item.fields.length > 0 ? ` (${item.fields.map((f) => f.toUpperCase()).join(' ')})` : '';
  return `BODY[${spec}${fields}]${item.partial ? `<${item.partial.start}>` : ''}`;
}
