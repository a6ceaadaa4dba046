import { readdirSync, readFileSync } from 'node:fs';

/** `pid` and all its descendants, from /proc. */
export function processTree(roots: number[]): number[] {
  const children = new Map<number, number[]>();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'latin1');
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      children.set(ppid, [...(children.get(ppid) ?? []), Number(entry)]);
    } catch {
      // The process ended while we looked.
    }
  }
  const out: number[] = [];
  const queue = [...roots];
  while (queue.length > 0) {
    const pid = queue.shift()!;
    out.push(pid);
    queue.push(...(children.get(pid) ?? []));
  }
  return out;
}

function kb(file: string, field: string): number {
  try {
    const match = new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(readFileSync(file, 'latin1'));
    return match ? Number(match[1]) : 0;
  } catch {
    return 0;
  }
}

export interface Memory {
  /** Sum of the resident set sizes, MB. */
  rss: number;
  /** Sum of the proportional set sizes (shared pages split between processes), MB. */
  pss: number;
  processes: number;
}

/** Memory of the process trees under `roots`. */
export function treeMemory(roots: number[]): Memory {
  const pids = processTree(roots);
  let rss = 0;
  let pss = 0;
  for (const pid of pids) {
    rss += kb(`/proc/${pid}/status`, 'VmRSS');
    pss += kb(`/proc/${pid}/smaps_rollup`, 'Pss');
  }
  return { rss: rss / 1024, pss: pss / 1024, processes: pids.length };
}

/** Open file descriptors of the process trees under `roots`. */
export function treeFds(roots: number[]): number {
  let fds = 0;
  for (const pid of processTree(roots)) {
    try {
      fds += readdirSync(`/proc/${pid}/fd`).length;
    } catch {
      // Gone, or not ours to read.
    }
  }
  return fds;
}

/** Samples the trees' memory every `ms` until stopped; returns the peak. */
export function peakSampler(roots: () => number[], ms = 250): { stop: () => Memory } {
  let peak: Memory = treeMemory(roots());
  const timer = setInterval(() => {
    const now = treeMemory(roots());
    if (now.rss > peak.rss) peak = now;
  }, ms);
  return {
    stop: () => {
      clearInterval(timer);
      const now = treeMemory(roots());
      return now.rss > peak.rss ? now : peak;
    },
  };
}
