import { partText, TEXT_LIMIT } from '../mime/text.ts';
import { charsetDecode, transferDecode } from '../mime/decode.ts';
import type { PartIndex } from '../mime/types.ts';
import type { SieveMessage } from './message.ts';
import type { TestHandler } from './run.ts';

/** RFC 5173: the body test, on the raw body, its text parts (:text, the default) or parts of given types (:content). */
export const bodyTests: Record<string, TestHandler> = {
  body: (run, t) => {
    const keys = run.list(t.positional[0]);
    if (t.tags.has('raw')) return run.match(t, [run.message.body.subarray(0, TEXT_LIMIT).toString('utf8')], keys);
    const content = t.tags.get('content');
    const types = content ? run.list(content.value).map((s) => s.toLowerCase()) : ['text'];
    return run.match(t, partsOf(run.message, types), keys);
  },
};

/** The decoded content of each leaf part whose type is in `types` ("" for any, "text" for a whole type). */
function partsOf(message: SieveMessage, types: string[]): string[] {
  const out: string[] = [];
  const stack = [message.root];
  const raw = message.original;
  while (stack.length > 0) {
    const part = stack.pop()!;
    if (part.parts) for (let i = part.parts.length - 1; i >= 0; i--) stack.push(part.parts[i]!);
    else if (part.message) stack.push(part.message);
    if ((part.parts || part.message) && !types.includes(`${part.type}/${part.subtype}`)) continue;
    if (wanted(part, types)) out.push(contentOf(raw, part));
  }
  return out;
}

const wanted = (part: PartIndex, types: string[]): boolean =>
  types.some((t) => t === '' || t === part.type || t === `${part.type}/${part.subtype}`);

/** Text parts decoded to Unicode (HTML as text, as Pigeonhole does for :text); others transfer-decoded. */
function contentOf(raw: Buffer, part: PartIndex): string {
  if (part.type === 'text') return partText(raw, part, TEXT_LIMIT);
  const end = Math.min(part.body.end, part.body.start + TEXT_LIMIT);
  return charsetDecode(transferDecode(raw.subarray(part.body.start, end), part.encoding), 'utf-8');
}
