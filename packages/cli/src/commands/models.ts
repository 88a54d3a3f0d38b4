import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Command, Option } from 'commander';
import { FerryError, isModelsUri, parseModelUri } from '@ferry/core';
import type { ModelVersion, RegisteredModel, Tag } from '@ferry/core';
import { RegistryClient, downloadArtifactUri } from '@ferry/sdk';
import type { TrackingSession } from '@ferry/sdk';
import { isoTime, printObject, printRows } from '../output.js';
import type { OutputOptions } from '../output.js';
import { progressBar } from '../progress.js';
import { withSession, withTrackingOptions } from '../tracking.js';

type Opts = OutputOptions & { trackingUri?: string };

const positiveInteger =
  (what: string) =>
  (v: string): number => {
    const n = Number(v);
    if (!Number.isInteger(n) || n < 1) throw new Error(`invalid ${what} '${v}': use a whole number above 0`);
    return n;
  };

/** `--tag key=value`, repeatable. */
function collectTag(text: string, tags: Tag[] = []): Tag[] {
  const eq = text.indexOf('=');
  if (eq <= 0) throw new Error(`invalid tag '${text}': use key=value`);
  return [...tags, { key: text.slice(0, eq), value: text.slice(eq + 1) }];
}

const pairs = (list: Tag[] | undefined): Record<string, string> | string =>
  list?.length ? Object.fromEntries(list.map((t) => [t.key, t.value])) : '(none)';

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

/** The highest version among the model's latest versions in a stage (or in any stage), if any. */
async function newestVersion(registry: RegistryClient, name: string, stage?: string): Promise<string> {
  const latest = await registry.getLatestVersions(name, stage ? [stage] : []);
  const newest = latest.map((mv) => Number(mv.version)).sort((a, b) => b - a)[0];
  if (newest === undefined) {
    const where = stage ? ` and stage '${stage}'` : '';
    throw new FerryError('RESOURCE_DOES_NOT_EXIST', `No versions of model with name '${name}'${where} found`);
  }
  return String(newest);
}

/**
 * What a new version registered from a model URI records, as `mlflow.register_model` does:
 * `runs:/<run>/<path>` becomes the run's artifact location plus the path, with the run id;
 * `models:/<logged model id>` stays as it is, with the model id; another registered version
 * (`models:/name/<version|stage|latest>`, `models:/name@alias`) is named by its number; anything
 * else is an artifact URI and is taken as it is.
 */
async function versionSource(
  registry: RegistryClient,
  uri: string,
): Promise<{ source: string; runId?: string; modelId?: string }> {
  const runs = /^runs:\/([^/]+)/.exec(uri);
  if (runs) return { source: await registry.resolveModelUri(uri), runId: runs[1]! };
  if (!isModelsUri(uri)) return { source: uri };
  const parsed = parseModelUri(uri);
  switch (parsed.kind) {
    case 'logged-model':
      return { source: uri, modelId: parsed.modelId };
    case 'version':
      return { source: `models:/${parsed.name}/${parsed.version}` };
    case 'alias':
      return {
        source: `models:/${parsed.name}/${(await registry.getModelVersionByAlias(parsed.name, parsed.alias)).version}`,
      };
    case 'latest':
    case 'stage':
      return {
        source: `models:/${parsed.name}/${await newestVersion(registry, parsed.name, parsed.kind === 'stage' ? parsed.stage : undefined)}`,
      };
  }
}

/** Waits until a new version leaves PENDING_REGISTRATION (as `register_model(await_registration_for=…)`). */
async function awaitReady(
  registry: RegistryClient,
  mv: ModelVersion,
  timeoutSeconds: number,
): Promise<ModelVersion> {
  const deadline = Date.now() + timeoutSeconds * 1000;
  let current = mv;
  while (current.status === 'PENDING_REGISTRATION') {
    if (Date.now() >= deadline) {
      throw new Error(
        `version ${mv.version} of '${mv.name}' is still pending registration after ${timeoutSeconds}s`,
      );
    }
    await new Promise((done) => setTimeout(done, 1000));
    current = await registry.getModelVersion(mv.name, mv.version);
  }
  if (current.status === 'FAILED_REGISTRATION') {
    throw new Error(
      `registration of version ${mv.version} of '${mv.name}' failed${current.status_message ? `: ${current.status_message}` : ''}`,
    );
  }
  return current;
}

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

/** `ferry models ...`: the model registry — register, list, describe, stages, aliases, tags, download. */
export function modelsCommand(): Command {
  const cmd = new Command('models').description('Register, find, promote and download registered models');
  const registryOf = (s: TrackingSession) => new RegistryClient(s.client);

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

  withTrackingOptions(
    cmd
      .command('register')
      .description(
        'Register a model URI (runs:/<run>/<path>, models:/..., or an artifact URI) as a new version',
      )
      .argument('<model-uri>'),
  )
    .requiredOption('-n, --name <name>', 'the registered model (created when missing)')
    .option('--description <text>', "the new version's description")
    .option('--tag <key=value>', 'a tag of the new version (repeatable)', collectTag)
    .option('--await', 'wait until the version is READY')
    .option('--await-timeout <seconds>', 'how long --await waits', positiveInteger('--await-timeout'), 300)
    .action(
      (
        uri: string,
        opts: Opts & {
          name: string;
          description?: string;
          tag?: Tag[];
          await?: boolean;
          awaitTimeout: number;
        },
      ) =>
        withSession(opts, async (s) => {
          const registry = registryOf(s);
          const source = await versionSource(registry, uri);
          let created = true;
          try {
            await registry.createRegisteredModel(opts.name);
          } catch (error) {
            if (!(error instanceof FerryError && error.code === 'RESOURCE_ALREADY_EXISTS')) throw error;
            created = false;
          }
          let mv = await registry.createModelVersion(opts.name, {
            ...source,
            ...(opts.description ? { description: opts.description } : {}),
            ...(opts.tag ? { tags: opts.tag } : {}),
          });
          if (opts.await) mv = await awaitReady(registry, mv, opts.awaitTimeout);
          if (opts.json) return printObject(mv, opts);
          if (created) console.log(`Created registered model '${opts.name}'`);
          console.log(
            `Registered version ${mv.version} of '${opts.name}' (models:/${opts.name}/${mv.version})`,
          );
        }),
    );

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
  return cmd;
}

const target = (name: string, version: string | undefined): string =>
  version !== undefined ? `version ${version} of '${name}'` : `registered model '${name}'`;
