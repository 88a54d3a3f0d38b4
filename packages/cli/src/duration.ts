const UNIT_MS: Record<string, number> = { d: 86_400_000, h: 3_600_000, m: 60_000, s: 1000 };

/** Milliseconds in a duration written as MLflow's `gc --older-than` takes it: `30d`, `1d2h`, `45m30s`. */
export function parseDuration(text: string): number {
  const parts = [...text.matchAll(/(\d+(?:\.\d+)?)([dhms])/g)];
  if (parts.length === 0 || parts.map((p) => p[0]).join('') !== text) {
    throw new Error(`invalid duration '${text}': use e.g. 30d, 12h, 1d2h30m or 45s`);
  }
  return parts.reduce((ms, [, n, unit]) => ms + Number(n) * (UNIT_MS[unit as string] ?? 0), 0);
}
