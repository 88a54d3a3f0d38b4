import { basename } from 'node:path';
import { isModelsUri, parseModelUri } from '@ferry/core';
import type { LoadedModel } from '@ferry/models';
import type { TrackingSession } from '@ferry/sdk';
import { SwappableTarget } from '@ferry/serving';
import type { ModelSlot } from '@ferry/serving';
import { registryOf } from './shared.js';

/**
 * Which registered version a model URI names right now: `models:/name@alias`, `models:/name/latest`
 * and `models:/name/<stage>` move as the registry changes; a version number, a logged model, a run or
 * a path is fixed (undefined: nothing to follow).
 */
async function currentVersion(
  s: TrackingSession,
  uri: string,
): Promise<{ name: string; version: string } | undefined> {
  if (!isModelsUri(uri)) return undefined;
  const parsed = parseModelUri(uri);
  const registry = registryOf(s);
  if (parsed.kind === 'version') return { name: parsed.name, version: String(parsed.version) };
  if (parsed.kind === 'alias') {
    return {
      name: parsed.name,
      version: String((await registry.getModelVersionByAlias(parsed.name, parsed.alias)).version),
    };
  }
  if (parsed.kind === 'latest' || parsed.kind === 'stage') {
    const latest = await registry.getLatestVersions(
      parsed.name,
      parsed.kind === 'stage' ? [parsed.stage] : [],
    );
    const newest = latest.map((mv) => Number(mv.version)).sort((a, b) => b - a)[0];
    return newest === undefined ? undefined : { name: parsed.name, version: String(newest) };
  }
  return undefined;
}

/**
 * Downloads and loads one model as a serving slot; a failure becomes a not-ready slot, never a crash.
 * The loaded model is the slot's own: closing it when it is swapped out also removes its download.
 */
async function loadSlot(
  s: TrackingSession,
  uri: string,
  name: string,
  version: string | undefined,
  prepare: (model: LoadedModel) => LoadedModel,
): Promise<ModelSlot> {
  const id = { name, ...(version !== undefined ? { version } : {}) };
  try {
    const model = await s.loadModel(version !== undefined ? `models:/${name}/${version}` : uri);
    return { ...id, model: prepare(model) };
  } catch (error) {
    return { ...id, model: undefined, error: (error as Error).message };
  }
}

export interface FollowedModel {
  target: SwappableTarget;
  /** Stops following and closes the models. */
  close(): Promise<void>;
}

/**
 * Serves the model a URI names and keeps following it: every `pollMs`, if the alias (or stage, or
 * latest) points at another version, that version is loaded beside the one serving, and traffic
 * switches to it only once it has loaded — requests in flight finish on the old one, which is then
 * closed. A version that fails to load is not switched to: the old one keeps serving.
 */
export async function followModel(
  s: TrackingSession,
  uri: string,
  options: {
    pollMs: number;
    log: (message: string) => void;
    /** Wraps each loaded model before it serves (e.g. adaptive batching). */
    prepare?: (model: LoadedModel) => LoadedModel;
  },
): Promise<FollowedModel> {
  const first = await currentVersion(s, uri);
  const parsed = isModelsUri(uri) ? parseModelUri(uri) : undefined;
  const name = first?.name ?? (parsed ? ('name' in parsed ? parsed.name : parsed.modelId) : basename(uri));
  const prepare = options.prepare ?? ((model: LoadedModel) => model);
  const initial = await loadSlot(s, uri, name, first?.version, prepare);
  const target = new SwappableTarget([initial]);
  options.log(
    initial.model
      ? `serving ${name}${first ? ` version ${first.version}` : ''}`
      : `model ${name} failed to load: ${initial.error}`,
  );
  let serving = first?.version;
  let timer: NodeJS.Timeout | undefined;
  let checking: Promise<void> | undefined;
  const follows = parsed !== undefined && first !== undefined && parsed.kind !== 'version';
  if (follows) {
    timer = setInterval(() => {
      checking ??= (async () => {
        const now = await currentVersion(s, uri);
        if (!now || now.version === serving) return;
        options.log(`${uri} now names version ${now.version}; loading it beside version ${serving}`);
        const next = await loadSlot(s, uri, name, now.version, prepare);
        if (!next.model) {
          options.log(
            `version ${now.version} failed to load (${next.error}); still serving version ${serving}`,
          );
          return;
        }
        serving = now.version;
        await target.swap(next);
        options.log(`switched to version ${now.version}`);
      })()
        .catch((error: Error) => options.log(`following ${uri} failed: ${error.message}`))
        .finally(() => (checking = undefined));
    }, options.pollMs);
  }
  return {
    target,
    async close() {
      if (timer) clearInterval(timer);
      await checking;
      await target.close();
    },
  };
}
