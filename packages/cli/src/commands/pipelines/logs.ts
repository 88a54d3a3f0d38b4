import type { Command } from 'commander';
import type { PipelineTask, PipelinesClient } from '@ferry/sdk';
import { withSession, withTrackingOptions } from '../../tracking.js';
import { pipelinesOf, positiveInteger } from './shared.js';
import type { Opts } from './shared.js';

const sleep = (ms: number) => new Promise((done) => setTimeout(done, ms));

const TASK_DONE = new Set(['succeeded', 'failed', 'skipped', 'cached', 'cancelled']);

/** The task of the run, by id or (when no id matches) by name. */
async function taskOf(
  client: PipelinesClient,
  runId: string,
  idOrName: string,
): Promise<PipelineTask | undefined> {
  const { tasks } = await client.getRun(runId);
  return tasks.find((t) => t.taskId === idOrName) ?? tasks.find((t) => t.name === idOrName);
}

/**
 * Prints the log as it grows until the task (and so its log) is finished. A log that gets shorter
 * (the next attempt started) is printed again from its start.
 */
async function follow(
  client: PipelinesClient,
  runId: string,
  taskId: string,
  attempt: number | undefined,
  pollMs: number,
): Promise<void> {
  let printed = '';
  for (;;) {
    // Read the state first: a log read after the task ended is complete.
    const task = await taskOf(client, runId, taskId);
    const done =
      task === undefined || TASK_DONE.has(task.status) || (attempt !== undefined && task.attempt > attempt);
    const text = await client.logs(runId, task?.taskId ?? taskId, attempt).catch((error: unknown) => {
      // No log yet (the task has not started): keep waiting, unless it never will.
      if (done) throw error;
      return '';
    });
    if (text.startsWith(printed)) process.stdout.write(text.slice(printed.length));
    else process.stdout.write(`\n--- log restarted ---\n${text}`);
    printed = text;
    if (done) return;
    await sleep(pollMs);
  }
}

/** `ferry pipelines logs`: a task's log. */
export function addLogsCommand(cmd: Command): void {
  withTrackingOptions(
    cmd
      .command('logs')
      .description("Print a task's log (its latest attempt unless --attempt)")
      .argument('<run-id>', 'pipeline run id')
      .argument('<task>', 'task id (or name)'),
  )
    .option('--attempt <n>', 'this attempt of the task', positiveInteger('--attempt'))
    .option('-f, --follow', 'keep printing while the task runs')
    .option('--poll-ms <ms>', 'how often --follow polls', positiveInteger('--poll-ms'), 1000)
    .action(
      (runId: string, task: string, opts: Opts & { attempt?: number; follow?: boolean; pollMs: number }) =>
        withSession(opts, async (s) => {
          const client = pipelinesOf(s);
          if (opts.follow) return follow(client, runId, task, opts.attempt, opts.pollMs);
          let text: string;
          try {
            text = await client.logs(runId, task, opts.attempt);
          } catch (error) {
            // A task name rather than its id.
            const found = await taskOf(client, runId, task).catch(() => undefined);
            if (!found || found.taskId === task) throw error;
            text = await client.logs(runId, found.taskId, opts.attempt);
          }
          process.stdout.write(text);
        }),
    );
}
