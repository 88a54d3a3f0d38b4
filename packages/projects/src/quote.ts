/**
 * POSIX shell quoting as Python's shlex.quote does it (MLflow quotes parameter values with it), so a
 * rendered command reads the same as MLflow's: plain words stay bare, anything else is single-quoted.
 */

const SAFE = /^[\w@%+=:,./-]+$/;

export function shellQuote(value: string): string {
  if (value === '') return "''";
  if (SAFE.test(value)) return value;
  // Inside single quotes nothing is special except the quote itself: close, escape it, reopen.
  return `'${value.replace(/'/g, `'"'"'`)}'`;
}
