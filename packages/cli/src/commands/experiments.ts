import { Command } from 'commander';
import type { Experiment } from '@ferry/core';
import { isoTime, printRows } from '../output.js';
import type { OutputOptions } from '../output.js';
import { withSession, withTrackingOptions } from '../tracking.js';

type Opts = OutputOptions & { trackingUri?: string };

function rows(experiments: Experiment[]) {
  return experiments.map((e) => ({
    id: e.experiment_id,
    name: e.name,
    stage: e.lifecycle_stage,
    created: isoTime(e.creation_time),
    artifact_location: e.artifact_location,
  }));
}

const COLUMNS = ['id', 'name', 'stage', 'created', 'artifact_location'];

/** `ferry experiments ...`: create, list, search, rename, delete, restore. */
export function experimentsCommand(): Command {
  const cmd = new Command('experiments').description('Create, list and manage experiments');
  withTrackingOptions(cmd.command('create').description('Create an experiment').argument('<name>'))
    .option('--artifact-location <uri>', 'where its runs keep artifacts')
    .action((name: string, opts: Opts & { artifactLocation?: string }) =>
      withSession(opts, async (s) => {
        const id = await s.client.createExperiment(
          name,
          opts.artifactLocation ? { artifactLocation: opts.artifactLocation } : {},
        );
        if (opts.json) console.log(JSON.stringify({ experiment_id: id }));
        else console.log(`Created experiment '${name}' with id ${id}`);
      }),
    );
  withTrackingOptions(cmd.command('list').description('List experiments'))
    .option('--view <type>', 'active_only, deleted_only or all', 'active_only')
    .action((opts: Opts & { view: string }) =>
      withSession(opts, async (s) => {
        const experiments = await s.client.searchExperiments({ viewType: viewType(opts.view) });
        printRows(rows(experiments), COLUMNS, opts);
      }),
    );
  withTrackingOptions(
    cmd.command('search').description('Search experiments, e.g. "name LIKE \'cv-%\'"').argument('<filter>'),
  )
    .option('--order-by <clause...>', 'e.g. "creation_time DESC"')
    .option('--view <type>', 'active_only, deleted_only or all', 'active_only')
    .action((filter: string, opts: Opts & { orderBy?: string[]; view: string }) =>
      withSession(opts, async (s) => {
        const experiments = await s.client.searchExperiments({
          filter,
          viewType: viewType(opts.view),
          ...(opts.orderBy ? { orderBy: opts.orderBy } : {}),
        });
        printRows(rows(experiments), COLUMNS, opts);
      }),
    );
  withTrackingOptions(
    cmd.command('rename').description('Rename an experiment').argument('<id>').argument('<new-name>'),
  ).action((id: string, newName: string, opts: Opts) =>
    withSession(opts, async (s) => {
      await s.client.renameExperiment(id, newName);
      if (!opts.json) console.log(`Renamed experiment ${id} to '${newName}'`);
    }),
  );
  withTrackingOptions(
    cmd.command('delete').description('Delete an experiment and its runs (restorable)').argument('<id>'),
  ).action((id: string, opts: Opts) =>
    withSession(opts, async (s) => {
      await s.client.deleteExperiment(id);
      if (!opts.json)
        console.log(`Deleted experiment ${id}; \`ferry experiments restore ${id}\` brings it back`);
    }),
  );
  withTrackingOptions(
    cmd.command('restore').description('Restore a deleted experiment').argument('<id>'),
  ).action((id: string, opts: Opts) =>
    withSession(opts, async (s) => {
      await s.client.restoreExperiment(id);
      if (!opts.json) console.log(`Restored experiment ${id}`);
    }),
  );
  return cmd;
}

export function viewType(view: string): 'ACTIVE_ONLY' | 'DELETED_ONLY' | 'ALL' {
  const v = view.toUpperCase();
  if (v === 'ACTIVE_ONLY' || v === 'DELETED_ONLY' || v === 'ALL') return v;
  throw new Error(`unknown view '${view}': use active_only, deleted_only or all`);
}
