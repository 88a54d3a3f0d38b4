import { FerryError } from '@ferry/core';
import {
  WEBHOOK_ACTIONS,
  WEBHOOK_ENTITIES,
  WEBHOOK_STATUSES,
  parseWebhookEvent,
  splitWebhookEvent,
  validateWebhookEvents,
  validateWebhookName,
  webhookEvent,
} from '@ferry/store';
import type { Webhook, WebhookEventName, WebhookStatus, WebhookStore } from '@ferry/store';
import type { AppDeps } from '../deps.js';
import { Fields, missing, wrongType } from '../http/message.js';
import type { Message } from '../http/message.js';
import { pageBody } from '../http/wire.js';
import { WebhookUrlPolicy } from '../webhooks/url-policy.js';
import { DEFAULT_WEBHOOK_SETTINGS } from '../webhooks/settings.js';
import type { ApiRoute } from './route.js';

/** Proto enum names (`MODEL_VERSION`, `CREATED`) and numbers, as MLflow's WebhookEvent message takes them. */
const ENTITY_NAMES = WEBHOOK_ENTITIES.map((e) => e.toUpperCase());
const ACTION_NAMES = WEBHOOK_ACTIONS.map((a) => a.toUpperCase());
const numbered = (names: string[], count: number): Record<number, string> =>
  Object.fromEntries(names.slice(0, count).map((name, i) => [i + 1, name]));
// Ferry's STAGE_TRANSITIONED has no number: MLflow's enum does not know it.
const ENTITY_NUMBERS = numbered(ENTITY_NAMES, ENTITY_NAMES.length);
const ACTION_NUMBERS = numbered(ACTION_NAMES, 5);
const STATUS_NUMBERS: Record<number, WebhookStatus> = { 1: 'ACTIVE', 2: 'DISABLED' };

/** The store, or 501 when this server runs without webhooks. */
function webhooksOf(deps: AppDeps): WebhookStore {
  if (!deps.webhooks) {
    throw new FerryError('NOT_IMPLEMENTED', 'Webhooks are disabled on this server (FEATURE_DISABLED).');
  }
  return deps.webhooks;
}

/** Saved URLs are held to the dispatcher's policy; without one, to MLflow's defaults. */
function urlPolicy(deps: AppDeps): WebhookUrlPolicy {
  return deps.webhookDispatcher?.policy ?? new WebhookUrlPolicy(DEFAULT_WEBHOOK_SETTINGS);
}

/** `{entity: "MODEL_VERSION", action: "CREATED"}` (names or numbers), or Ferry's `"model_version.created"`. */
function readEvent(item: unknown, path: string): WebhookEventName {
  if (typeof item === 'string') return parseWebhookEvent(item);
  if (typeof item !== 'object' || item === null || Array.isArray(item)) throw wrongType(path, item);
  const fields = new Fields(item as Message, path);
  const entity = fields.optionalEnum('entity', ENTITY_NAMES, ENTITY_NUMBERS);
  const action = fields.optionalEnum('action', ACTION_NAMES, ACTION_NUMBERS);
  if (entity === undefined) throw missing(`${path}.entity`);
  if (action === undefined) throw missing(`${path}.action`);
  return webhookEvent(entity.toLowerCase(), action.toLowerCase());
}

function readEvents(fields: Fields): string[] {
  const value = fields.raw('events');
  if (value === undefined || value === null) return [];
  if (!Array.isArray(value)) throw wrongType('events', value);
  return value.map((item, i) => readEvent(item, `events[${i}]`));
}

function wireEvent(event: WebhookEventName): { entity: string; action: string } {
  const { entity, action } = splitWebhookEvent(event);
  return { entity: entity.toUpperCase(), action: action.toUpperCase() };
}

/** MLflow's `Webhook` message; the secret is never part of it. */
function wireWebhook(webhook: Webhook): Record<string, unknown> {
  return {
    webhook_id: webhook.webhook_id,
    name: webhook.name,
    ...(webhook.description ? { description: webhook.description } : {}),
    url: webhook.url,
    events: webhook.events.map(wireEvent),
    status: webhook.status,
    creation_timestamp: webhook.creation_timestamp,
    last_updated_timestamp: webhook.last_updated_timestamp,
  };
}

/** A proto string field: absent and '' both mean "not given", as MLflow's `x or None` reads them. */
const given = (fields: Fields, key: string): string | undefined => fields.optionalString(key) || undefined;

const readStatus = (fields: Fields): WebhookStatus | undefined =>
  fields.optionalEnum('status', WEBHOOK_STATUSES, STATUS_NUMBERS);

function webhookId(req: Parameters<ApiRoute['handle']>[0]): string {
  return req.context.req.param('webhook_id') ?? '';
}

/** MLflow's webhook service (mlflow/protos/webhooks.proto) over `deps.webhooks`. */
export const webhookRoutes: ApiRoute[] = [
  {
    method: 'POST',
    path: '/webhooks',
    async handle({ fields, deps }) {
      const store = webhooksOf(deps);
      const name = fields.string('name');
      const url = fields.string('url');
      if (fields.raw('events') === undefined || fields.raw('events') === null) throw missing('events');
      const events = readEvents(fields);
      const description = given(fields, 'description');
      const secret = given(fields, 'secret');
      const status = readStatus(fields);
      validateWebhookName(name);
      await urlPolicy(deps).validate(url);
      const webhook = await store.createWebhook({
        name,
        url,
        events: validateWebhookEvents(events),
        ...(description ? { description } : {}),
        ...(secret ? { secret } : {}),
        ...(status ? { status } : {}),
      });
      deps.webhookDispatcher?.invalidate();
      return { webhook: wireWebhook(webhook) };
    },
  },
  {
    method: 'GET',
    path: '/webhooks',
    async handle({ fields, deps }) {
      const maxResults = fields.optionalInt('max_results');
      const pageToken = given(fields, 'page_token');
      const page = await webhooksOf(deps).listWebhooks({
        ...(maxResults !== undefined ? { maxResults } : {}),
        ...(pageToken ? { pageToken } : {}),
      });
      return pageBody('webhooks', page, wireWebhook);
    },
  },
  {
    method: 'GET',
    path: '/webhooks/:webhook_id',
    async handle(req) {
      return { webhook: wireWebhook(await webhooksOf(req.deps).getWebhook(webhookId(req))) };
    },
  },
  {
    method: 'PATCH',
    path: '/webhooks/:webhook_id',
    async handle(req) {
      const { fields, deps } = req;
      const store = webhooksOf(deps);
      const id = webhookId(req);
      const name = given(fields, 'name');
      const url = given(fields, 'url');
      const events = readEvents(fields);
      const description = given(fields, 'description');
      const secret = given(fields, 'secret');
      const status = readStatus(fields);
      // As MLflow: an unknown id is reported before anything wrong with the changes.
      await store.getWebhook(id);
      if (name !== undefined) validateWebhookName(name);
      if (url !== undefined) await urlPolicy(deps).validate(url);
      const webhook = await store.updateWebhook(id, {
        ...(name !== undefined ? { name } : {}),
        ...(url !== undefined ? { url } : {}),
        ...(events.length > 0 ? { events: validateWebhookEvents(events) } : {}),
        ...(description !== undefined ? { description } : {}),
        ...(secret !== undefined ? { secret } : {}),
        ...(status !== undefined ? { status } : {}),
      });
      deps.webhookDispatcher?.invalidate();
      return { webhook: wireWebhook(webhook) };
    },
  },
  {
    method: 'DELETE',
    path: '/webhooks/:webhook_id',
    async handle(req) {
      await webhooksOf(req.deps).deleteWebhook(webhookId(req));
      req.deps.webhookDispatcher?.invalidate();
      return {};
    },
  },
  {
    method: 'POST',
    path: '/webhooks/:webhook_id/test',
    async handle(req) {
      const store = webhooksOf(req.deps);
      const dispatcher = req.deps.webhookDispatcher;
      if (!dispatcher) {
        throw new FerryError(
          'NOT_IMPLEMENTED',
          'Webhook delivery is disabled on this server (FEATURE_DISABLED).',
        );
      }
      const raw = req.fields.raw('event');
      const event = raw === undefined || raw === null ? undefined : readEvent(raw, 'event');
      const target = await store.getWebhookForDelivery(webhookId(req));
      return { result: await dispatcher.test(target, event) };
    },
  },
];
