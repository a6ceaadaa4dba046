/**
 * The arguments of NOTIFY (RFC 5465 8): `NONE`, or `SET [STATUS] event-group...`
 * with event-group = `"(" filter-mailboxes SP events ")"`. Pure.
 */
import { ParseError, type Parser } from './parser.ts';
import { namesIn, parseFilter, type SourceFilter } from './search-source.ts';

/** The events this server reports; the others of RFC 5465 5 are refused with BADEVENT. */
export const SUPPORTED_EVENTS = ['MessageNew', 'MessageExpunge', 'FlagChange', 'MailboxName'] as const;
export type NotifyEvent = (typeof SUPPORTED_EVENTS)[number];

const KNOWN_EVENTS = new Map(
  [...SUPPORTED_EVENTS, 'AnnotationChange', 'SubscriptionChange', 'MailboxMetadataChange', 'ServerMetadataChange'].map((e) => [e.toUpperCase(), e]),
);

/** Event groups in one NOTIFY: each is matched against every change, so their number is bounded. */
export const MAX_EVENT_GROUPS = 64;
/** Mailbox names in one NOTIFY, all groups together (Dovecot: 100 per namespace). */
export const MAX_NOTIFY_NAMES = 100;

export interface EventGroup {
  filter: SourceFilter & { delayed?: boolean };
  events: Set<string>;
}

export type NotifySpec = { type: 'none' } | { type: 'set'; status: boolean; groups: EventGroup[] };

/**
 * Parses and checks the pairing rules of RFC 5465 5: MessageNew and
 * MessageExpunge come together, FlagChange and AnnotationChange need both, and a
 * filter appears once. Events named but not supported stay in the groups for the
 * command to refuse with BADEVENT; unknown names are a syntax error.
 */
export function parseNotify(p: Parser): NotifySpec {
  p.sp();
  if (p.take('NONE')) {
    p.end();
    return { type: 'none' };
  }
  p.expect('SET');
  const status = p.take(' STATUS');
  const groups: EventGroup[] = [];
  while (p.take(' ')) {
    if (groups.length >= MAX_EVENT_GROUPS) throw new ParseError(`at most ${MAX_EVENT_GROUPS} event groups`);
    groups.push(eventGroup(p));
  }
  p.end();
  if (groups.length === 0) throw new ParseError('NOTIFY SET needs at least one event group');
  if (namesIn(groups.map((g) => g.filter)) > MAX_NOTIFY_NAMES) throw new ParseError(`at most ${MAX_NOTIFY_NAMES} mailbox names in one NOTIFY`);
  const filters = groups.map((g) => JSON.stringify({ ...g.filter, delayed: undefined }));
  if (new Set(filters).size !== filters.length) throw new ParseError('a mailbox filter is given twice');
  return { type: 'set', status, groups };
}

function eventGroup(p: Parser): EventGroup {
  p.expect('(');
  p.enter();
  const filter = parseFilter(p);
  p.sp();
  const events = new Set<string>();
  if (!p.take('NONE')) {
    for (const event of p.list(() => notifyEvent(p), false)) {
      if (events.has(event)) throw new ParseError(`${event} given twice`);
      events.add(event);
    }
  }
  p.expect(')');
  p.leave();
  const pair = events.has('MessageNew') === events.has('MessageExpunge');
  if (!pair) throw new ParseError('MessageNew and MessageExpunge go together');
  if ((events.has('FlagChange') || events.has('AnnotationChange')) && !events.has('MessageNew')) throw new ParseError('FlagChange and AnnotationChange need MessageNew and MessageExpunge');
  return { filter, events };
}

/** An event name; MessageNew's fetch attributes are not taken (a client then hears EXISTS and fetches). */
function notifyEvent(p: Parser): string {
  const name = KNOWN_EVENTS.get(p.atom().toUpperCase());
  if (!name) throw new ParseError('unknown NOTIFY event');
  if (name === 'MessageNew' && p.peek() === 0x20 && p.data[p.pos + 1] === 0x28) throw new ParseError('MessageNew fetch attributes are not supported');
  return name;
}

/** The events asked for that this server does not report, for `[BADEVENT (...)]`. */
export function unsupportedEvents(spec: Extract<NotifySpec, { type: 'set' }>): string[] {
  const supported = new Set<string>(SUPPORTED_EVENTS);
  return [...new Set(spec.groups.flatMap((g) => [...g.events]))].filter((e) => !supported.has(e));
}
