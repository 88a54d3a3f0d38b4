import type { WebhookEventName } from '@ferry/store';

/**
 * The `data` of each event, field for field as MLflow sends it (mlflow/webhooks/types.py). Versions
 * are strings; tags are `{key: value}` objects.
 */
export interface RegisteredModelCreatedPayload {
  name: string;
  tags: Record<string, string>;
  description: string | null;
}

export interface ModelVersionCreatedPayload {
  name: string;
  version: string;
  source: string;
  run_id: string | null;
  tags: Record<string, string>;
  description: string | null;
}

export interface ModelVersionTagSetPayload {
  name: string;
  version: string;
  key: string;
  value: string;
}

export interface ModelVersionTagDeletedPayload {
  name: string;
  version: string;
  key: string;
}

export interface ModelVersionAliasCreatedPayload {
  name: string;
  alias: string;
  version: string;
}

export interface ModelVersionAliasDeletedPayload {
  name: string;
  alias: string;
}

export interface PromptVersionCreatedPayload {
  name: string;
  version: string;
  template: string | null;
  tags: Record<string, string>;
  description: string | null;
}

export interface PromptTagSetPayload {
  name: string;
  key: string;
  value: string;
}

export interface BudgetPolicyExceededPayload {
  budget_policy_id: string;
  budget_unit: 'USD';
  budget_amount: number;
  current_spend: number;
  duration_unit: 'MINUTES' | 'HOURS' | 'DAYS' | 'MONTHS';
  duration_value: number;
  target_scope: 'GLOBAL' | 'WORKSPACE';
  workspace: string;
  window_start: number;
}

/** Ferry's extension (not in MLflow): a version moved from one stage to another. */
export interface ModelVersionStageTransitionedPayload {
  name: string;
  version: string;
  from_stage: string;
  to_stage: string;
}

/** The payload type of every event. */
export interface WebhookPayloads {
  'registered_model.created': RegisteredModelCreatedPayload;
  'model_version.created': ModelVersionCreatedPayload;
  'model_version.stage_transitioned': ModelVersionStageTransitionedPayload;
  'model_version_tag.set': ModelVersionTagSetPayload;
  'model_version_tag.deleted': ModelVersionTagDeletedPayload;
  'model_version_alias.created': ModelVersionAliasCreatedPayload;
  'model_version_alias.deleted': ModelVersionAliasDeletedPayload;
  'prompt.created': RegisteredModelCreatedPayload;
  'prompt_version.created': PromptVersionCreatedPayload;
  'prompt_tag.set': PromptTagSetPayload;
  'prompt_tag.deleted': Omit<PromptTagSetPayload, 'value'>;
  'prompt_version_tag.set': ModelVersionTagSetPayload;
  'prompt_version_tag.deleted': ModelVersionTagDeletedPayload;
  'prompt_alias.created': ModelVersionAliasCreatedPayload;
  'prompt_alias.deleted': ModelVersionAliasDeletedPayload;
  'budget_policy.exceeded': BudgetPolicyExceededPayload;
}

export type WebhookPayload = WebhookPayloads[WebhookEventName];

const tags = { example_key: 'example_value' };

/** What test deliveries carry: MLflow's example payload of each event. */
export const EXAMPLE_PAYLOADS: { [E in WebhookEventName]: WebhookPayloads[E] } = {
  'registered_model.created': { name: 'example_model', tags, description: 'An example registered model' },
  'model_version.created': {
    name: 'example_model',
    version: '1',
    source: 'models:/123',
    run_id: 'abcd1234abcd5678',
    tags,
    description: 'An example model version',
  },
  'model_version.stage_transitioned': {
    name: 'example_model',
    version: '1',
    from_stage: 'Staging',
    to_stage: 'Production',
  },
  'model_version_tag.set': {
    name: 'example_model',
    version: '1',
    key: 'example_key',
    value: 'example_value',
  },
  'model_version_tag.deleted': { name: 'example_model', version: '1', key: 'example_key' },
  'model_version_alias.created': { name: 'example_model', alias: 'example_alias', version: '1' },
  'model_version_alias.deleted': { name: 'example_model', alias: 'example_alias' },
  'prompt.created': { name: 'example_prompt', tags, description: 'An example prompt' },
  'prompt_version.created': {
    name: 'example_prompt',
    version: '1',
    template: 'Hello {{name}}!',
    tags,
    description: 'An example prompt version',
  },
  'prompt_tag.set': { name: 'example_prompt', key: 'example_key', value: 'example_value' },
  'prompt_tag.deleted': { name: 'example_prompt', key: 'example_key' },
  'prompt_version_tag.set': {
    name: 'example_prompt',
    version: '1',
    key: 'example_key',
    value: 'example_value',
  },
  'prompt_version_tag.deleted': { name: 'example_prompt', version: '1', key: 'example_key' },
  'prompt_alias.created': { name: 'example_prompt', alias: 'example_alias', version: '1' },
  'prompt_alias.deleted': { name: 'example_prompt', alias: 'example_alias' },
  'budget_policy.exceeded': {
    budget_policy_id: 'bp-abc123',
    budget_unit: 'USD',
    budget_amount: 100.0,
    current_spend: 105.5,
    duration_unit: 'MONTHS',
    duration_value: 1,
    target_scope: 'WORKSPACE',
    workspace: 'default',
    window_start: 1704067200000,
  },
};

/** Python's `datetime.now(timezone.utc).isoformat()`: microseconds and `+00:00`. */
function isoTimestamp(now: Date): string {
  return now.toISOString().replace(/Z$/, '000+00:00');
}

/** The body MLflow posts: `{entity, action, timestamp, data}`. */
export function deliveryBody(event: WebhookEventName, data: WebhookPayload, now = new Date()): string {
  const [entity, action] = event.split('.');
  return JSON.stringify({ entity, action, timestamp: isoTimestamp(now), data });
}
