import { parseAddress } from '../delivery/address.ts';
import type { SieveCommand, SieveTest } from './ast.ts';
import { SieveRuntimeError } from './errors.ts';
import { pick } from './message.ts';
import { StopSignal, type CommandHandler, type ScriptRun, type TestHandler } from './run.ts';

/** RFC 5228 section 4 commands, with fileinto (RFC 5228 4.1, :create RFC 5490, :copy RFC 3894) and reject/ereject (RFC 5429). */
export const coreCommands: Record<string, CommandHandler> = {
  require: () => {},
  stop: () => {
    throw new StopSignal();
  },
  keep: (run, c) => {
    run.state.implicitKeep = false;
    run.addAction({ type: 'keep', flags: flagsOf(run, c) });
  },
  discard: (run) => {
    run.state.implicitKeep = false;
    run.addAction({ type: 'discard' });
  },
  fileinto: (run, c) => {
    const mailbox = run.str(c.positional[0]);
    if (!mailbox || /[\u0000-\u001f\u007f]/.test(mailbox)) throw new SieveRuntimeError(`fileinto: invalid mailbox name ${JSON.stringify(mailbox)}`);
    if (!c.tags.has('copy')) run.state.implicitKeep = false;
    run.addAction({ type: 'fileinto', mailbox, flags: flagsOf(run, c), create: c.tags.has('create') });
  },
  redirect: (run, c) => {
    const target = run.str(c.positional[0]);
    const address = parseAddress(target);
    if (!address) throw new SieveRuntimeError(`redirect: invalid address ${JSON.stringify(target)}`);
    const redirects = run.state.actions.filter((a) => a.type === 'redirect').length;
    if (redirects >= run.state.limits.maxRedirects) throw new SieveRuntimeError(`more than ${run.state.limits.maxRedirects} redirects`);
    if (!c.tags.has('copy')) run.state.implicitKeep = false;
    run.addAction({ type: 'redirect', address: `${address.local}@${address.domain}` });
  },
  reject: (run, c) => reject(run, c, false),
  ereject: (run, c) => reject(run, c, true),
};

function reject(run: ScriptRun, c: SieveCommand, extended: boolean): void {
  run.state.implicitKeep = false;
  run.addAction({ type: 'reject', reason: run.str(c.positional[0]), extended });
}

/** The flags a keep or fileinto stores: its :flags, else the internal variable (RFC 5232 5). */
function flagsOf(run: ScriptRun, c: SieveCommand): string[] {
  const given = c.tags.get('flags');
  if (!run.script.requires.includes('imap4flags')) return [];
  return given ? splitFlags(run.list(given.value)) : [...run.state.flags];
}

/** Flag lists are space-separated within each string (RFC 5232 3); duplicates go. */
export function splitFlags(list: string[]): string[] {
  const out: string[] = [];
  for (const flag of list.flatMap((s) => s.split(' ')).filter(Boolean)) {
    if (!out.some((f) => f.toLowerCase() === flag.toLowerCase())) out.push(flag);
  }
  return out;
}

/** RFC 5228 section 5 tests, with the subaddress parts (RFC 5233) and :index (RFC 5260 4). */
export const coreTests: Record<string, TestHandler> = {
  true: () => true,
  false: () => false,
  not: async (run, t) => !(await run.test(t.tests[0]!)),
  allof: async (run, t) => {
    for (const sub of t.tests) if (!(await run.test(sub))) return false;
    return true;
  },
  anyof: async (run, t) => {
    for (const sub of t.tests) if (await run.test(sub)) return true;
    return false;
  },
  exists: (run, t) => run.list(t.positional[0]).every((name) => run.message.rawValues(name).length > 0),
  size: (run, t) => {
    const over = t.tags.get('over');
    return over ? run.message.size > run.num(over.value) : run.message.size < run.num(t.tags.get('under')!.value);
  },
  header: (run, t) => {
    const index = run.index(t);
    const values = run.list(t.positional[0]).flatMap((name) => (index ? pick(run.message.values(name), index) : run.message.values(name)));
    return run.match(t, values, run.list(t.positional[1]));
  },
  address: (run, t) => {
    const index = run.index(t);
    const addresses = run.list(t.positional[0]).flatMap((name) => run.message.addresses(name, index));
    return run.match(t, addressParts(run, t, addresses), run.list(t.positional[1]));
  },
  envelope: (run, t) => {
    const addresses = run.list(t.positional[0]).flatMap((part) => {
      const p = part.toLowerCase();
      return p === 'from' ? [run.env.from] : p === 'to' ? [run.env.to] : [];
    });
    return run.match(t, addressParts(run, t, addresses), run.list(t.positional[1]));
  },
};

/** The part of each address the test compares; the null sender is "" in every part (RFC 5228 5.4). */
function addressParts(run: ScriptRun, t: SieveTest, addresses: string[]): string[] {
  const part = ['localpart', 'domain', 'user', 'detail'].find((p) => t.tags.has(p)) ?? 'all';
  const separator = run.env.subaddressSeparator;
  return addresses.flatMap((address) => {
    if (address === '') return part === 'detail' ? [] : [''];
    const at = address.lastIndexOf('@');
    const local = at < 0 ? address : address.slice(0, at);
    const domain = at < 0 ? '' : address.slice(at + 1);
    const cut = separator ? local.indexOf(separator) : -1;
    switch (part) {
      case 'localpart': return [local];
      case 'domain': return [domain];
      case 'user': return [cut < 0 ? local : local.slice(0, cut)];
      case 'detail': return cut < 0 ? [] : [local.slice(cut + separator.length)];
      default: return [address];
    }
  });
}
