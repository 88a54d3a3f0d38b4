/** Local date and time of an epoch-milliseconds timestamp, or an empty string. */
export function formatTime(ms: number | undefined): string {
  if (!ms) return '';
  const d = new Date(Number(ms));
  const pad = (n: number) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())} ${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}`;
}

/** A run's duration (`1.2s`, `3m 4s`, `2h 5m`); empty while it has not ended. */
export function formatDuration(start: number | undefined, end: number | undefined): string {
  if (!start || !end) return '';
  const ms = Number(end) - Number(start);
  if (ms < 1000) return `${ms}ms`;
  const s = ms / 1000;
  if (s < 60) return `${s.toFixed(1)}s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m}m ${Math.round(s % 60)}s`;
  const h = Math.floor(m / 60);
  return `${h}h ${m % 60}m`;
}

/** A number with at most 6 significant digits, as metric tables show them. */
export function formatNumber(value: number): string {
  if (!Number.isFinite(value)) return String(value);
  return Number.isInteger(value) ? String(value) : String(Number(value.toPrecision(6)));
}

export function formatBytes(size: number | undefined): string {
  if (size === undefined) return '';
  const n = Number(size);
  if (n < 1024) return `${n} B`;
  if (n < 1024 ** 2) return `${(n / 1024).toFixed(1)} KiB`;
  if (n < 1024 ** 3) return `${(n / 1024 ** 2).toFixed(1)} MiB`;
  return `${(n / 1024 ** 3).toFixed(1)} GiB`;
}

/** The value of a tag in a key/value list. */
export function tagValue(
  tags: { key: string; value: string }[] | undefined,
  key: string,
): string | undefined {
  return tags?.find((t) => t.key === key)?.value;
}
