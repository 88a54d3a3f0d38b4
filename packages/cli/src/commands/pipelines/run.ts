import type { Command } from 'commander';
import type { PipelineRun, PipelinesClient } from '@ferry/sdk';
import { withSession, withTrackingOptions } from '../../tracking.js';
import { loadPipelineFile } from './load.js';
import { collectParam, experimentIdOf, pipelinesOf, runsInProcess } from './shared.js';
import type { Opts } from './shared.js';
import { reportOutcome, watchRun } from './watch.js';

type RunOpts = Opts & {
  export?: string;
  param?: Record<string, unknown>;
  experiment?: string;
  name?: string;
  cache: boolean;
  watch?: boolean;
  upload?: string;
};

/**
 * After a run is created: with --watch, the live view until it ends. Without, its id (and how to follow
 * it) or JSON; except on a database tracking URI, where this process is what runs the pipeline, so it
 * waits quietly for the run to end. Watching or waiting, the exit code is 0 only when the run succeeded.
 */
async function afterStart(
  client: PipelinesClient,
  run: PipelineRun,
  opts: Opts & { watch?: boolean },
  extra: Record<string, unknown> = {},
): Promise<void> {
  if (opts.watch) {
    if (!opts.json) console.error(`Started pipeline run ${run.runId}`);
  } else if (runsInProcess(opts)) {
    if (!opts.json) {
      console.log(run.runId);
      console.error(
        `Running pipeline run ${run.runId} in this process (the tracking URI is a database); waiting for it to end`,
      );
    }
    const done = await client.waitForRun(run.runId);
    return reportOutcome(done.run, done.tasks, opts.json);
  } else {
    return printStarted(run, opts, extra);
  }
  const done = await watchRun(client, run.runId, opts);
  reportOutcome(done.run, done.tasks, opts.json);
}

/** What a started run prints without --watch: its id (and how to follow it), or JSON. */
function printStarted(run: PipelineRun, opts: Opts, extra: Record<string, unknown> = {}): void {
  if (opts.json) {
    console.log(JSON.stringify({ ...run, spec: undefined, ...extra }, null, 2));
    return;
  }
  console.log(run.runId);
  console.error(`Started pipeline run ${run.runId}; follow it with: ferry pipelines get-run ${run.runId}`);
}

/** `ferry pipelines run`: compiles a pipeline file and runs it (inline, or as a new version of a stored pipeline). */
export function addRunCommand(cmd: Command): void {
  withTrackingOptions(
    cmd
      .command('run')
      .description('Compile a pipeline file and run it')
      .argument('<file>', 'a module exporting a pipeline() definition, or a YAML/JSON spec'),
  )
    .option('--export <name>', "the module's export to run (default: the default or only pipeline)")
    .option('-p, --param <name=value>', 'a pipeline parameter (JSON, else text); repeatable', collectParam)
    .option(
      '-e, --experiment <name-or-id>',
      'experiment to record the run in (default: 0; a new name is created)',
    )
    .option('--name <name>', 'name of the run')
    .option('--no-cache', 'run every task, reusing no cached outputs')
    .option('-w, --watch', 'show the tasks live until the run ends; exit 1 unless it succeeded')
    .option(
      '--upload <pipeline>',
      'store the spec as a new version of this pipeline (created if needed) and run that',
    )
    .action((file: string, opts: RunOpts) =>
      withSession(opts, async (s) => {
        const spec = await loadPipelineFile(file, opts.export !== undefined ? { export: opts.export } : {});
        const client = pipelinesOf(s);
        const request = {
          experimentId: await experimentIdOf(s, opts.experiment),
          ...(opts.name ? { name: opts.name } : {}),
          ...(opts.param ? { parameters: opts.param } : {}),
          ...(opts.cache === false ? { noCache: true } : {}),
        };
        let run: PipelineRun;
        let extra: Record<string, unknown> = {};
        if (opts.upload) {
          const pipeline = await client.ensurePipeline(opts.upload);
          const version = await client.createVersion(pipeline.pipelineId, spec);
          if (!opts.json) {
            console.error(`Stored version ${version.version} of pipeline '${pipeline.name}'`);
          }
          extra = { pipelineName: pipeline.name };
          run = await client.createRun(
            { pipelineId: pipeline.pipelineId, version: version.version },
            request,
          );
        } else {
          run = await client.createRun({ spec }, request);
        }
        await afterStart(client, run, opts, extra);
      }),
    );
}

/** `ferry pipelines retry`: runs a failed or cancelled run again. */
export function addRetryCommand(cmd: Command): void {
  withTrackingOptions(
    cmd
      .command('retry')
      .description('Retry a failed or cancelled pipeline run (what succeeded is kept)')
      .argument('<run-id>', 'pipeline run id'),
  )
    .option('-w, --watch', 'show the tasks live until the run ends; exit 1 unless it succeeded')
    .action((runId: string, opts: Opts & { watch?: boolean }) =>
      withSession(opts, async (s) => {
        const client = pipelinesOf(s);
        await afterStart(client, await client.retryRun(runId), opts);
      }),
    );
}
