import { Option } from 'commander';
import type { Command } from 'commander';
import type { PipelineRunStatus } from '@ferry/sdk';
import { isoTime, printObject, printRows } from '../../output.js';
import { withSession, withTrackingOptions } from '../../tracking.js';
import { TASK_COLUMNS, elapsed, pipelinesOf, positiveInteger, runSummary, taskRows } from './shared.js';
import type { Opts } from './shared.js';

const RUN_STATUSES: PipelineRunStatus[] = [
  'pending',
  'running',
  'cancelling',
  'succeeded',
  'failed',
  'cancelled',
];

/** `ferry pipelines runs`: pipeline runs, newest first. */
export function addRunsCommand(cmd: Command): void {
  withTrackingOptions(cmd.command('runs').description('List pipeline runs, newest first'))
    .option('--pipeline <pipeline>', 'only runs of this pipeline (name or id)')
    .option('--schedule <schedule>', 'only runs fired by this schedule (name or id)')
    .addOption(new Option('--status <status...>', 'only runs in these statuses').choices(RUN_STATUSES))
    .option('--max-results <n>', 'at most this many runs', positiveInteger('--max-results'), 50)
    .action(
      (
        opts: Opts & {
          pipeline?: string;
          schedule?: string;
          status?: PipelineRunStatus[];
          maxResults: number;
        },
      ) =>
        withSession(opts, async (s) => {
          const client = pipelinesOf(s);
          const pipelineId = opts.pipeline ? (await client.getPipeline(opts.pipeline)).pipelineId : undefined;
          const scheduleId = opts.schedule ? (await client.getSchedule(opts.schedule)).scheduleId : undefined;
          const page = await client.listRuns({
            maxResults: opts.maxResults,
            ...(pipelineId ? { pipelineId } : {}),
            ...(scheduleId ? { scheduleId } : {}),
            ...(opts.status ? { statuses: opts.status } : {}),
          });
          if (opts.json) return console.log(JSON.stringify(page.items, null, 2));
          printRows(
            page.items.map((r) => ({
              run_id: r.runId,
              name: r.name,
              status: r.status,
              pipeline: r.pipelineId
                ? `${r.pipelineId.slice(0, 8)} v${r.pipelineVersion ?? '?'}`
                : '(inline)',
              created: isoTime(r.createdAt),
              duration: elapsed(r),
            })),
            ['run_id', 'name', 'status', 'pipeline', 'created', 'duration'],
            opts,
          );
        }),
    );
}

/** `ferry pipelines get-run`: a run and its tasks. */
export function addGetRunCommand(cmd: Command): void {
  withTrackingOptions(
    cmd
      .command('get-run')
      .description('Show a pipeline run and its tasks')
      .argument('<run-id>', 'pipeline run id'),
  )
    .option('--spec', 'with --json: include the run spec')
    .action((runId: string, opts: Opts & { spec?: boolean }) =>
      withSession(opts, async (s) => {
        const { run, tasks } = await pipelinesOf(s).getRun(runId);
        if (opts.json) {
          return console.log(
            JSON.stringify({ run: opts.spec ? run : { ...run, spec: undefined }, tasks }, null, 2),
          );
        }
        const summary = runSummary(run);
        printObject(
          {
            ...summary,
            parameters: Object.keys(run.parameters).length ? run.parameters : '(none)',
            created_at: isoTime(run.createdAt),
            started_at: isoTime(run.startedAt ?? undefined),
            finished_at: isoTime(run.finishedAt ?? undefined),
            duration: elapsed(run),
            error: run.error ?? '',
          },
          opts,
        );
        console.log('');
        const errors = new Map(tasks.map((t) => [t.taskId, (t.error ?? '').split('\n')[0]]));
        printRows(
          taskRows(tasks).map((row) => ({ ...row, error: errors.get(row.task_id) })),
          [...TASK_COLUMNS, 'task_id', 'error'],
          opts,
        );
      }),
    );
}

/** `ferry pipelines cancel`: stops a run. */
export function addCancelCommand(cmd: Command): void {
  withTrackingOptions(
    cmd.command('cancel').description('Cancel a pipeline run').argument('<run-id>', 'pipeline run id'),
  ).action((runId: string, opts: Opts) =>
    withSession(opts, async (s) => {
      const run = await pipelinesOf(s).cancelRun(runId);
      if (opts.json) return console.log(JSON.stringify({ ...run, spec: undefined }, null, 2));
      console.log(`Pipeline run ${run.runId}: ${run.status}`);
    }),
  );
}
