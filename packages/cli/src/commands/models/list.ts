import type { Command } from 'commander';
import type { RegisteredModel } from '@ferry/core';
import { isoTime, printObject, printRows } from '../../output.js';
import { withSession, withTrackingOptions } from '../../tracking.js';
import { positiveInteger, registryOf } from './shared.js';
import type { Opts } from './shared.js';

/** The rows of a models table: latest version per stage and the aliases, in one line each. */
function modelRows(models: RegisteredModel[]) {
  return models.map((m) => ({
    name: m.name,
    latest_versions: [...(m.latest_versions ?? [])]
      .sort((a, b) => Number(b.version) - Number(a.version))
      .map((mv) => `v${mv.version} ${mv.current_stage}`)
      .join(', '),
    aliases: (m.aliases ?? []).map((a) => `${a.alias}=v${a.version}`).join(' '),
    updated: isoTime(m.last_updated_timestamp),
    description: (m.description ?? '').split('\n')[0],
  }));
}

/** `ferry models list`: registered models, filtered and ordered as MLflow's search does. */
export function addListCommand(cmd: Command): void {
  withTrackingOptions(cmd.command('list').description('List registered models'))
    .option('--filter <filter>', 'MLflow filter, e.g. "name LIKE \'iris%\'" or "tags.team = \'vision\'"')
    .option('--order-by <clause...>', 'e.g. "last_updated_timestamp DESC" (default: name)')
    .option('--max-results <n>', 'at most this many models', positiveInteger('--max-results'), 100)
    .action((opts: Opts & { filter?: string; orderBy?: string[]; maxResults: number }) =>
      withSession(opts, async (s) => {
        const page = await registryOf(s).searchRegisteredModels({
          maxResults: opts.maxResults,
          ...(opts.filter ? { filter: opts.filter } : {}),
          ...(opts.orderBy ? { orderBy: opts.orderBy } : {}),
        });
        if (opts.json) return printObject(page.items, opts);
        printRows(
          modelRows(page.items),
          ['name', 'latest_versions', 'aliases', 'updated', 'description'],
          opts,
        );
      }),
    );
}
