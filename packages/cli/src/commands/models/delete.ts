import type { Command } from 'commander';
import { withSession, withTrackingOptions } from '../../tracking.js';
import { registryOf, target } from './shared.js';
import type { Opts } from './shared.js';

/** `ferry models delete`: a registered model with all its versions, or one version. */
export function addDeleteCommand(cmd: Command): void {
  withTrackingOptions(
    cmd
      .command('delete')
      .description('Delete a registered model with all its versions, or one version (permanent)')
      .argument('<name>'),
  )
    .option('--version <version>', 'delete only this version')
    .action((name: string, opts: Opts & { version?: string }) =>
      withSession(opts, async (s) => {
        const registry = registryOf(s);
        if (opts.version !== undefined) await registry.deleteModelVersion(name, opts.version);
        else await registry.deleteRegisteredModel(name);
        if (!opts.json) console.log(`Deleted ${target(name, opts.version)}`);
      }),
    );
}
