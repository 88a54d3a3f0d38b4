import { Command } from 'commander';
import type { PipelineSchedule } from '@ferry/sdk';
import { parseDuration } from '../../duration.js';
import { isoTime, printRows } from '../../output.js';
import { withSession, withTrackingOptions } from '../../tracking.js';
import { collectParam, experimentIdOf, formatDuration, pipelinesOf, positiveInteger } from './shared.js';
import type { Opts } from './shared.js';

type CreateOpts = Opts & {
  pipeline: string;
  version?: number;
  cron?: string;
  timezone?: string;
  every?: number;
  maxConcurrency?: number;
  catchup?: boolean;
  param?: Record<string, unknown>;
  experiment?: string;
  disabled?: boolean;
};

/** `--every 15m`: an interval in ms (`30s`, `15m`, `1h30m`, `1d`). */
function interval(text: string): number {
  const ms = parseDuration(text);
  if (ms < 1000) throw new Error(`invalid interval '${text}': use at least 1s`);
  return ms;
}

const when = (s: PipelineSchedule): string =>
  s.cron !== null
    ? `cron ${s.cron}${s.timezone ? ` (${s.timezone})` : ''}`
    : `every ${formatDuration(s.intervalMs ?? 0)}`;

function printSchedule(schedule: PipelineSchedule, opts: Opts, verb: string): void {
  if (opts.json) return console.log(JSON.stringify(schedule, null, 2));
  const next =
    schedule.enabled && schedule.nextFireAt !== null ? `; next run ${isoTime(schedule.nextFireAt)}` : '';
  console.log(`${verb} schedule '${schedule.name}' (${schedule.scheduleId}): ${when(schedule)}${next}`);
}

/** `ferry pipelines schedule ...`: runs of a stored pipeline on a cron expression or an interval. */
export function scheduleCommand(): Command {
  const cmd = new Command('schedule').description('Run stored pipelines on a schedule (cron or interval)');

  withTrackingOptions(
    cmd.command('create').description('Create a schedule').argument('<name>', 'a name for the schedule'),
  )
    .requiredOption('--pipeline <pipeline>', 'the stored pipeline to run (name or id)')
    .option(
      '--version <n>',
      'this version of the pipeline (default: its latest when it fires)',
      positiveInteger('--version'),
    )
    .option('--cron <expression>', 'when to run, e.g. "0 * * * *" (hourly)')
    .option('--timezone <tz>', 'time zone of --cron, e.g. Europe/Paris (default: UTC)')
    .option('--every <interval>', 'run at this interval instead, e.g. 15m, 1h30m, 1d', interval)
    .option(
      '--max-concurrency <n>',
      'at most this many runs of the schedule at once (default 1)',
      positiveInteger('--max-concurrency'),
    )
    .option('--catchup', 'after downtime, start the runs that were missed')
    .option('-p, --param <name=value>', 'a pipeline parameter (JSON, else text); repeatable', collectParam)
    .option('-e, --experiment <name-or-id>', 'experiment to record the runs in (default: 0)')
    .option('--disabled', 'create it disabled')
    .action((name: string, opts: CreateOpts) =>
      withSession(opts, async (s) => {
        if ((opts.cron === undefined) === (opts.every === undefined)) {
          throw new Error('give exactly one of --cron and --every');
        }
        if (opts.timezone !== undefined && opts.cron === undefined)
          throw new Error('--timezone goes with --cron');
        const client = pipelinesOf(s);
        const pipeline = await client.getPipeline(opts.pipeline);
        const schedule = await client.createSchedule({
          name,
          pipelineId: pipeline.pipelineId,
          ...(opts.version !== undefined ? { pipelineVersion: opts.version } : {}),
          ...(opts.cron !== undefined ? { cron: opts.cron } : {}),
          ...(opts.timezone !== undefined ? { timezone: opts.timezone } : {}),
          ...(opts.every !== undefined ? { intervalMs: opts.every } : {}),
          ...(opts.maxConcurrency !== undefined ? { maxConcurrency: opts.maxConcurrency } : {}),
          ...(opts.catchup ? { catchup: true } : {}),
          ...(opts.param ? { parameters: opts.param } : {}),
          ...(opts.experiment !== undefined
            ? { experimentId: await experimentIdOf(s, opts.experiment) }
            : {}),
          ...(opts.disabled ? { enabled: false } : {}),
        });
        printSchedule(schedule, opts, 'Created');
      }),
    );

  withTrackingOptions(cmd.command('list').description('List schedules'))
    .option('--pipeline <pipeline>', 'only schedules of this pipeline (name or id)')
    .option('--max-results <n>', 'at most this many schedules', positiveInteger('--max-results'), 100)
    .action((opts: Opts & { pipeline?: string; maxResults: number }) =>
      withSession(opts, async (s) => {
        const client = pipelinesOf(s);
        const pipelineId = opts.pipeline ? (await client.getPipeline(opts.pipeline)).pipelineId : undefined;
        const page = await client.listSchedules({
          maxResults: opts.maxResults,
          ...(pipelineId ? { pipelineId } : {}),
        });
        if (opts.json) return console.log(JSON.stringify(page.items, null, 2));
        printRows(
          page.items.map((sc) => ({
            name: sc.name,
            schedule_id: sc.scheduleId,
            pipeline_id: sc.pipelineId,
            version: sc.pipelineVersion ?? 'latest',
            when: when(sc),
            enabled: sc.enabled,
            next_run: sc.enabled ? isoTime(sc.nextFireAt ?? undefined) : '',
            last_run: isoTime(sc.lastFiredAt ?? undefined),
          })),
          ['name', 'schedule_id', 'pipeline_id', 'version', 'when', 'enabled', 'next_run', 'last_run'],
          opts,
        );
      }),
    );

  for (const [verb, enabled] of [
    ['enable', true],
    ['disable', false],
  ] as const) {
    withTrackingOptions(
      cmd
        .command(verb)
        .description(`${enabled ? 'Enable' : 'Disable'} a schedule`)
        .argument('<schedule>', 'schedule name or id'),
    ).action((idOrName: string, opts: Opts) =>
      withSession(opts, async (s) => {
        const client = pipelinesOf(s);
        const { scheduleId } = await client.getSchedule(idOrName);
        printSchedule(
          await client.updateSchedule(scheduleId, { enabled }),
          opts,
          enabled ? 'Enabled' : 'Disabled',
        );
      }),
    );
  }

  withTrackingOptions(
    cmd.command('delete').description('Delete a schedule').argument('<schedule>', 'schedule name or id'),
  ).action((idOrName: string, opts: Opts) =>
    withSession(opts, async (s) => {
      const client = pipelinesOf(s);
      const schedule = await client.getSchedule(idOrName);
      await client.deleteSchedule(schedule.scheduleId);
      if (opts.json) console.log(JSON.stringify({ deleted: schedule.scheduleId }));
      else console.log(`Deleted schedule '${schedule.name}' (${schedule.scheduleId})`);
    }),
  );
  return cmd;
}
