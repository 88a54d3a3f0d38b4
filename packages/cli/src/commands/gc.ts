import { resolve } from 'node:path';
import { Command, Option } from 'commander';
import { LocalArtifactStore, resolveArtifactUri } from '@ferry/artifacts';
import { SqlLoggedModelStore, SqlTrackingStore, adapterForUri } from '@ferry/store';
import type { DeletedEntities, DeletedLoggedModel } from '@ferry/store';
import { parseDuration } from '../duration.js';
import { isoTime, printRows } from '../output.js';

interface GcOptions {
  backendStoreUri: string;
  artifactsDestination: string;
  olderThan?: string;
  runIds?: string[];
  experimentIds?: string[];
  dryRun?: boolean;
  json?: boolean;
}

/** The deleted entities gc will remove: all of them, or the ones named (which must be deleted). */
function select(deleted: DeletedEntities, opts: GcOptions): DeletedEntities {
  const pick = <T>(items: T[], id: (t: T) => string, wanted: string[] | undefined, what: string): T[] => {
    if (!wanted) return items;
    const byId = new Map(items.map((t) => [id(t), t]));
    return wanted.map((w) => {
      const found = byId.get(w);
      if (!found)
        throw new Error(
          `${what} ${w} is not deleted (or not deleted long enough): \`ferry gc\` only removes deleted ones`,
        );
      return found;
    });
  };
  const experiments = pick(deleted.experiments, (e) => e.experimentId, opts.experimentIds, 'experiment');
  const runs =
    opts.runIds || !opts.experimentIds ? pick(deleted.runs, (r) => r.runId, opts.runIds, 'run') : [];
  return { runs, experiments };
}

/**
 * `ferry gc`: permanently removes deleted runs and experiments, and their artifacts, straight from
 * the database (as `mlflow gc`). The database rows go last, so an interrupted gc can be run again.
 */
export function gcCommand(): Command {
  return new Command('gc')
    .description('Permanently remove deleted runs, experiments and logged models with their artifacts')
    .addOption(
      new Option('--backend-store-uri <uri>', 'the tracking database')
        .env('FERRY_BACKEND_STORE_URI')
        .default('sqlite:///./ferry-data/ferry.db'),
    )
    .addOption(
      new Option(
        '--artifacts-destination <path>',
        "the server's artifact folder (for mlflow-artifacts:/ locations)",
      )
        .env('FERRY_ARTIFACTS_DESTINATION')
        .default('./ferry-data/artifacts'),
    )
    .option('--older-than <duration>', 'only what was deleted longer ago than this, e.g. 30d, 12h, 1d2h30m')
    .option('--run-ids <id...>', 'only these deleted runs')
    .option('--experiment-ids <id...>', 'only these deleted experiments (with all their runs)')
    .option('--dry-run', 'list what would be removed, remove nothing')
    .option('--json', 'print JSON instead of a table')
    .action(async (opts: GcOptions) => {
      const before = Date.now() - (opts.olderThan ? parseDuration(opts.olderThan) : 0);
      const store = new SqlTrackingStore({
        adapter: adapterForUri(opts.backendStoreUri),
        defaultArtifactRoot: 'mlflow-artifacts:/',
      });
      await store.open();
      const loggedModels = new SqlLoggedModelStore(store);
      try {
        const doomed = select(await store.findDeleted(before), opts);
        // Deleted logged models go too, unless only some runs or experiments were named.
        const doomedModels: DeletedLoggedModel[] =
          opts.runIds || opts.experimentIds ? [] : await loggedModels.findDeletedLoggedModels(before);
        const rows = [
          ...doomed.experiments.map((e) => ({
            kind: 'experiment',
            id: e.experimentId,
            name: e.name,
            deleted: isoTime(e.deletedTime),
            artifacts: e.artifactLocation,
          })),
          ...doomed.runs.map((r) => ({
            kind: 'run',
            id: r.runId,
            name: '',
            deleted: isoTime(r.deletedTime),
            artifacts: r.artifactUri,
          })),
          ...doomedModels.map((m) => ({
            kind: 'logged model',
            id: m.modelId,
            name: m.name,
            deleted: isoTime(m.deletedTime),
            artifacts: m.artifactUri,
          })),
        ];
        if (opts.dryRun || opts.json) printRows(rows, ['kind', 'id', 'name', 'deleted', 'artifacts'], opts);
        if (opts.dryRun) return;
        const proxy = new LocalArtifactStore({ root: resolve(opts.artifactsDestination) });
        const removeArtifacts = async (uri: string) => {
          const { store: artifacts, prefix } = resolveArtifactUri(uri, proxy);
          await artifacts.delete(prefix);
        };
        for (const r of doomed.runs) await removeArtifacts(r.artifactUri);
        for (const m of doomedModels) await removeArtifacts(m.artifactUri);
        for (const e of doomed.experiments) if (e.artifactLocation) await removeArtifacts(e.artifactLocation);
        await store.purgeRuns(doomed.runs.map((r) => r.runId));
        await loggedModels.purgeLoggedModels(doomedModels.map((m) => m.modelId));
        await store.purgeExperiments(doomed.experiments.map((e) => e.experimentId));
        if (!opts.json) {
          console.log(
            `Removed ${doomed.experiments.length} experiment(s), ${doomed.runs.length} run(s) and ` +
              `${doomedModels.length} logged model(s) for good`,
          );
        }
      } finally {
        await store.close();
      }
    });
}
