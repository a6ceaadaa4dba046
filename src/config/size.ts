const UNITS: Record<string, number> = { '': 1, k: 2 ** 10, m: 2 ** 20, g: 2 ** 30, t: 2 ** 40 };

/**
 * Reads "65536", "64k", "50M", "1.5G", "2 TiB" as a whole number of bytes
 * (units are binary and case-insensitive); null when it is not a size.
 */
export function parseSize(text: string): number | null {
  const m = /^\s*(\d+(?:\.\d+)?)\s*(?:([kmgt])(?:i?b)?|b)?\s*$/i.exec(text);
  if (!m) return null;
  const bytes = Math.floor(Number(m[1]) * UNITS[(m[2] ?? '').toLowerCase()]!);
  return Number.isSafeInteger(bytes) ? bytes : null;
}

/** The shortest exact spelling: 52428800 -> "50M", 1000 -> "1000". */
export function formatSize(bytes: number): string {
  for (const unit of ['T', 'G', 'M', 'k']) {
    const factor = UNITS[unit.toLowerCase()]!;
    if (bytes >= factor && bytes % factor === 0) return `${bytes / factor}${unit}`;
  }
  return String(bytes);
}
