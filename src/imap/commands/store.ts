import type { FlagOperation } from '../../store/types.ts';
import { parseStoreFlags } from '../flags.ts';
import { limitUids, withCut } from '../message-limit.ts';
import { parseMessageSet, resolve, type MessageSet } from '../message-set.ts';
import { ParseError, type Parser } from '../parser.ts';
import { compactSet } from '../sequence-set.ts';
import { flagsHead, isUidOnly } from '../uid-only.ts';
import { command, no, ok } from '../command.ts';
import type { ImapSession } from '../session.ts';
import { flagLessons } from '../spam-learning.ts';

interface StoreArgs {
  messages: MessageSet;
  unchangedSince: number | null;
  op: FlagOperation;
  silent: boolean;
  flags: string[];
}

const OPS: Record<string, FlagOperation> = { '': 'set', '+': 'add', '-': 'remove' };

function parseStore(p: Parser, byUid: boolean): StoreArgs {
  p.sp();
  const messages = parseMessageSet(p, byUid);
  p.sp();
  let unchangedSince: number | null = null;
  if (p.peek() === 0x28) {
    p.expect('(');
    p.expect('UNCHANGEDSINCE ');
    unchangedSince = p.modSeq();
    p.expect(') ');
  }
  const sign = p.take('+') ? '+' : p.take('-') ? '-' : '';
  const item = p.keyword();
  if (item !== 'FLAGS' && item !== 'FLAGS.SILENT') throw new ParseError('expected FLAGS or FLAGS.SILENT');
  p.sp();
  const flags = parseStoreFlags(p);
  p.end();
  return { messages, unchangedSince, op: OPS[sign]!, silent: item === 'FLAGS.SILENT', flags };
}

/**
 * RFC 3501 6.4.6 with UNCHANGEDSINCE (RFC 7162 3.1.3): messages changed after the
 * given MODSEQ are left alone and named in a MODIFIED response code.
 */
async function runStore(session: ImapSession, args: StoreArgs) {
  const view = session.view!;
  if (view.readOnly) return no('The mailbox is read-only', 'READ-ONLY');
  if (args.unchangedSince !== null) await session.enableCondstore();
  const { uids, order, cut } = limitUids(session, resolve(view, args.messages), args.messages.byUid ? 'UID STORE' : 'STORE');
  const store = session.deps.store;
  const lessons = await flagLessons(session, uids, args.op, args.flags);
  const changed = await store.storeFlags(view.mailbox.id, uids, args.op, args.flags, args.unchangedSince ?? undefined, lessons);
  const changedUids = new Set(changed.map((m) => m.uid));
  // The changed records come back from the write; only the others are read, and only when they are answered.
  const needOthers = !args.silent || args.unchangedSince !== null;
  const others = needOthers ? uids.filter((uid) => !changedUids.has(uid)) : [];
  const records = new Map([...changed, ...(others.length > 0 ? await store.messageStates(view.mailbox.id, others) : [])].flatMap((m) => (m ? [[m.uid, m] as const] : [])));
  for (const line of view.announceKeywords(changed.flatMap((m) => m.flags))) await session.write(line);
  const modified: number[] = [];
  for (const uid of order) {
    const message = records.get(uid);
    if (!message) continue;
    if (args.unchangedSince !== null && !changedUids.has(message.uid) && message.modSeq > args.unchangedSince) {
      modified.push(args.messages.byUid ? message.uid : view.seqOf(message.uid));
      continue;
    }
    if (args.silent) {
      if (changedUids.has(message.uid)) view.told(message.uid, message.modSeq);
      continue;
    }
    view.told(message.uid, message.modSeq);
    const modseq = session.condstore ? ` MODSEQ (${message.modSeq})` : '';
    await session.untagged(`${flagsHead(view.seqOf(message.uid), message.uid, isUidOnly(session))}FLAGS ${view.flagList(message)}${modseq})`);
  }
  if (modified.length > 0) return withCut(session, ok('Some messages were modified meanwhile', `MODIFIED ${compactSet(modified)}`), cut);
  return withCut(session, ok('STORE completed'), cut);
}

/** RFC 3501 6.4.6. */
export default command({
  states: ['selected'],
  expunges: false,
  parse: (p) => parseStore(p, false),
  run: runStore,
});

/** RFC 3501 6.4.8: STORE by UID. */
export const uidStore = command({
  states: ['selected'],
  parse: (p) => parseStore(p, true),
  run: runStore,
});
