import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Command } from 'commander';
import { downloadArtifactUri } from '@ferry/sdk';
import { printObject } from '../../output.js';
import { progressBar } from '../../progress.js';
import { withSession, withTrackingOptions } from '../../tracking.js';
import { registryOf } from './shared.js';
import type { Opts } from './shared.js';

/** `ferry models download`: the files of a model URI, into a local folder. */
export function addDownloadCommand(cmd: Command): void {
  withTrackingOptions(
    cmd
      .command('download')
      .description('Download the files of a model URI; prints the local path')
      .argument('<model-uri>', 'models:/name/<version|stage|latest>, models:/name@alias, runs:/..., ...'),
  )
    .option('-o, --output <dir>', 'local folder to write into (default: a new temporary folder)')
    .action((uri: string, opts: Opts & { output?: string }) =>
      withSession(opts, async (s) => {
        const artifactUri = await registryOf(s).resolveModelUri(uri);
        const dst = opts.output ?? (await mkdtemp(join(tmpdir(), 'ferry-model-')));
        const bar = progressBar('download', !opts.json);
        let localPath: string;
        try {
          localPath = await downloadArtifactUri(
            s.client,
            artifactUri,
            dst,
            bar.onProgress ? { onProgress: bar.onProgress } : {},
          );
        } finally {
          bar.stop();
        }
        if (opts.json) printObject({ local_path: localPath, artifact_uri: artifactUri }, opts);
        else console.log(localPath);
      }),
    );
}
