/**
 * What each command and test takes (RFC 5228 and the extensions of capabilities.ts):
 * the validator checks a script against these, so the interpreter can trust its shape.
 */

export type ArgKind = 'string' | 'list' | 'number';

export interface TagSpec {
  /** The value that follows the tag, if any. */
  value?: ArgKind;
  /** The extension that must be required to use this tag. */
  ext?: string;
  /** Tags of one group exclude each other. */
  group?: string;
}

export interface NodeSpec {
  /** Required extension(s): any one of them makes the command or test available. */
  ext?: string[];
  positional: ArgKind[];
  /** How many positionals may be left out, and from which end. */
  optional?: { count: number; from: 'start' | 'end' };
  tags?: Record<string, TagSpec>;
  /** A tag group of which one tag must be given (`size :over|:under`). */
  requiredGroup?: string;
  tests?: 'one' | 'list';
  block?: boolean;
}

const comparator: Record<string, TagSpec> = { comparator: { value: 'string' } };
const match: Record<string, TagSpec> = {
  is: { group: 'match' },
  contains: { group: 'match' },
  matches: { group: 'match' },
  count: { group: 'match', value: 'string', ext: 'relational' },
  value: { group: 'match', value: 'string', ext: 'relational' },
};
const addressPart: Record<string, TagSpec> = {
  all: { group: 'address-part' },
  localpart: { group: 'address-part' },
  domain: { group: 'address-part' },
  user: { group: 'address-part', ext: 'subaddress' },
  detail: { group: 'address-part', ext: 'subaddress' },
};
const index: Record<string, TagSpec> = { index: { value: 'number', ext: 'index' }, last: { ext: 'index' } };
const matching = { ...comparator, ...match };

export const commands: Record<string, NodeSpec> = {
  require: { positional: ['list'] },
  if: { positional: [], tests: 'one', block: true },
  elsif: { positional: [], tests: 'one', block: true },
  else: { positional: [], block: true },
  stop: { positional: [] },
  keep: { positional: [], tags: { flags: { value: 'list', ext: 'imap4flags' } } },
  discard: { positional: [] },
  redirect: { positional: ['string'], tags: { copy: { ext: 'copy' } } },
  fileinto: {
    ext: ['fileinto'],
    positional: ['string'],
    tags: { copy: { ext: 'copy' }, create: { ext: 'mailbox' }, flags: { value: 'list', ext: 'imap4flags' } },
  },
  reject: { ext: ['reject'], positional: ['string'] },
  ereject: { ext: ['ereject'], positional: ['string'] },
  setflag: { ext: ['imap4flags'], positional: ['string', 'list'], optional: { count: 1, from: 'start' } },
  addflag: { ext: ['imap4flags'], positional: ['string', 'list'], optional: { count: 1, from: 'start' } },
  removeflag: { ext: ['imap4flags'], positional: ['string', 'list'], optional: { count: 1, from: 'start' } },
  set: {
    ext: ['variables'],
    positional: ['string', 'string'],
    tags: {
      lower: { group: 'case' },
      upper: { group: 'case' },
      lowerfirst: { group: 'first' },
      upperfirst: { group: 'first' },
      quotewildcard: {},
      length: {},
      encodeurl: { ext: 'enotify' },
    },
  },
  vacation: {
    ext: ['vacation'],
    positional: ['string'],
    tags: {
      days: { value: 'number', group: 'period' },
      seconds: { value: 'number', group: 'period', ext: 'vacation-seconds' },
      subject: { value: 'string' },
      from: { value: 'string' },
      addresses: { value: 'list' },
      mime: {},
      handle: { value: 'string' },
    },
  },
  include: {
    ext: ['include'],
    positional: ['string'],
    tags: { personal: { group: 'location' }, global: { group: 'location' }, once: {}, optional: {} },
  },
  return: { ext: ['include'], positional: [] },
  global: { ext: ['include'], positional: ['list'] },
  addheader: { ext: ['editheader'], positional: ['string', 'string'], tags: { last: {} } },
  deleteheader: {
    ext: ['editheader'],
    positional: ['string', 'list'],
    optional: { count: 1, from: 'end' },
    // RFC 5293 6: deleteheader's :index and :last need no "index" extension.
    tags: { ...matching, index: { value: 'number' }, last: {} },
  },
  notify: {
    ext: ['enotify'],
    positional: ['string'],
    tags: { from: { value: 'string' }, importance: { value: 'string' }, options: { value: 'list' }, message: { value: 'string' } },
  },
};

export const tests: Record<string, NodeSpec> = {
  address: { positional: ['list', 'list'], tags: { ...matching, ...addressPart, ...index } },
  envelope: { ext: ['envelope'], positional: ['list', 'list'], tags: { ...matching, ...addressPart } },
  header: { positional: ['list', 'list'], tags: { ...matching, ...index } },
  exists: { positional: ['list'] },
  true: { positional: [] },
  false: { positional: [] },
  not: { positional: [], tests: 'one' },
  allof: { positional: [], tests: 'list' },
  anyof: { positional: [], tests: 'list' },
  size: {
    positional: [],
    tags: { over: { value: 'number', group: 'size' }, under: { value: 'number', group: 'size' } },
    requiredGroup: 'size',
  },
  body: {
    ext: ['body'],
    positional: ['list'],
    tags: { ...matching, raw: { group: 'transform' }, content: { value: 'list', group: 'transform' }, text: { group: 'transform' } },
  },
  string: { ext: ['variables'], positional: ['list', 'list'], tags: matching },
  hasflag: { ext: ['imap4flags'], positional: ['list', 'list'], optional: { count: 1, from: 'start' }, tags: matching },
  date: {
    ext: ['date'],
    positional: ['string', 'string', 'list'],
    tags: { ...matching, ...index, zone: { value: 'string', group: 'zone' }, originalzone: { group: 'zone' } },
  },
  currentdate: { ext: ['date'], positional: ['string', 'list'], tags: { ...matching, zone: { value: 'string' } } },
  mailboxexists: { ext: ['mailbox'], positional: ['list'] },
  spamtest: { ext: ['spamtest', 'spamtestplus'], positional: ['string'], tags: { ...matching, percent: { ext: 'spamtestplus' } } },
  duplicate: {
    ext: ['duplicate'],
    positional: [],
    tags: {
      handle: { value: 'string' },
      header: { value: 'string', group: 'id' },
      uniqueid: { value: 'string', group: 'id' },
      seconds: { value: 'number' },
      last: {},
    },
  },
  valid_notify_method: { ext: ['enotify'], positional: ['list'] },
  notify_method_capability: { ext: ['enotify'], positional: ['string', 'string', 'list'], tags: matching },
};

/** Comparators (RFC 4790) and the capability that must be required for each, if any. */
export const comparators: Record<string, string | null> = {
  'i;octet': null,
  'i;ascii-casemap': null,
  'i;ascii-numeric': 'comparator-i;ascii-numeric',
};

export const relationalOperators = ['gt', 'ge', 'lt', 'le', 'eq', 'ne'];

export const dateParts = ['year', 'month', 'day', 'date', 'julian', 'hour', 'minute', 'second', 'time', 'iso8601', 'std11', 'zone', 'weekday'];
