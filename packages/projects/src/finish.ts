import type { RunStatus } from '@ferry/core';
import type { ActiveRun } from '@ferry/sdk';
import type { GroupExit } from './process-group.js';

/** The artifact the command's output is kept as. */
export const LOG_ARTIFACT = 'project.log';

export function statusOf(exit: GroupExit): RunStatus {
  if (exit.stopped) return 'KILLED';
  return exit.exitCode === 0 ? 'FINISHED' : 'FAILED';
}

/**
 * Keeps the log as the run's `project.log` and ends the run. A log that cannot be stored is reported
 * but does not stop the status from being set: the status is what matters most.
 */
export async function finishRun(
  run: ActiveRun,
  logPath: string,
  status: RunStatus,
  warn: (message: string) => void,
): Promise<void> {
  try {
    await run.logArtifact(logPath);
  } catch (error) {
    warn(`could not store the log of run ${run.runId}: ${(error as Error).message}`);
  }
  await run.end(status);
}
