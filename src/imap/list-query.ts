import { mailboxText } from './mailbox-name.ts';
import { ParseError, type Parser } from './parser.ts';

/** LIST with the extended syntax of RFC 5258, SPECIAL-USE (RFC 6154) and STATUS (RFC 5819). */
export interface ListQuery {
  select: { subscribed: boolean; recursiveMatch: boolean; specialUse: boolean };
  reference: string;
  /** One or more patterns; a name matching any is listed. */
  patterns: string[];
  returns: { subscribed: boolean; specialUse: boolean; status: string[] | null };
}

const SELECT_OPTIONS = new Set(['SUBSCRIBED', 'REMOTE', 'RECURSIVEMATCH', 'SPECIAL-USE']);

/**
 * `[SP "(" select-opts ")"] SP mailbox SP (list-mailbox / "(" list-mailbox *(SP list-mailbox) ")")
 * [SP RETURN (return-opts)]`. `statusItems` parses the items of `STATUS (...)`.
 * REMOTE is accepted and means nothing: there are no remote mailboxes. CHILDREN
 * is always answered, so its return option changes nothing either.
 */
export function parseListQuery(p: Parser, statusItems: (p: Parser) => string[]): ListQuery {
  p.sp();
  const selected = new Set<string>();
  if (p.peek() === 0x28) {
    for (const option of p.list(() => p.keyword())) {
      if (!SELECT_OPTIONS.has(option)) throw new ParseError(`unknown LIST selection option ${option}`);
      selected.add(option);
    }
    p.sp();
  }
  if (selected.has('RECURSIVEMATCH') && !selected.has('SUBSCRIBED') && !selected.has('SPECIAL-USE')) {
    throw new ParseError('RECURSIVEMATCH needs another selection option');
  }
  const reference = mailboxText(p, p.astring());
  p.sp();
  const patterns = p.peek() === 0x28 ? p.list(() => mailboxText(p, p.listMailbox()), false) : [mailboxText(p, p.listMailbox())];
  const returns: ListQuery['returns'] = { subscribed: false, specialUse: false, status: null };
  if (p.take(' ')) {
    p.expect('RETURN ');
    p.list(() => {
      const option = p.keyword();
      if (option === 'SUBSCRIBED') returns.subscribed = true;
      else if (option === 'SPECIAL-USE') returns.specialUse = true;
      else if (option === 'STATUS') {
        if (returns.status) throw new ParseError('STATUS given twice');
        p.sp();
        returns.status = statusItems(p);
      } else if (option !== 'CHILDREN') throw new ParseError(`unknown LIST return option ${option}`);
    });
  }
  p.end();
  return {
    select: { subscribed: selected.has('SUBSCRIBED'), recursiveMatch: selected.has('RECURSIVEMATCH'), specialUse: selected.has('SPECIAL-USE') },
    reference,
    patterns,
    returns,
  };
}
