import { stat } from 'node:fs/promises';
import { Command } from 'commander';
import { ActiveRun } from '@ferry/sdk';
import { printRows } from '../output.js';
import { progressBar } from '../progress.js';
import type { OutputOptions } from '../output.js';
import { withSession, withTrackingOptions } from '../tracking.js';

type Opts = OutputOptions & { trackingUri?: string; runId: string };

/** `ferry artifacts ...`: list, download, log — for a run, wherever it keeps artifacts. */
export function artifactsCommand(): Command {
  const cmd = new Command('artifacts').description("List, download and upload a run's artifacts");
  withTrackingOptions(
    cmd.command('list').description('List artifacts under a path (default: the top)').argument('[path]'),
  )
    .requiredOption('-r, --run-id <id>', 'the run')
    .action((path: string | undefined, opts: Opts) =>
      withSession(opts, async (s) => {
        const files = await s.client.listArtifacts(opts.runId, path);
        printRows(
          files.map((f) => ({ path: f.path, type: f.is_dir ? 'dir' : 'file', size: f.file_size })),
          ['path', 'type', 'size'],
          opts,
        );
      }),
    );
  withTrackingOptions(
    cmd.command('download').description('Download a file or folder (default: everything)').argument('[path]'),
  )
    .requiredOption('-r, --run-id <id>', 'the run')
    .option('-d, --dst <dir>', 'local folder to write into', '.')
    .action((path: string | undefined, opts: Opts & { dst: string }) =>
      withSession(opts, async (s) => {
        const run = new ActiveRun(s.client, (await s.client.getRun(opts.runId)).info);
        const bar = progressBar('download', !opts.json);
        try {
          await run.downloadArtifacts(
            path ?? '',
            opts.dst,
            bar.onProgress ? { onProgress: bar.onProgress } : {},
          );
        } finally {
          bar.stop();
        }
        if (!opts.json)
          console.log(`Downloaded ${path || 'all artifacts'} of run ${opts.runId} to ${opts.dst}`);
      }),
    );
  withTrackingOptions(
    cmd.command('log').description('Upload a local file or folder').argument('<local-path>'),
  )
    .requiredOption('-r, --run-id <id>', 'the run')
    .option('-a, --artifact-path <path>', 'run-relative folder to put it in')
    .action((localPath: string, opts: Opts & { artifactPath?: string }) =>
      withSession(opts, async (s) => {
        const run = new ActiveRun(s.client, (await s.client.getRun(opts.runId)).info);
        if ((await stat(localPath)).isDirectory()) {
          const bar = progressBar('upload', !opts.json);
          try {
            await run.logArtifacts(
              localPath,
              opts.artifactPath,
              bar.onProgress ? { onProgress: bar.onProgress } : {},
            );
          } finally {
            bar.stop();
          }
        } else {
          await run.logArtifact(localPath, opts.artifactPath);
        }
        if (!opts.json) console.log(`Logged ${localPath} to run ${opts.runId}`);
      }),
    );
  return cmd;
}
