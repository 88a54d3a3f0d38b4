import { PROMPT_TAG } from '@ferry/core';
import type { ModelVersion, ModelVersionStage, RegisteredModel, Tag } from '@ferry/core';
import type { CreateModelVersionInput, CreateRegisteredModelInput, RegistryStore } from '@ferry/store';
import type { EmittedEvent, WebhookEmitter } from './dispatcher.js';

/** Tags MLflow keeps for itself on prompts and leaves out of prompt payloads. */
const PROMPT_TEXT_TAG = 'mlflow.prompt.text';
const PROMPT_TYPE_TAG = '_mlflow_prompt_type';

function tagObject(
  tags: readonly Tag[] | undefined,
  without: readonly string[] = [],
): Record<string, string> {
  const out: Record<string, string> = {};
  for (const tag of tags ?? []) if (!without.includes(tag.key)) out[tag.key] = tag.value;
  return out;
}

/** A create request is a prompt's when it carries the prompt tag at all (MLflow checks the key only). */
const hasPromptTag = (tags: readonly Tag[] | undefined): boolean =>
  (tags ?? []).some((t) => t.key === PROMPT_TAG);

/**
 * The registry store, emitting MLflow's webhook events after each successful write, with MLflow's
 * payloads: `registered_model.created`, `model_version.created`, `model_version_tag.set`/`.deleted`,
 * `model_version_alias.created`/`.deleted`, and their `prompt*` counterparts when the model is a
 * prompt (MLflow reports registered-model tags only for prompts). Beyond MLflow, a stage transition
 * that changes the stage emits `model_version.stage_transitioned` {name, version, from_stage, to_stage}.
 *
 * Emitting never delays or fails the call: events that need to know whether the model is a prompt
 * look that up in the background. Every other method passes through untouched.
 */
export function withWebhookEvents(registry: RegistryStore, emitter: WebhookEmitter): RegistryStore {
  const isPrompt = async (name: string): Promise<boolean> => {
    const model: RegisteredModel = await registry.getRegisteredModel(name);
    return (model.tags ?? []).some((t) => t.key === PROMPT_TAG && t.value.toLowerCase() === 'true');
  };
  const byKind = (name: string, prompt: EmittedEvent, model: EmittedEvent | undefined): void =>
    emitter.emitLater(async () => ((await isPrompt(name)) ? prompt : model));

  const overrides: Partial<RegistryStore> = {
    async createRegisteredModel(input: CreateRegisteredModelInput): Promise<RegisteredModel> {
      const created = await registry.createRegisteredModel(input);
      // MLflow passes the request's description through: '' when none was given.
      const description = input.description ?? '';
      if (hasPromptTag(input.tags)) {
        const tags = tagObject(input.tags, [PROMPT_TAG, PROMPT_TYPE_TAG]);
        emitter.emit('prompt.created', { name: input.name, tags, description });
      } else {
        emitter.emit('registered_model.created', {
          name: input.name,
          tags: tagObject(input.tags),
          description,
        });
      }
      return created;
    },

    async createModelVersion(input: CreateModelVersionInput): Promise<ModelVersion> {
      const created = await registry.createModelVersion(input);
      const description = input.description || null;
      if (hasPromptTag(input.tags)) {
        const template = input.tags?.find((t) => t.key === PROMPT_TEXT_TAG)?.value ?? null;
        const tags = tagObject(input.tags, [PROMPT_TEXT_TAG, PROMPT_TAG, PROMPT_TYPE_TAG]);
        emitter.emit('prompt_version.created', {
          name: input.name,
          version: created.version,
          template,
          tags,
          description,
        });
      } else {
        emitter.emit('model_version.created', {
          name: input.name,
          version: created.version,
          source: input.source,
          run_id: input.runId || null,
          tags: tagObject(input.tags),
          description,
        });
      }
      return created;
    },

    async setModelVersionTag(name: string, version: number, tag: Tag): Promise<void> {
      await registry.setModelVersionTag(name, version, tag);
      const payload = { name, version: String(version), key: tag.key, value: tag.value };
      byKind(name, { event: 'prompt_version_tag.set', payload }, { event: 'model_version_tag.set', payload });
    },

    async deleteModelVersionTag(name: string, version: number, key: string): Promise<void> {
      await registry.deleteModelVersionTag(name, version, key);
      const payload = { name, version: String(version), key };
      byKind(
        name,
        { event: 'prompt_version_tag.deleted', payload },
        { event: 'model_version_tag.deleted', payload },
      );
    },

    async setRegisteredModelAlias(name: string, alias: string, version: number): Promise<void> {
      await registry.setRegisteredModelAlias(name, alias, version);
      const payload = { name, alias, version: String(version) };
      byKind(
        name,
        { event: 'prompt_alias.created', payload },
        { event: 'model_version_alias.created', payload },
      );
    },

    async deleteRegisteredModelAlias(name: string, alias: string): Promise<void> {
      await registry.deleteRegisteredModelAlias(name, alias);
      const payload = { name, alias };
      byKind(
        name,
        { event: 'prompt_alias.deleted', payload },
        { event: 'model_version_alias.deleted', payload },
      );
    },

    async setRegisteredModelTag(name: string, tag: Tag): Promise<void> {
      await registry.setRegisteredModelTag(name, tag);
      byKind(name, { event: 'prompt_tag.set', payload: { name, key: tag.key, value: tag.value } }, undefined);
    },

    async deleteRegisteredModelTag(name: string, key: string): Promise<void> {
      await registry.deleteRegisteredModelTag(name, key);
      byKind(name, { event: 'prompt_tag.deleted', payload: { name, key } }, undefined);
    },

    async transitionModelVersionStage(
      name: string,
      version: number,
      stage: ModelVersionStage,
      archiveExistingVersions: boolean,
    ): Promise<ModelVersion> {
      // The stage before is read first; when the version does not exist the transition says so.
      const before = await registry.getModelVersion(name, version).catch(() => undefined);
      const after = await registry.transitionModelVersionStage(name, version, stage, archiveExistingVersions);
      if (before !== undefined && before.current_stage !== after.current_stage) {
        emitter.emit('model_version.stage_transitioned', {
          name,
          version: after.version,
          from_stage: before.current_stage,
          to_stage: after.current_stage,
        });
      }
      return after;
    },
  };

  return new Proxy(registry, {
    get(target, key) {
      if (typeof key === 'string' && Object.hasOwn(overrides, key))
        return overrides[key as keyof RegistryStore];
      const value: unknown = Reflect.get(target, key);
      return typeof value === 'function' ? (value as (...args: unknown[]) => unknown).bind(target) : value;
    },
  });
}
