import { Command } from 'commander';
import type { Run } from '@ferry/core';
import { isoTime, printObject, printRows } from '../output.js';
import type { OutputOptions } from '../output.js';
import { withSession, withTrackingOptions } from '../tracking.js';
import { viewType } from './experiments.js';
import { addReproduceCommand } from './runs-reproduce.js';

type Opts = OutputOptions & { trackingUri?: string };

/** `ferry runs ...`: list, describe, delete, restore. */
export function runsCommand(): Command {
  const cmd = new Command('runs').description('List and manage runs');
  withTrackingOptions(cmd.command('list').description('List the runs of an experiment'))
    .requiredOption('-e, --experiment-id <id...>', 'experiment id(s)')
    .option('--filter <filter>', 'MLflow filter, e.g. "metrics.acc > 0.9 and params.lr = \'0.01\'"')
    .option('--order-by <clause...>', 'e.g. "metrics.acc DESC"')
    .option('--max-results <n>', 'at most this many runs', '100')
    .option('--view <type>', 'active_only, deleted_only or all', 'active_only')
    .action(
      (
        opts: Opts & {
          experimentId: string[];
          filter?: string;
          orderBy?: string[];
          maxResults: string;
          view: string;
        },
      ) =>
        withSession(opts, async (s) => {
          const page = await s.client.searchRuns({
            experimentIds: opts.experimentId,
            maxResults: Number(opts.maxResults),
            viewType: viewType(opts.view),
            ...(opts.filter ? { filter: opts.filter } : {}),
            ...(opts.orderBy ? { orderBy: opts.orderBy } : {}),
          });
          if (opts.json) return printObject(page.items, opts);
          printRows(
            page.items.map((r: Run) => ({
              run_id: r.info.run_id,
              name: r.info.run_name,
              status: r.info.status,
              started: isoTime(r.info.start_time),
              metrics: (r.data.metrics ?? []).map((m) => `${m.key}=${formatNumber(m.value)}`).join(' '),
            })),
            ['run_id', 'name', 'status', 'started', 'metrics'],
            opts,
          );
        }),
    );
  withTrackingOptions(
    cmd
      .command('describe')
      .description('Show a run: info, params, latest metrics, tags')
      .argument('<run-id>'),
  ).action((runId: string, opts: Opts) =>
    withSession(opts, async (s) => {
      const run = await s.client.getRun(runId);
      if (opts.json) return printObject(run, opts);
      const pairs = (list: { key: string; value: unknown }[] | undefined) =>
        Object.fromEntries((list ?? []).map((e) => [e.key, e.value]));
      printObject(
        {
          run: {
            ...run.info,
            start_time: isoTime(run.info.start_time),
            end_time: isoTime(run.info.end_time),
          },
          params: pairs(run.data.params),
          metrics: pairs(
            run.data.metrics?.map((m) => ({
              key: m.key,
              value: `${formatNumber(m.value)} (step ${m.step})`,
            })),
          ),
          tags: pairs(run.data.tags),
        },
        opts,
      );
    }),
  );
  withTrackingOptions(
    cmd.command('delete').description('Delete a run (restorable)').argument('<run-id>'),
  ).action((runId: string, opts: Opts) =>
    withSession(opts, async (s) => {
      await s.client.deleteRun(runId);
      if (!opts.json) console.log(`Deleted run ${runId}; \`ferry runs restore ${runId}\` brings it back`);
    }),
  );
  withTrackingOptions(
    cmd.command('restore').description('Restore a deleted run').argument('<run-id>'),
  ).action((runId: string, opts: Opts) =>
    withSession(opts, async (s) => {
      await s.client.restoreRun(runId);
      if (!opts.json) console.log(`Restored run ${runId}`);
    }),
  );
  addReproduceCommand(cmd);
  return cmd;
}

const formatNumber = (v: number): string =>
  Number.isInteger(v) ? String(v) : Number(v.toPrecision(6)).toString();
