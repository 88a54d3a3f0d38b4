import { SingleBar } from 'cli-progress';
import type { TransferProgress } from '@ferry/sdk';

/**
 * A progress bar on standard error for a multi-file transfer, shown only to a person at a terminal
 * (never in pipes, scripts or `--json` output). Returns the SDK's onProgress callback and a stop.
 */
export function progressBar(
  label: string,
  enabled: boolean,
): { onProgress?: (p: TransferProgress) => void; stop(): void } {
  if (!enabled || !process.stderr.isTTY) return { stop() {} };
  const bar = new SingleBar({
    format: `${label} [{bar}] {percentage}% | {value}/{total} files | {mb} MB`,
    stream: process.stderr,
    hideCursor: true,
  });
  let started = false;
  return {
    onProgress(p) {
      if (!started) {
        bar.start(p.filesTotal, 0, { mb: '0.0' });
        started = true;
      }
      bar.update(p.filesDone, { mb: (p.bytesDone / 2 ** 20).toFixed(1) });
    },
    stop() {
      if (started) bar.stop();
    },
  };
}
