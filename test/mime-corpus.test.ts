/**
 * The MIME indexer against Dovecot: for every corpus message, ENVELOPE, BODYSTRUCTURE
 * and BODY equal what Dovecot 2.3 answered (test/fixtures/corpus/dovecot-expected.json,
 * made by scripts/dovecot-fixtures.ts). Dovecot is not needed to run this test.
 *
 * Messages are indexed as Mailfold stores them: with CRLF line endings (delivery's
 * toCrlf). Dovecot serves exactly those bytes for every corpus message, which the
 * sha256 check below proves, so both sides describe the same octets.
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { toCrlf } from '../src/delivery/line-endings.ts';
import { indexMessage } from '../src/mime/index.ts';
import type { ImapValue } from '../src/mime/types.ts';

const corpus = join(import.meta.dirname, 'fixtures/corpus');
const expected = JSON.parse(readFileSync(join(corpus, 'dovecot-expected.json'), 'utf8')) as {
  dovecot: string;
  messages: Record<string, { size: number; sha256: string; envelope: ImapValue; bodyStructure: ImapValue; body: ImapValue }>;
};
const files = readdirSync(join(corpus, 'messages')).filter((f) => f.endsWith('.eml')).sort();

describe(`MIME indexer matches ${expected.dovecot}`, () => {
  test('every corpus message has a Dovecot answer', () => {
    assert.equal(files.length, 91);
    assert.deepEqual(Object.keys(expected.messages).sort(), files);
  });

  for (const file of files) {
    test(file, () => {
      const stored = toCrlf(readFileSync(join(corpus, 'messages', file)));
      const want = expected.messages[file]!;
      assert.equal(createHash('sha256').update(stored).digest('hex'), want.sha256, 'Dovecot served other bytes');
      assert.equal(stored.length, want.size);
      const index = indexMessage(stored);
      assert.deepEqual(index.envelope, want.envelope, 'ENVELOPE');
      assert.deepEqual(index.bodyStructure, want.bodyStructure, 'BODYSTRUCTURE');
      assert.deepEqual(index.body, want.body, 'BODY');
      // JSON round trip: what the store keeps is what was computed.
      assert.deepEqual(JSON.parse(JSON.stringify(index)), index);
    });
  }

  test('bare-LF originals give the same structure (sizes count lines as CRLF)', () => {
    for (const file of files) {
      const original = readFileSync(join(corpus, 'messages', file));
      const want = expected.messages[file]!;
      assert.deepEqual(indexMessage(original).bodyStructure, want.bodyStructure, file);
    }
  });
});
