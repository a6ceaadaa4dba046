import { ParseError, type Parser } from './parser.ts';
import { parseSequenceSet, type SequenceSet } from './sequence-set.ts';

/** `QRESYNC (uidvalidity modseq [known-uids [seq-match-data]])` (RFC 7162 3.2.5). */
export interface QresyncParam {
  uidValidity: number;
  modSeq: number;
  knownUids: SequenceSet | null;
  /** Message numbers and the UIDs the client has for them; parsed, not needed: every expunge is remembered. */
  seqMatch: { seqs: SequenceSet; uids: SequenceSet } | null;
}

export interface SelectParams {
  condstore: boolean;
  qresync: QresyncParam | null;
}

/** The optional `(select-param ...)` of SELECT and EXAMINE: CONDSTORE (RFC 7162 3.1.8) and QRESYNC. */
export function parseSelectParams(p: Parser): SelectParams {
  const out: SelectParams = { condstore: false, qresync: null };
  p.list(() => {
    const name = p.keyword();
    if (name === 'CONDSTORE') {
      out.condstore = true;
    } else if (name === 'QRESYNC') {
      if (out.qresync) throw new ParseError('QRESYNC given twice');
      p.sp();
      out.qresync = qresync(p);
    } else {
      throw new ParseError(`unknown SELECT parameter ${name}`);
    }
  });
  return out;
}

function qresync(p: Parser): QresyncParam {
  p.expect('(');
  p.enter();
  const uidValidity = p.nzNumber();
  p.sp();
  const modSeq = p.modSeq();
  let knownUids: SequenceSet | null = null;
  let seqMatch: QresyncParam['seqMatch'] = null;
  if (p.take(' ')) {
    if (p.peek() !== 0x28) {
      knownUids = parseSequenceSet(p);
      if (!p.take(' ')) return close(p, { uidValidity, modSeq, knownUids, seqMatch });
    }
    p.expect('(');
    const seqs = parseSequenceSet(p);
    p.sp();
    const uids = parseSequenceSet(p);
    p.expect(')');
    seqMatch = { seqs, uids };
  }
  return close(p, { uidValidity, modSeq, knownUids, seqMatch });
}

function close(p: Parser, param: QresyncParam): QresyncParam {
  p.expect(')');
  p.leave();
  return param;
}
