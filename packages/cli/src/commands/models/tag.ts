import type { Command } from 'commander';
import { withSession, withTrackingOptions } from '../../tracking.js';
import { registryOf, target } from './shared.js';
import type { Opts } from './shared.js';

/** `ferry models tag set|delete`: tags of registered models and versions. */
export function addTagCommands(cmd: Command): void {
  const tag = cmd.command('tag').description('Set and delete tags of registered models and versions');
  withTrackingOptions(
    tag
      .command('set')
      .description('Set a tag of a model (or of a version, with --version)')
      .argument('<name>')
      .argument('<key>')
      .argument('<value>'),
  )
    .option('--version <version>', 'tag this version instead of the model')
    .action((name: string, key: string, value: string, opts: Opts & { version?: string }) =>
      withSession(opts, async (s) => {
        const registry = registryOf(s);
        if (opts.version !== undefined) await registry.setModelVersionTag(name, opts.version, key, value);
        else await registry.setRegisteredModelTag(name, key, value);
        if (!opts.json) console.log(`Set tag '${key}' of ${target(name, opts.version)}`);
      }),
    );
  withTrackingOptions(
    tag
      .command('delete')
      .description('Delete a tag of a model (or of a version, with --version)')
      .argument('<name>')
      .argument('<key>'),
  )
    .option('--version <version>', 'untag this version instead of the model')
    .action((name: string, key: string, opts: Opts & { version?: string }) =>
      withSession(opts, async (s) => {
        const registry = registryOf(s);
        if (opts.version !== undefined) await registry.deleteModelVersionTag(name, opts.version, key);
        else await registry.deleteRegisteredModelTag(name, key);
        if (!opts.json) console.log(`Deleted tag '${key}' of ${target(name, opts.version)}`);
      }),
    );
}
