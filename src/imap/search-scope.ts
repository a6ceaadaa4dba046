import type { Uid } from '../store/types.ts';
import type { SearchKey } from './search-query.ts';

type Restriction = (uid: Uid, seq: number) => boolean;

/**
 * The messages a search looks at, which MESSAGELIMIT counts ("the total number of
 * searched messages (note, NOT the number of matched messages)", RFC 9738 3.1):
 * those left by the message sets, UID sets, UIDAFTER, UIDBEFORE and `$` among the
 * keys ANDed at the top; any other key looks at every message. `uids` is the
 * mailbox as the client knows it, ascending.
 */
export function searchedUids(key: SearchKey, uids: readonly Uid[], saved: ReadonlySet<Uid>): Uid[] {
  const test = restriction(key, uids.length, uids.at(-1) ?? 0, saved);
  return test ? uids.filter((uid, i) => test(uid, i + 1)) : [...uids];
}

function restriction(key: SearchKey, maxSeq: number, maxUid: number, saved: ReadonlySet<Uid>): Restriction | null {
  switch (key.type) {
    case 'seq': {
      const inSet = key.set.matcher(maxSeq);
      return (_uid, seq) => inSet(seq);
    }
    case 'uid': {
      const inSet = key.set.matcher(maxUid);
      return (uid) => inSet(uid);
    }
    case 'uidbound':
      return key.op === 'after' ? (uid) => uid > key.uid : (uid) => uid < key.uid;
    case 'saved':
      return (uid) => saved.has(uid);
    case 'and': {
      const tests = key.keys.flatMap((k) => restriction(k, maxSeq, maxUid, saved) ?? []);
      return tests.length === 0 ? null : (uid, seq) => tests.every((test) => test(uid, seq));
    }
    default:
      return null;
  }
}
