import type { Command } from 'commander';
import { printObject, printRows } from '../../output.js';
import { withSession, withTrackingOptions } from '../../tracking.js';
import { registryOf } from './shared.js';
import type { Opts } from './shared.js';

/** `ferry models alias set|get|delete`: a model's aliases. */
export function addAliasCommands(cmd: Command): void {
  const alias = cmd.command('alias').description("Point a model's aliases (e.g. champion) at versions");
  withTrackingOptions(
    alias
      .command('set')
      .description('Point an alias at a version (moving it if set)')
      .argument('<name>')
      .argument('<alias>')
      .argument('<version>'),
  ).action((name: string, aliasName: string, version: string, opts: Opts) =>
    withSession(opts, async (s) => {
      await registryOf(s).setAlias(name, aliasName, version);
      if (!opts.json) console.log(`Alias '${aliasName}' of '${name}' now points to version ${version}`);
    }),
  );
  withTrackingOptions(
    alias
      .command('get')
      .description('Show the version an alias points to')
      .argument('<name>')
      .argument('<alias>'),
  ).action((name: string, aliasName: string, opts: Opts) =>
    withSession(opts, async (s) => {
      const mv = await registryOf(s).getModelVersionByAlias(name, aliasName);
      if (opts.json) return printObject(mv, opts);
      printRows(
        [{ name, alias: aliasName, version: mv.version, stage: mv.current_stage, source: mv.source }],
        ['name', 'alias', 'version', 'stage', 'source'],
        opts,
      );
    }),
  );
  withTrackingOptions(
    alias.command('delete').description('Remove an alias').argument('<name>').argument('<alias>'),
  ).action((name: string, aliasName: string, opts: Opts) =>
    withSession(opts, async (s) => {
      await registryOf(s).deleteAlias(name, aliasName);
      if (!opts.json) console.log(`Deleted alias '${aliasName}' of '${name}'`);
    }),
  );
}
