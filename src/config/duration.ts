const UNITS: Record<string, number> = { '': 1, s: 1, m: 60, h: 3600, d: 86400 };

/** Reads "300", "90s", "5m", "4h", "5d" (case-insensitive) as whole seconds; null when it is not a duration. */
export function parseDuration(text: string): number | null {
  const m = /^\s*(\d+)\s*([smhd]?)\s*$/i.exec(text);
  if (!m) return null;
  const seconds = Number(m[1]) * UNITS[m[2]!.toLowerCase()]!;
  return Number.isSafeInteger(seconds) ? seconds : null;
}

/** The shortest exact spelling: 14400 -> "4h", 90 -> "90s". */
export function formatDuration(seconds: number): string {
  for (const unit of ['d', 'h', 'm']) {
    const factor = UNITS[unit]!;
    if (seconds >= factor && seconds % factor === 0) return `${seconds / factor}${unit}`;
  }
  return `${seconds}s`;
}
