import { ParseError, type Parser } from './parser.ts';

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

export type SimpleName = 'ENVELOPE' | 'FLAGS' | 'INTERNALDATE' | 'RFC822.SIZE' | 'BODY' | 'BODYSTRUCTURE' | 'UID' | 'MODSEQ';

export type FetchItem =
  | { type: 'simple'; name: SimpleName }
  /** RFC822, RFC822.HEADER, RFC822.TEXT: old names for BODY[], BODY.PEEK[HEADER], BODY[TEXT]. */
  | { type: 'rfc822'; name: 'RFC822' | 'RFC822.HEADER' | 'RFC822.TEXT' }
  | SectionItem;

export interface FetchQuery {
  items: FetchItem[];
  /** CHANGEDSINCE (RFC 7162 3.1.4.1): only messages whose MODSEQ is above it. */
  changedSince: number | null;
  /** VANISHED (RFC 7162 3.2.6): also report expunged UIDs of the set, with CHANGEDSINCE only. */
  vanished: boolean;
}

const SIMPLE = new Set<string>(['ENVELOPE', 'FLAGS', 'INTERNALDATE', 'RFC822.SIZE', 'BODY', 'BODYSTRUCTURE', 'UID', 'MODSEQ']);
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
  if (p.take(' ')) {
    p.list(() => {
      const name = p.keyword();
      if (name === 'VANISHED') {
        vanished = true;
        return;
      }
      if (name !== 'CHANGEDSINCE') throw new ParseError(`unknown FETCH modifier ${name}`);
      p.sp();
      changedSince = p.modSeq();
    }, false);
  }
  p.end();
  if (vanished && changedSince === null) throw new ParseError('VANISHED needs CHANGEDSINCE');
  return { items, changedSince, vanished };
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
  if (name === 'RFC822' || name === 'RFC822.HEADER' || name === 'RFC822.TEXT') return { type: 'rfc822', name };
  if (SIMPLE.has(name)) return { type: 'simple', name: name as SimpleName };
  throw new ParseError(`unknown FETCH item ${name}`);
}

function section(p: Parser, peek: boolean): SectionItem {
  p.expect('[');
  const part: number[] = [];
  let text: SectionText = '';
  let fields: string[] = [];
  while (p.peek() >= 0x30 && p.peek() <= 0x39) {
    part.push(p.nzNumber());
    if (part.length > MAX_PART_DEPTH) throw new ParseError('part number too deep');
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
  let partial: SectionItem['partial'] = null;
  if (p.take('<')) {
    const start = p.number();
    p.expect('.');
    const count = p.nzNumber();
    p.expect('>');
    partial = { start, count };
  }
  return { type: 'section', peek, part, text, fields, partial };
}

/** The item's name in the response: `BODY[1.HEADER.FIELDS (SUBJECT)]<0>`; PEEK is not echoed. */
export function sectionLabel(item: SectionItem): string {
  const spec = [item.part.join('.'), item.text].filter(Boolean).join('.');
  const fields = item.fields.length > 0 ? ` (${item.fields.map((f) => f.toUpperCase()).join(' ')})` : '';
  return `BODY[${spec}${fields}]${item.partial ? `<${item.partial.start}>` : ''}`;
}
