import { canonicalFlag } from '../store/flags.ts';
import { MAX_KEYWORD_LENGTH } from '../store/rules/keywords.ts';

const SYSTEM = new Set(['\\Seen', '\\Answered', '\\Flagged', '\\Deleted', '\\Draft']);
/** An IMAP atom (RFC 3501 9, `flag-keyword`): no specials, no controls, ASCII. */
const KEYWORD = /^[^\x00-\x20\x7f-\uffff(){%*"\\\]]+$/;
/** Flags kept per message: more is no mail client's doing, and their list must fit in one request line. */
const MAX_FLAGS = 100;

/**
 * Flags from a source, as an IMAP client could have set them: system flags in their
 * canonical spelling and keywords that are atoms, each once. `\Recent` and anything
 * else is dropped (and named, for the report).
 */
export function cleanFlags(flags: Iterable<string>): { flags: string[]; dropped: string[] } {
  const out = new Map<string, string>();
  const dropped: string[] = [];
  for (const raw of flags) {
    const flag = canonicalFlag(raw);
    const ok = flag.startsWith('\\') ? SYSTEM.has(flag) : flag.length <= MAX_KEYWORD_LENGTH && KEYWORD.test(flag);
    if (!ok || out.size >= MAX_FLAGS) {
      if (flag !== '\\Recent') dropped.push(raw);
      continue;
    }
    if (!out.has(flag.toLowerCase())) out.set(flag.toLowerCase(), flag);
  }
  return { flags: [...out.values()], dropped };
}
