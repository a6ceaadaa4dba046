import assert from 'node:assert/strict';
import { RawImap } from './imap.ts';

/** A small deterministic generator, so a failure can be replayed. */
export function random(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state * 1664525 + 1013904223) >>> 0;
    return state / 2 ** 32;
  };
}

const ALPHABET = '()[]{}<>"\\*%+-.:, \r\n0123456789ABCDEFabcdef\x00\xff';

/** Random bytes, or one of the valid commands with bytes dropped, inserted or replaced by nasty pieces. */
function mutate(next: () => number, valid: readonly string[]): Buffer {
  const pick = <T>(list: readonly T[]) => list[Math.floor(next() * list.length)]!;
  if (next() < 0.2) return Buffer.from(Array.from({ length: Math.floor(next() * 200) }, () => Math.floor(next() * 256)));
  const bytes = [...Buffer.from(pick(valid), 'latin1')];
  for (let n = Math.floor(next() * 6); n > 0; n--) {
    const at = Math.floor(next() * (bytes.length + 1));
    const what = next();
    if (what < 0.4) bytes.splice(at, 1);
    else if (what < 0.8) bytes.splice(at, 0, ALPHABET.charCodeAt(Math.floor(next() * ALPHABET.length)));
    else bytes.splice(at, 0, ...Buffer.from(pick(['{99999999}', '{3}', '(((((((((', '*:*', '"', ' UID ', 'BODY[1.2.3.4.5]<0.1>'])));
  }
  return Buffer.from(bytes);
}

/**
 * Sends `rounds` sessions of `perRound` mutated commands each (the server's
 * `limits.message_size` must be at most 1000, so that the line ends sent after
 * them complete any literal the noise announced) and checks after each session
 * that a probe was answered or the stream was ended, and that `good`, another
 * session, is still served. `prepare` brings each fuzzing session to its state.
 */
export async function fuzzSessions(opts: {
  port: number;
  good: RawImap;
  valid: readonly string[];
  seed: number;
  rounds: number;
  perRound: number;
  prepare: (fuzz: RawImap) => Promise<void>;
}): Promise<number> {
  const next = random(opts.seed);
  let sent = 0;
  for (let round = 0; round < opts.rounds; round++) {
    const fuzz = await RawImap.connect(opts.port);
    await opts.prepare(fuzz);
    for (let i = 0; i < opts.perRound; i++, sent++) fuzz.send(Buffer.concat([mutate(next, opts.valid), Buffer.from('\r\n')]));
    fuzz.send(`${'\r\n'.repeat(600)}zz NOOP\r\n`);
    let answered = false;
    for (let line = await fuzz.line(); line !== null; line = await fuzz.line()) {
      if (line.startsWith('zz ')) {
        answered = true;
        break;
      }
    }
    // Either the probe was answered, or the server ended a stream it could no longer frame.
    assert.ok(answered || fuzz.closed);
    fuzz.close();
    assert.equal((await opts.good.command(`g${round + 1}`, 'NOOP')).at(-1), `g${round + 1} OK NOOP completed`);
  }
  return sent;
}
