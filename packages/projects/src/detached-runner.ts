/**
 * A detached run's supervisor, started by runProject({ detach: true }) as its own session so it
 * outlives the caller:
 *
 *   node detached-runner.js <job.json>
 *
 * It starts the command (its stdout and stderr already point at the run's log file), waits for it, then
 * stores the log and ends the run with the status its exit code gives. SIGTERM, SIGINT or SIGHUP stop
 * the command's process group and end the run KILLED.
 */

import { readFileSync, rmSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { ActiveRun, TrackingSession } from '@ferry/sdk';
import { finishRun, statusOf } from './finish.js';
import type { DetachedJob } from './detached-job.js';
import { startGroup } from './process-group.js';

const jobFile = process.argv[2];
if (!jobFile) {
  console.error('usage: detached-runner <job.json>');
  process.exit(2);
}
const job = JSON.parse(readFileSync(jobFile, 'utf8')) as DetachedJob;
// The job holds the run's environment: not left on disk longer than needed.
rmSync(jobFile, { force: true });

const warn = (message: string) => console.error(`[ferry] ${message}`);
// stdout and stderr of this process are the log file, opened for appending; the command shares it.
const group = startGroup(job.argv, { cwd: job.cwd, env: job.env, output: { fd: 1 } });
for (const signal of ['SIGTERM', 'SIGINT', 'SIGHUP'] as const) {
  process.on(signal, () => group.stop(job.killGraceMs));
}
const exit = await group.done;
const status = statusOf(exit);
console.error(`[ferry] command ended with exit code ${exit.exitCode}: run ${job.runId} ${status}`);

const session = new TrackingSession({ trackingUri: job.trackingUri, env: job.env, captureSource: false });
try {
  const info = (await session.client.getRun(job.runId)).info;
  await finishRun(new ActiveRun(session.client, info), job.logPath, status, warn);
} catch (error) {
  warn(`could not end run ${job.runId}: ${(error as Error).message}`);
  process.exitCode = 1;
} finally {
  await session.close();
  for (const dir of job.removeAfter) await rm(dir, { recursive: true, force: true });
}
