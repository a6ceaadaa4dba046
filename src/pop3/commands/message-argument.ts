import type { DropMessage } from '../maildrop.ts';
import { parseNumber, splitArguments } from '../parser.ts';
import type { Pop3Session } from '../session.ts';

/**
 * Reads `msg [n]` arguments: the live message named by the first and the numbers
 * that follow (TOP's line count). Answers `-ERR` itself and returns null when they
 * are wrong, so the commands only handle the good case.
 */
export async function messageArguments(session: Pop3Session, rest: string, numbers = 0): Promise<{ message: DropMessage; numbers: number[] } | null> {
  const args = splitArguments(rest, 1 + numbers);
  if (!args || args.length !== 1 + numbers) {
    await session.err(numbers === 0 ? 'Expected a message number' : `Expected a message number and ${numbers} more number(s)`);
    return null;
  }
  const values = args.map(parseNumber);
  if (values.some((v) => v === null)) {
    await session.err('Invalid number');
    return null;
  }
  const found = session.maildrop!.lookup(values[0]!);
  if (!found.ok) {
    await session.err(found.error);
    return null;
  }
  return { message: found.message, numbers: values.slice(1) as number[] };
}
