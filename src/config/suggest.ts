/** Case, "_" and "-" do not count: "messageSize" and "Message-Size" both mean message_size. */
const normalize = (s: string) => s.toLowerCase().replace(/[_-]/g, '');

/** Edit distance counting a swap of two neighbours as one edit (Damerau, optimal string alignment). */
function distance(a: string, b: string): number {
  const d = Array.from({ length: a.length + 1 }, (_, i) => [i, ...Array<number>(b.length).fill(0)]);
  for (let j = 1; j <= b.length; j++) d[0]![j] = j;
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let best = Math.min(d[i - 1]![j]! + 1, d[i]![j - 1]! + 1, d[i - 1]![j - 1]! + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) best = Math.min(best, d[i - 2]![j - 2]! + 1);
      d[i]![j] = best;
    }
  }
  return d[a.length]![b.length]!;
}

/** The known name a typo most likely meant, or undefined when none is close enough to be a fair guess. */
export function closest(word: string, known: readonly string[]): string | undefined {
  const w = normalize(word);
  let best: string | undefined;
  let bestDistance = Math.max(1, Math.floor(w.length / 3)) + 1;
  for (const candidate of known) {
    const c = normalize(candidate);
    // The distance is at least the difference in length: a long key is not compared at all.
    if (Math.abs(c.length - w.length) >= bestDistance) continue;
    const dist = distance(w, c);
    if (dist < bestDistance) [best, bestDistance] = [candidate, dist];
  }
  return best;
}
