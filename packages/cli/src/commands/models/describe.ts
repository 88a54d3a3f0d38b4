import { Option } from 'commander';
import type { Command } from 'commander';
import type { ModelVersion, RegisteredModel } from '@ferry/core';
import type { RegistryClient } from '@ferry/sdk';
import { isoTime, printObject, printRows } from '../../output.js';
import { withSession, withTrackingOptions } from '../../tracking.js';
import { pairs, registryOf } from './shared.js';
import type { Opts } from './shared.js';

/** An MLflow filter string literal for a name (the grammar has no escapes: pick the other quote). */
const quoted = (text: string): string => (text.includes("'") ? `"${text}"` : `'${text}'`);

/** Every version of a model, newest first. */
async function allVersions(registry: RegistryClient, name: string): Promise<ModelVersion[]> {
  const versions: ModelVersion[] = [];
  let pageToken: string | undefined;
  do {
    const page = await registry.searchModelVersions({
      filter: `name = ${quoted(name)}`,
      orderBy: ['version_number DESC'],
      ...(pageToken ? { pageToken } : {}),
    });
    versions.push(...page.items);
    pageToken = page.nextPageToken;
  } while (pageToken);
  return versions;
}

/** The aliases of a model by version: `{ '2': ['champion', 'prod'] }`. */
function aliasesByVersion(model: RegisteredModel): Map<string, string[]> {
  const map = new Map<string, string[]>();
  for (const a of model.aliases ?? []) map.set(a.version, [...(map.get(a.version) ?? []), a.alias]);
  return map;
}

/** One version, for people: what it is, where its files are, what points at it. */
function versionView(mv: ModelVersion, downloadUri: string) {
  return {
    name: mv.name,
    version: mv.version,
    stage: mv.current_stage,
    status: mv.status + (mv.status_message ? ` (${mv.status_message})` : ''),
    description: mv.description ?? '',
    source: mv.source,
    run_id: mv.run_id ?? '',
    model_id: mv.model_id ?? '',
    download_uri: downloadUri,
    created: isoTime(mv.creation_timestamp),
    updated: isoTime(mv.last_updated_timestamp),
    aliases: mv.aliases?.length ? mv.aliases.join(', ') : '(none)',
    tags: pairs(mv.tags),
  };
}

/** `ferry models describe`: a registered model and its versions, or one version. */
export function addDescribeCommand(cmd: Command): void {
  withTrackingOptions(
    cmd
      .command('describe')
      .description('Show a registered model and its versions, or one version')
      .argument('<name>'),
  )
    .addOption(new Option('--version <version>', 'show this version').conflicts('alias'))
    .option('--alias <alias>', 'show the version this alias points to')
    .action((name: string, opts: Opts & { version?: string; alias?: string }) =>
      withSession(opts, async (s) => {
        const registry = registryOf(s);
        if (opts.version !== undefined || opts.alias !== undefined) {
          const mv =
            opts.version !== undefined
              ? await registry.getModelVersion(name, opts.version)
              : await registry.getModelVersionByAlias(name, opts.alias!);
          const downloadUri = await registry.getModelVersionDownloadUri(name, mv.version);
          if (opts.json) return printObject({ model_version: mv, download_uri: downloadUri }, opts);
          return printObject(versionView(mv, downloadUri), opts);
        }
        const model = await registry.getRegisteredModel(name);
        const versions = await allVersions(registry, name);
        if (opts.json) return printObject({ registered_model: model, model_versions: versions }, opts);
        const aliases = aliasesByVersion(model);
        printObject(
          {
            name: model.name,
            description: model.description ?? '',
            created: isoTime(model.creation_timestamp),
            updated: isoTime(model.last_updated_timestamp),
            tags: pairs(model.tags),
            aliases: model.aliases?.length
              ? Object.fromEntries(model.aliases.map((a) => [a.alias, `v${a.version}`]))
              : '(none)',
          },
          opts,
        );
        console.log('');
        printRows(
          versions.map((mv) => ({
            version: mv.version,
            stage: mv.current_stage,
            status: mv.status,
            aliases: (aliases.get(mv.version) ?? []).join(' '),
            run_id: mv.run_id,
            created: isoTime(mv.creation_timestamp),
            source: mv.source,
          })),
          ['version', 'stage', 'status', 'aliases', 'run_id', 'created', 'source'],
          opts,
        );
      }),
    );
}
