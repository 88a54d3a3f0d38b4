/** How a command prints: human tables by default, JSON for scripts (`--json`). */
export interface OutputOptions {
  json?: boolean;
}

export type Cell = string | number | boolean | undefined | null;

/** Prints rows as an aligned table with a header, or as a JSON array of objects. */
export function printRows(rows: Record<string, Cell>[], columns: string[], options: OutputOptions): void {
  if (options.json) {
    console.log(JSON.stringify(rows, null, 2));
    return;
  }
  if (rows.length === 0) {
    console.log('(none)');
    return;
  }
  const text = (v: Cell): string => (v === undefined || v === null ? '' : String(v));
  const widths = columns.map((c) => Math.max(c.length, ...rows.map((r) => text(r[c]).length)));
  const line = (cells: string[]): string =>
    cells
      .map((cell, i) => cell.padEnd(widths[i] ?? 0))
      .join('  ')
      .trimEnd();
  console.log(line(columns.map((c) => c.toUpperCase())));
  for (const row of rows) console.log(line(columns.map((c) => text(row[c]))));
}

/** Prints one object: `key  value` lines, or JSON. */
export function printObject(value: unknown, options: OutputOptions): void {
  console.log(options.json ? JSON.stringify(value, null, 2) : formatObject(value));
}

function formatObject(value: unknown, indent = ''): string {
  if (value === null || typeof value !== 'object') return `${indent}${String(value)}`;
  return Object.entries(value as Record<string, unknown>)
    .map(([k, v]) =>
      v !== null && typeof v === 'object'
        ? `${indent}${k}:\n${formatObject(v, `${indent}  `)}`
        : `${indent}${k}: ${String(v)}`,
    )
    .join('\n');
}

export const isoTime = (ms: number | undefined): string =>
  ms ? new Date(ms).toISOString().replace('.000Z', 'Z') : '';
