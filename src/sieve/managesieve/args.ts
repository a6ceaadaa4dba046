import { ScriptError } from '../script-service.ts';
import { utf8, type Word } from './parser.ts';
import { no, type Outcome } from './response.ts';

/** The arguments as text when they are exactly the strings expected (UTF-8), else the NO to answer. */
export function textArgs(args: Word[], names: readonly string[], command: string): string[] | Outcome {
  const usage = `${command} takes ${names.length === 0 ? 'no arguments' : names.join(' and ')}, as strings`;
  if (args.length !== names.length) return no(usage);
  const texts: string[] = [];
  for (const word of args) {
    if (word.type !== 'string') return no(usage);
    const text = utf8(word.bytes);
    if (text === null) return no('Strings must be UTF-8');
    texts.push(text);
  }
  return texts;
}

/** A refusal of the script service as RFC 5804 answers it; anything else is an internal error. */
export function refused(err: unknown): Outcome {
  if (!(err instanceof ScriptError)) throw err;
  const code = err.code === 'INVALID-NAME' || err.code === 'INVALID-SCRIPT' ? undefined : err.code;
  return no(err.message, code);
}
