/**
 * RFC 5256 THREAD: ORDEREDSUBJECT and REFERENCES over the header data stored at
 * delivery, and the answer's nested lists. Pure.
 */
import { byDate, casemap, sortEntries, type SortEntry } from './sort-order.ts';

/** A node of a thread tree; `entry` is null for a dummy (a message referred to but not here). */
export interface ThreadNode {
  entry: SortEntry | null;
  children: ThreadNode[];
}

const node = (entry: SortEntry | null): ThreadNode => ({ entry, children: [] });

/** ORDEREDSUBJECT: messages with one base subject form a thread, the first by date its root and every other a child. */
export function orderedSubject(entries: SortEntry[]): ThreadNode[] {
  const threads: ThreadNode[] = [];
  let current: ThreadNode | null = null;
  let subject = '';
  for (const entry of sortEntries(entries, [{ key: 'SUBJECT', reverse: false }, { key: 'DATE', reverse: false }])) {
    const base = casemap(entry.fields.baseSubject);
    if (current && base === subject) {
      current.children.push(node(entry));
    } else {
      current = node(entry);
      subject = base;
      threads.push(current);
    }
  }
  return threads.sort((a, b) => byDate(a.entry!, b.entry!));
}

/** Whether a subject carries a reply or forward marker, which base-subject extraction removes. */
const isReplyOrForward = (subject: string): boolean =>
  /^\s*(?:\[[^[\]]*\]\s*)*(?:re|fwd?)\s*(?:\[[^[\]]*\]\s*)*:/i.test(subject) || /\(fwd\)\s*$/i.test(subject) || /^\s*\[fwd:/i.test(subject);

interface Container extends ThreadNode {
  children: Container[];
  parent: Container | null;
}

/** Whether `a` is `of` or above it; a container without children is above nothing, which spares most walks up long chains. */
const isAncestor = (a: Container, of: Container): boolean => {
  if (a !== of && a.children.length === 0) return false;
  for (let c: Container | null = of; c; c = c.parent) if (c === a) return true;
  return false;
};

function unlink(child: Container): void {
  if (child.parent) child.parent.children.splice(child.parent.children.indexOf(child), 1);
  child.parent = null;
}

function link(parent: Container, child: Container): void {
  unlink(child);
  child.parent = parent;
  parent.children.push(child);
}

/** The date a node sorts by: its message's, or a dummy's first child's. */
const nodeDate = (n: ThreadNode): SortEntry => n.entry ?? nodeDate(n.children[0]!);

/** REFERENCES (RFC 5256 section 3), steps 1 to 6. */
export function references(entries: SortEntry[]): ThreadNode[] {
  const ids = new Map<string, Container>();
  const container = (id: string): Container => {
    let c = ids.get(id);
    if (!c) ids.set(id, (c = { entry: null, children: [], parent: null }));
    return c;
  };
  let unique = 0;
  // (1) Link each message below its references, in message number order.
  for (const entry of [...entries].sort((a, b) => a.seq - b.seq)) {
    const own = entry.fields.messageId;
    // A message without an id, or with one an earlier message has, gets an id of its own.
    const self = own && !ids.get(own)?.entry ? container(own) : container(`\0${unique++}`);
    self.entry = entry;
    const refs = entry.fields.references.length > 0 ? entry.fields.references : entry.fields.inReplyTo ? [entry.fields.inReplyTo] : [];
    let prev: Container | null = null;
    for (const ref of refs) {
      const c = container(ref);
      // (1A) An existing parent stays, and no link may close a loop.
      if (prev && !c.parent && c !== prev && !isAncestor(c, prev)) link(prev, c);
      prev = c;
    }
    // (1B) The last reference is the parent: the old link is broken first, then the new one
    // made unless it would close a loop; without references the message is a root.
    unlink(self);
    if (prev && prev !== self && !isAncestor(self, prev)) link(prev, self);
  }
  // (2) The root set; (3) without empty dummies, children of dummies promoted.
  let roots = prune([...ids.values()].filter((c) => !c.parent));
  // (4) Roots by date, a dummy by its first child.
  for (const r of roots) if (!r.entry) r.children.sort((a, b) => byDate(nodeDate(a), nodeDate(b)));
  roots.sort((a, b) => byDate(nodeDate(a), nodeDate(b)));
  roots = mergeBySubject(roots);
  // (6) Every set of siblings by date, deepest first (reverse pre-order puts children before parents).
  for (const n of preOrder(roots).reverse()) n.children.sort((a, b) => byDate(nodeDate(a), nodeDate(b)));
  return roots.sort((a, b) => byDate(nodeDate(a), nodeDate(b)));
}

/** Every node below and including `roots`, parents before children; without recursion, as reply chains can be long. */
function preOrder(roots: ThreadNode[]): ThreadNode[] {
  const out: ThreadNode[] = [];
  const stack = [...roots];
  while (stack.length > 0) {
    const n = stack.pop()!;
    out.push(n);
    for (const c of n.children) stack.push(c);
  }
  return out;
}

/**
 * Step 3: dummies without children go; a dummy's children take its place, except
 * that in the root set only a single child is promoted. Children are pruned before
 * their parents.
 */
function prune(roots: Container[]): ThreadNode[] {
  const pruned = new Map<ThreadNode, ThreadNode[]>();
  for (const c of preOrder(roots).reverse()) {
    const kids: ThreadNode[] = [];
    for (const child of c.children) {
      const below = pruned.get(child)!;
      if (child.entry) kids.push({ entry: child.entry, children: below });
      else for (const k of below) kids.push(k);
    }
    pruned.set(c, kids);
  }
  const out: ThreadNode[] = [];
  for (const r of roots) {
    const kids = pruned.get(r)!;
    if (r.entry) out.push({ entry: r.entry, children: kids });
    else if (kids.length === 1) out.push(kids[0]!);
    else if (kids.length > 1) out.push({ entry: null, children: kids });
  }
  return out;
}

/** Step 5: top-level threads with the same base subject are gathered. */
function mergeBySubject(roots: ThreadNode[]): ThreadNode[] {
  const subjectOf = (n: ThreadNode) => casemap(nodeDate(n).fields.baseSubject);
  const rawSubject = (n: ThreadNode) => nodeDate(n).fields.subject;
  const table = new Map<string, ThreadNode>();
  for (const r of roots) {
    const s = subjectOf(r);
    if (s === '') continue;
    const held = table.get(s);
    if (!held || (held.entry && (!r.entry || (isReplyOrForward(rawSubject(held)) && !isReplyOrForward(rawSubject(r)))))) table.set(s, r);
  }
  const out: ThreadNode[] = [];
  for (const r of roots) {
    const s = subjectOf(r);
    const held = s === '' ? undefined : table.get(s);
    if (!held || held === r) {
      out.push(r);
      continue;
    }
    if (!held.entry && !r.entry) {
      held.children.push(...r.children);
    } else if (!held.entry) {
      held.children.push(r);
    } else if (r.entry && isReplyOrForward(rawSubject(r)) && !isReplyOrForward(rawSubject(held))) {
      held.children.push(r);
    } else {
      // The held thread becomes a dummy over a copy of itself and this one, in place, so that later roots find the dummy.
      const dummy: ThreadNode = { entry: null, children: [{ ...held }, r] };
      Object.assign(held, dummy);
    }
  }
  return out;
}

/**
 * `(1 2 (3)(4))...`: a chain as numbers, several children as nested lists; a dummy
 * root has only the nested lists. Without recursion, as threads can be deep.
 */
export function encodeThreads(threads: ThreadNode[]): string {
  const out: string[] = [];
  const stack: (string | ThreadNode)[] = [];
  const later = (nodes: ThreadNode[]) => {
    for (let i = nodes.length - 1; i >= 0; i--) stack.push(')', nodes[i]!, '(');
  };
  later(threads);
  while (stack.length > 0) {
    const item = stack.pop()!;
    if (typeof item === 'string') {
      out.push(item);
      continue;
    }
    const ids: number[] = [];
    let cur = item;
    for (;;) {
      if (!cur.entry) break;
      ids.push(cur.entry.id);
      if (cur.children.length !== 1) break;
      cur = cur.children[0]!;
    }
    out.push(ids.join(' '));
    if (cur.children.length > 0) {
      if (ids.length > 0) out.push(' ');
      later(cur.children);
    }
  }
  return out.join('');
}
