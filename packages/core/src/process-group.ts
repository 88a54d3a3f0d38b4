/**
 * Sends a signal to every process of a process group (a command started `detached` leads its own);
 * false when there is no such group. Never signals -0 or -1, which mean "every process this user may
 * signal", whatever a caller passes.
 */
export function signalGroup(pgid: number | undefined, signal: NodeJS.Signals | 0): boolean {
  if (pgid === undefined || !Number.isInteger(pgid) || pgid <= 1) return false;
  try {
    process.kill(-pgid, signal);
    return true;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ESRCH') return false;
    throw err;
  }
}
