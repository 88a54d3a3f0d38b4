import { invalidParam, validateLength } from '@ferry/core';
import type { Page } from '@ferry/core';

/**
 * Registry webhooks as MLflow 3 defines them (mlflow/entities/webhook.py): a URL subscribed to events
 * named `<entity>.<action>`, signed with an optional secret that is never returned.
 */

/** Every entity MLflow names, each with the actions it may be subscribed to. */
export const WEBHOOK_ENTITY_ACTIONS = {
  registered_model: ['created'],
  model_version: ['created', 'stage_transitioned'],
  model_version_tag: ['set', 'deleted'],
  model_version_alias: ['created', 'deleted'],
  prompt: ['created'],
  prompt_version: ['created'],
  prompt_tag: ['set', 'deleted'],
  prompt_version_tag: ['set', 'deleted'],
  prompt_alias: ['created', 'deleted'],
  budget_policy: ['exceeded'],
} as const;

export type WebhookEntity = keyof typeof WEBHOOK_ENTITY_ACTIONS;
/** MLflow's actions, plus Ferry's `stage_transitioned`. */
export type WebhookAction = 'created' | 'updated' | 'deleted' | 'set' | 'exceeded' | 'stage_transitioned';

/** `model_version.created`, `model_version_tag.set`, …: the form events take in payloads and settings. */
export type WebhookEventName = {
  [E in WebhookEntity]: `${E}.${(typeof WEBHOOK_ENTITY_ACTIONS)[E][number]}`;
}[WebhookEntity];

export const WEBHOOK_ENTITIES = Object.keys(WEBHOOK_ENTITY_ACTIONS) as WebhookEntity[];
export const WEBHOOK_ACTIONS: readonly WebhookAction[] = [
  'created',
  'updated',
  'deleted',
  'set',
  'exceeded',
  'stage_transitioned',
];

/**
 * Ferry's extension beyond MLflow: a model version moved between stages. MLflow clients cannot
 * parse it (their enums lack the action), so only webhooks that opt in ever show it.
 */
export const STAGE_TRANSITIONED_EVENT = 'model_version.stage_transitioned' satisfies WebhookEventName;

export const WEBHOOK_STATUSES = ['ACTIVE', 'DISABLED'] as const;
export type WebhookStatus = (typeof WEBHOOK_STATUSES)[number];

/** A webhook as it is shown: the secret, if any, is never part of it. */
export interface Webhook {
  webhook_id: string;
  name: string;
  description?: string;
  url: string;
  /** In the order they were given, without duplicates. */
  events: WebhookEventName[];
  status: WebhookStatus;
  creation_timestamp: number;
  last_updated_timestamp: number;
}

/** A webhook with what delivering to it needs: its secret in clear. */
export interface WebhookDeliveryTarget extends Webhook {
  /** The signing secret; absent when the webhook has none (requests then go unsigned, as in MLflow). */
  secret?: string;
  /**
   * Set (and `secret` absent) when the stored secret cannot be decrypted with any key this store
   * has, e.g. after the encryption key changed. Delivering unsigned would mislead the receiver, so
   * callers must not deliver to such a target.
   */
  secretError?: string;
}

export interface CreateWebhookInput {
  name: string;
  url: string;
  events: WebhookEventName[];
  description?: string;
  secret?: string;
  /** ACTIVE when absent. */
  status?: WebhookStatus;
}

/** Absent fields are left as they are; a secret can be replaced but not removed (as in MLflow). */
export interface UpdateWebhookInput {
  name?: string;
  description?: string;
  url?: string;
  events?: WebhookEventName[];
  secret?: string;
  status?: WebhookStatus;
}

export interface ListWebhooksInput {
  /** 1 to 1000; 100 when absent. */
  maxResults?: number;
  pageToken?: string;
}

/**
 * Storage of registry webhooks. Errors are FerryErrors with MLflow's codes and messages: unknown ids
 * are RESOURCE_DOES_NOT_EXIST (`Webhook with ID <id> not found.`), bad input INVALID_PARAMETER_VALUE.
 * Stores check a URL's form only; which schemes and addresses may be called is the deliverer's policy.
 */
export interface WebhookStore {
  createWebhook(input: CreateWebhookInput): Promise<Webhook>;
  getWebhook(webhookId: string): Promise<Webhook>;
  /** Newest first; MLflow's page tokens. */
  listWebhooks(input?: ListWebhooksInput): Promise<Page<Webhook>>;
  /** Every ACTIVE webhook subscribed to `event`, with its secret, newest first. */
  listActiveWebhooksByEvent(event: WebhookEventName): Promise<WebhookDeliveryTarget[]>;
  /** One webhook with its secret, whatever its status (for test deliveries). */
  getWebhookForDelivery(webhookId: string): Promise<WebhookDeliveryTarget>;
  updateWebhook(webhookId: string, input: UpdateWebhookInput): Promise<Webhook>;
  deleteWebhook(webhookId: string): Promise<void>;
}

/** MLflow's limits: the name rule and its column widths. */
export const WEBHOOK_LIMITS = {
  urlLength: 500,
  descriptionLength: 1000,
  maxResults: 1000,
  defaultMaxResults: 100,
} as const;

const NAME_PATTERN = /^(?=.{1,63}$)[a-z0-9]([a-z0-9._-]*[a-z0-9])?$/i;

/** Python's `repr()` of a string, as MLflow's messages quote values. */
export function pyRepr(text: string): string {
  const quote = text.includes("'") && !text.includes('"') ? '"' : "'";
  const escaped = text
    .replaceAll('\\', '\\\\')
    .replaceAll(quote, `\\${quote}`)
    .replaceAll('\n', '\\n')
    .replaceAll('\r', '\\r')
    .replaceAll('\t', '\\t');
  return `${quote}${escaped}${quote}`;
}

/** 1–63 letters, digits, `.`, `_`, `-`, starting and ending with a letter or digit. */
export function validateWebhookName(name: string): void {
  if (!NAME_PATTERN.test(name)) {
    throw invalidParam(
      `Webhook name ${pyRepr(name)} is invalid. It must start and end with a letter or digit, ` +
        'be less than 63 characters long, and contain only letters, digits, dots (.), ' +
        'underscores (_), and hyphens (-).',
    );
  }
}

/**
 * The form of a webhook URL: not blank, parseable, of an allowed scheme, with a host. Returns the
 * parsed URL. Whether its host may be called is checked by the deliverer, which knows the policy.
 */
export function validateWebhookUrlForm(
  url: string,
  allowedSchemes: readonly string[] = ['http', 'https'],
): URL {
  if (url.trim() === '') {
    throw invalidParam(`Webhook URL cannot be empty or just whitespace: ${pyRepr(url)}`);
  }
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch (error) {
    throw invalidParam(`Invalid webhook URL ${pyRepr(url)}: ${(error as Error).message}`);
  }
  const scheme = parsed.protocol.replace(/:$/, '');
  if (!allowedSchemes.includes(scheme)) {
    throw invalidParam(
      `Invalid webhook URL scheme: ${pyRepr(scheme)}. Allowed schemes are: ${allowedSchemes.join(', ')}.`,
    );
  }
  if (parsed.hostname === '') throw invalidParam(`Webhook URL must include a hostname: ${pyRepr(url)}`);
  validateLength('url', url, WEBHOOK_LIMITS.urlLength);
  return parsed;
}

/** Splits `entity.action`, requiring a combination MLflow (or Ferry) defines. */
export function parseWebhookEvent(text: string): WebhookEventName {
  const parts = text.split('.');
  if (parts.length !== 2) {
    throw invalidParam(
      `Invalid event string format: ${text}. Expected format: 'entity.action' (e.g., 'registered_model.created')`,
    );
  }
  return webhookEvent(parts[0]!, parts[1]!);
}

/** The event for an entity and action given separately (lower case, as MLflow names them). */
export function webhookEvent(entity: string, action: string): WebhookEventName {
  if (!(entity in WEBHOOK_ENTITY_ACTIONS)) {
    throw invalidParam(
      `Invalid webhook entity ${pyRepr(entity)}. Valid entities are: ${WEBHOOK_ENTITIES.join(', ')}`,
    );
  }
  const valid: readonly string[] = WEBHOOK_ENTITY_ACTIONS[entity as WebhookEntity];
  if (!valid.includes(action)) {
    const sorted = [...valid].sort().map(pyRepr).join(', ');
    throw invalidParam(`Invalid action '${action}' for entity '${entity}'. Valid actions are: [${sorted}]`);
  }
  return `${entity}.${action}` as WebhookEventName;
}

/** The entity and action of an event name. */
export function splitWebhookEvent(event: WebhookEventName): { entity: WebhookEntity; action: WebhookAction } {
  const [entity, action] = event.split('.') as [WebhookEntity, WebhookAction];
  return { entity, action };
}

/** A non-empty list of known events; duplicates are dropped, first occurrence kept. */
export function validateWebhookEvents(events: readonly string[]): WebhookEventName[] {
  if (events.length === 0) {
    throw invalidParam('Webhook events must be a non-empty list of WebhookEvent objects: [].');
  }
  return [...new Set(events.map(parseWebhookEvent))];
}
