import type { Command } from 'commander';
import { FerryError, isModelsUri, parseModelUri } from '@ferry/core';
import type { ModelVersion, Tag } from '@ferry/core';
import type { RegistryClient } from '@ferry/sdk';
import { printObject } from '../../output.js';
import { withSession, withTrackingOptions } from '../../tracking.js';
import { positiveInteger, registryOf } from './shared.js';
import type { Opts } from './shared.js';

/** `--tag key=value`, repeatable. */
function collectTag(text: string, tags: Tag[] = []): Tag[] {
  const eq = text.indexOf('=');
  if (eq <= 0) throw new Error(`invalid tag '${text}': use key=value`);
  return [...tags, { key: text.slice(0, eq), value: text.slice(eq + 1) }];
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

/** `ferry models register`: a model URI as a new version, creating the registered model when missing. */
export function addRegisterCommand(cmd: Command): void {
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
}
