import type { LoadedModel, LoadModelOptions } from '@ferry/models';
import { loadModel } from '@ferry/models';

/**
 * One served model: its name (the Open Inference Protocol's `{name}`), the version being served, and
 * the loaded model, or the reason it could not be loaded (then the model is `undefined`, the health and
 * ready endpoints answer 503 with `error`, and predictions 503).
 */
export interface ModelSlot {
  readonly name: string;
  readonly version?: string;
  readonly model: LoadedModel | undefined;
  readonly error?: string;
}

/**
 * What the app serves at one moment: one or more slots, the first answering the MLflow routes
 * (`/ping`, `/invocations`, …). A request takes one target when it starts and uses it until it has been
 * answered, then calls `release` (once), so a swap never mixes two versions within a request.
 */
export interface ServingTarget {
  readonly models: readonly ModelSlot[];
  /** Called once when the request that obtained this target has been answered (or failed). */
  release?(): void;
}

/** Called once per request, at its start. */
export type ServingTargetProvider = () => ServingTarget;

/**
 * Loads the model in `dir` into a slot; never throws: a model that fails to load gives a slot with no
 * model and the error's message.
 */
export async function loadModelSlot(
  slot: { name: string; version?: string; path: string },
  options: LoadModelOptions = {},
): Promise<ModelSlot> {
  const base = { name: slot.name, ...(slot.version === undefined ? {} : { version: slot.version }) };
  try {
    return { ...base, model: await loadModel(slot.path, options) };
  } catch (err) {
    return { ...base, model: undefined, error: (err as Error)?.message ?? String(err) };
  }
}

interface Generation {
  readonly models: readonly ModelSlot[];
  inFlight: number;
  retired: boolean;
  drained: Promise<void>;
  resolveDrained: () => void;
}

function generation(models: readonly ModelSlot[]): Generation {
  let resolveDrained!: () => void;
  const drained = new Promise<void>((resolve) => (resolveDrained = resolve));
  return { models: Object.freeze([...models]), inFlight: 0, retired: false, drained, resolveDrained };
}

/**
 * A provider whose slots can be replaced while serving. `provider` hands each request the current
 * immutable set of slots and counts it in flight; `swap` installs a new set atomically (requests already
 * running keep the old one) and resolves once every request holding an older set has been answered,
 * after closing the models that are no longer served (unless `closeReplaced` is false).
 */
export class SwappableTarget {
  #current: Generation;
  readonly #retired = new Set<Generation>();
  readonly #closeReplaced: boolean;
  readonly #closed = new WeakSet<LoadedModel>();

  constructor(models: readonly ModelSlot[], options: { closeReplaced?: boolean } = {}) {
    this.#current = generation(models);
    this.#closeReplaced = options.closeReplaced ?? true;
  }

  /** The slots new requests get. */
  get models(): readonly ModelSlot[] {
    return this.#current.models;
  }

  /** Pass this to `createScoringApp`. */
  readonly provider: ServingTargetProvider = () => {
    const gen = this.#current;
    gen.inFlight++;
    let released = false;
    return {
      models: gen.models,
      release: () => {
        if (released) return;
        released = true;
        gen.inFlight--;
        this.#settle(gen);
      },
    };
  };

  /** Replaces the slot of the same name (or adds it at the end). */
  swap(slot: ModelSlot): Promise<void> {
    const models = [...this.#current.models];
    const index = models.findIndex((m) => m.name === slot.name);
    if (index < 0) models.push(slot);
    else models[index] = slot;
    return this.replace(models);
  }

  /** Removes the slot of that name. */
  remove(name: string): Promise<void> {
    return this.replace(this.#current.models.filter((m) => m.name !== name));
  }

  /** Installs a whole new set of slots. */
  async replace(models: readonly ModelSlot[]): Promise<void> {
    const old = this.#current;
    this.#current = generation(models);
    old.retired = true;
    this.#retired.add(old);
    this.#settle(old);
    const waiting = [old, ...this.#retired];
    await Promise.all(waiting.map((g) => g.drained));
    if (!this.#closeReplaced) return;
    const live = new Set<LoadedModel | undefined>([
      ...this.#current.models.map((m) => m.model),
      ...[...this.#retired].flatMap((g) => g.models.map((m) => m.model)),
    ]);
    const stale = new Set(waiting.flatMap((g) => g.models.map((m) => m.model)));
    for (const model of stale) {
      if (model === undefined || live.has(model) || this.#closed.has(model)) continue;
      this.#closed.add(model);
      await model.close();
    }
  }

  /** Waits for requests in flight and closes every model (when `closeReplaced`). */
  async close(): Promise<void> {
    await this.replace([]);
  }

  #settle(gen: Generation): void {
    if (gen.retired && gen.inFlight === 0) {
      this.#retired.delete(gen);
      gen.resolveDrained();
    }
  }
}

/** A provider that always serves the same slots. */
export function staticTarget(models: readonly ModelSlot[]): ServingTargetProvider {
  const target: ServingTarget = { models: Object.freeze([...models]) };
  return () => target;
}
