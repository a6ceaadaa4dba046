import assert from 'node:assert/strict';
import type { ImapFlow } from 'imapflow';

export interface Seen {
  source: Buffer;
  flags: string[];
  date: number;
}

/** Every message of a mailbox as a client sees it, in UID order: bytes, flags (without \Recent), internal date. */
export async function readMailbox(client: ImapFlow, path: string): Promise<Seen[]> {
  const lock = await client.getMailboxLock(path, { readOnly: true });
  try {
    if ((client.mailbox as { exists: number }).exists === 0) return [];
    const out: (Seen & { uid: number })[] = [];
    for await (const m of client.fetch('1:*', { uid: true, flags: true, internalDate: true, source: true })) {
      out.push({
        uid: m.uid,
        source: m.source!,
        flags: [...(m.flags ?? [])].filter((f) => f !== '\\Recent').sort(),
        date: new Date(m.internalDate!).getTime(),
      });
    }
    return out.sort((a, b) => a.uid - b.uid).map(({ source, flags, date }) => ({ source, flags, date }));
  } finally {
    lock.release();
  }
}

/** The two mailboxes hold the same messages in the same order, byte for byte, with the same flags and dates. */
export async function assertSameMailbox(a: ImapFlow, aPath: string, b: ImapFlow, bPath: string, opts: { bytes?: boolean } = {}): Promise<number> {
  const [left, right] = [await readMailbox(a, aPath), await readMailbox(b, bPath)];
  assert.equal(right.length, left.length, `${aPath} has ${left.length} messages, ${bPath} ${right.length}`);
  left.forEach((m, i) => {
    const other = right[i]!;
    if (opts.bytes !== false) assert.ok(m.source.equals(other.source), `${aPath} message ${i + 1}: bytes differ: ${JSON.stringify(m.source.toString())} ${JSON.stringify(other.source.toString())}`);
    assert.deepEqual(other.flags, m.flags, `${aPath} message ${i + 1}: flags`);
    assert.equal(other.date, m.date, `${aPath} message ${i + 1}: internal date`);
  });
  return left.length;
}
