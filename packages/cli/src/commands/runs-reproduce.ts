import type { Command } from 'commander';
import { reproduceRun } from '@ferry/projects';
import { runAndReport, withProjectRunOptions } from './run.js';
import type { ProjectRunOpts } from './run.js';

/** `ferry runs reproduce <run-id>`: runs a project run again from the same source, commit and parameters. */
export function addReproduceCommand(runs: Command): void {
  withProjectRunOptions(
    runs
      .command('reproduce')
      .description('Run a project run again: same source and commit, entry point and parameters')
      .argument('<run-id>', 'a run started with `ferry run` (or `mlflow run`)'),
  ).action((runId: string, opts: ProjectRunOpts) =>
    runAndReport(opts, (options) => reproduceRun(runId, options)),
  );
}
