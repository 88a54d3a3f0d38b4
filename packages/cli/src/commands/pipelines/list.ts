import type { Command } from 'commander';
import { isoTime, printRows } from '../../output.js';
import { withSession, withTrackingOptions } from '../../tracking.js';
import { pipelinesOf, positiveInteger } from './shared.js';
import type { Opts } from './shared.js';

const firstLine = (text: string | null): string => (text ?? '').split('\n')[0] ?? '';

/** `ferry pipelines list`: stored pipelines, by name. */
export function addListCommand(cmd: Command): void {
  withTrackingOptions(cmd.command('list').description('List stored pipelines'))
    .option('--prefix <text>', 'only pipelines whose name starts with this')
    .option('--max-results <n>', 'at most this many pipelines', positiveInteger('--max-results'), 100)
    .action((opts: Opts & { prefix?: string; maxResults: number }) =>
      withSession(opts, async (s) => {
        const page = await pipelinesOf(s).listPipelines({
          maxResults: opts.maxResults,
          ...(opts.prefix ? { namePrefix: opts.prefix } : {}),
        });
        if (opts.json) return console.log(JSON.stringify(page.items, null, 2));
        printRows(
          page.items.map((p) => ({
            name: p.name,
            pipeline_id: p.pipelineId,
            latest_version: p.latestVersion,
            created: isoTime(p.createdAt),
            description: firstLine(p.description),
          })),
          ['name', 'pipeline_id', 'latest_version', 'created', 'description'],
          opts,
        );
      }),
    );
}

/** `ferry pipelines versions`: the versions of a pipeline, newest first. */
export function addVersionsCommand(cmd: Command): void {
  withTrackingOptions(
    cmd
      .command('versions')
      .description('List the versions of a pipeline, newest first')
      .argument('<pipeline>', 'pipeline name or id'),
  )
    .option('--max-results <n>', 'at most this many versions', positiveInteger('--max-results'), 100)
    .action((nameOrId: string, opts: Opts & { maxResults: number }) =>
      withSession(opts, async (s) => {
        const client = pipelinesOf(s);
        const pipeline = await client.getPipeline(nameOrId);
        const page = await client.listVersions(pipeline.pipelineId, { maxResults: opts.maxResults });
        if (opts.json) return console.log(JSON.stringify(page.items, null, 2));
        printRows(
          page.items.map((v) => ({
            version: v.version,
            tasks: Object.keys(v.spec?.tasks ?? {}).length,
            digest: v.specDigest.slice(0, 12),
            created: isoTime(v.createdAt),
            description: firstLine(v.description),
          })),
          ['version', 'tasks', 'digest', 'created', 'description'],
          opts,
        );
      }),
    );
}

/** `ferry pipelines delete`: a pipeline with its versions and schedules (its runs stay). */
export function addDeleteCommand(cmd: Command): void {
  withTrackingOptions(
    cmd
      .command('delete')
      .description('Delete a pipeline with its versions and schedules (its runs are kept)')
      .argument('<pipeline>', 'pipeline name or id'),
  ).action((nameOrId: string, opts: Opts) =>
    withSession(opts, async (s) => {
      const client = pipelinesOf(s);
      const pipeline = await client.getPipeline(nameOrId);
      await client.deletePipeline(pipeline.pipelineId);
      if (opts.json) console.log(JSON.stringify({ deleted: pipeline.pipelineId }));
      else console.log(`Deleted pipeline '${pipeline.name}' (${pipeline.pipelineId})`);
    }),
  );
}
