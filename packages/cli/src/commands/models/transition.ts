import type { Command } from 'commander';
import { printObject } from '../../output.js';
import { withSession, withTrackingOptions } from '../../tracking.js';
import { registryOf } from './shared.js';
import type { Opts } from './shared.js';

/** `ferry models transition`: a version to a stage. */
export function addTransitionCommand(cmd: Command): void {
  withTrackingOptions(
    cmd
      .command('transition')
      .description('Move a version to a stage: None, Staging, Production or Archived')
      .argument('<name>')
      .argument('<version>')
      .argument('<stage>'),
  )
    .option('--archive-existing', 'archive the other versions in that stage (Staging or Production)')
    .action((name: string, version: string, stage: string, opts: Opts & { archiveExisting?: boolean }) =>
      withSession(opts, async (s) => {
        const mv = await registryOf(s).transitionModelVersionStage(
          name,
          version,
          stage,
          opts.archiveExisting ?? false,
        );
        if (opts.json) return printObject(mv, opts);
        const archived = opts.archiveExisting ? `; other ${mv.current_stage} versions archived` : '';
        console.log(`Moved version ${mv.version} of '${name}' to ${mv.current_stage}${archived}`);
      }),
    );
}
