import { randomUUID } from 'node:crypto';
import { decodePageToken, encodePageToken, invalidParam, notFound, validateLength } from '@ferry/core';
import type { Page } from '@ferry/core';
import type { Selectable } from 'kysely';
import type { Database } from '../schema.js';
import {
  WEBHOOK_LIMITS,
  splitWebhookEvent,
  validateWebhookEvents,
  validateWebhookName,
  validateWebhookUrlForm,
} from '../webhook-store.js';
import type {
  CreateWebhookInput,
  ListWebhooksInput,
  UpdateWebhookInput,
  Webhook,
  WebhookDeliveryTarget,
  WebhookEventName,
  WebhookStatus,
} from '../webhook-store.js';
import type { StoreContext } from './context.js';

type WebhookRow = Selectable<Database['webhooks']>;

/** Encrypts secrets for storage and back; bound to the webhook id so a sealed secret cannot be moved. */
export interface SecretSealer {
  seal(webhookId: string, secret: string): Promise<string>;
  /** The secret, or why it cannot be read. */
  unseal(webhookId: string, sealed: string): Promise<{ secret: string } | { error: string }>;
}

function toWebhook(row: WebhookRow, events: WebhookEventName[]): Webhook {
  const webhook: Webhook = {
    webhook_id: row.webhook_id,
    name: row.name,
    url: row.url,
    events,
    status: row.status as WebhookStatus,
    creation_timestamp: row.creation_timestamp,
    last_updated_timestamp: row.last_updated_timestamp,
  };
  if (row.description) webhook.description = row.description;
  return webhook;
}

async function toTarget(
  sealer: SecretSealer,
  row: WebhookRow,
  events: WebhookEventName[],
): Promise<WebhookDeliveryTarget> {
  const target: WebhookDeliveryTarget = toWebhook(row, events);
  if (row.secret === null) return target;
  const opened = await sealer.unseal(row.webhook_id, row.secret);
  if ('secret' in opened) target.secret = opened.secret;
  else target.secretError = opened.error;
  return target;
}

async function loadEvents(ctx: StoreContext, ids: string[]): Promise<Map<string, WebhookEventName[]>> {
  const byId = new Map<string, WebhookEventName[]>();
  if (ids.length === 0) return byId;
  const rows = await ctx.db
    .selectFrom('webhook_events')
    .select(['webhook_id', 'entity', 'action'])
    .where('webhook_id', 'in', ids)
    .orderBy('webhook_id')
    .orderBy('position')
    .execute();
  for (const r of rows) {
    const list = byId.get(r.webhook_id) ?? [];
    list.push(`${r.entity}.${r.action}` as WebhookEventName);
    byId.set(r.webhook_id, list);
  }
  return byId;
}

function eventRows(webhookId: string, events: WebhookEventName[]) {
  return events.map((event, position) => ({ webhook_id: webhookId, ...splitWebhookEvent(event), position }));
}

async function findRow(ctx: StoreContext, webhookId: string): Promise<WebhookRow> {
  const row = await ctx.db
    .selectFrom('webhooks')
    .selectAll()
    .where('webhook_id', '=', webhookId)
    .executeTakeFirst();
  if (!row) throw notFound(`Webhook with ID ${webhookId} not found.`);
  return row;
}

function validateDescription(description: string | undefined): void {
  if (description !== undefined) validateLength('description', description, WEBHOOK_LIMITS.descriptionLength);
}

export async function createWebhook(
  ctx: StoreContext,
  sealer: SecretSealer,
  input: CreateWebhookInput,
): Promise<Webhook> {
  validateWebhookName(input.name);
  validateWebhookUrlForm(input.url);
  const events = validateWebhookEvents(input.events);
  validateDescription(input.description);
  const webhookId = randomUUID();
  const now = Date.now();
  const secret = input.secret ? await sealer.seal(webhookId, input.secret) : null;
  const row: WebhookRow = {
    webhook_id: webhookId,
    name: input.name,
    description: input.description || null,
    url: input.url,
    status: input.status ?? 'ACTIVE',
    secret,
    creation_timestamp: now,
    last_updated_timestamp: now,
  };
  await ctx.db.transaction().execute(async (trx) => {
    await trx.insertInto('webhooks').values(row).execute();
    await trx.insertInto('webhook_events').values(eventRows(webhookId, events)).execute();
  });
  return toWebhook(row, events);
}

export async function getWebhook(ctx: StoreContext, webhookId: string): Promise<Webhook> {
  const row = await findRow(ctx, webhookId);
  const events = await loadEvents(ctx, [webhookId]);
  return toWebhook(row, events.get(webhookId) ?? []);
}

export async function getWebhookForDelivery(
  ctx: StoreContext,
  sealer: SecretSealer,
  webhookId: string,
): Promise<WebhookDeliveryTarget> {
  const row = await findRow(ctx, webhookId);
  const events = await loadEvents(ctx, [webhookId]);
  return toTarget(sealer, row, events.get(webhookId) ?? []);
}

export async function listWebhooks(ctx: StoreContext, input: ListWebhooksInput = {}): Promise<Page<Webhook>> {
  // As MLflow: 0 (proto's unset) means the default.
  const maxResults = input.maxResults || WEBHOOK_LIMITS.defaultMaxResults;
  if (maxResults < 1 || maxResults > WEBHOOK_LIMITS.maxResults) {
    throw invalidParam(`max_results must be between 1 and ${WEBHOOK_LIMITS.maxResults}.`);
  }
  const offset = decodePageToken(input.pageToken);
  const rows = await ctx.db
    .selectFrom('webhooks')
    .selectAll()
    .orderBy('creation_timestamp', 'desc')
    .orderBy('webhook_id')
    .limit(maxResults + 1)
    .offset(offset)
    .execute();
  const page = rows.slice(0, maxResults);
  const events = await loadEvents(
    ctx,
    page.map((r) => r.webhook_id),
  );
  const result: Page<Webhook> = { items: page.map((r) => toWebhook(r, events.get(r.webhook_id) ?? [])) };
  if (rows.length > maxResults) result.nextPageToken = encodePageToken(offset + maxResults);
  return result;
}

export async function listActiveWebhooksByEvent(
  ctx: StoreContext,
  sealer: SecretSealer,
  event: WebhookEventName,
): Promise<WebhookDeliveryTarget[]> {
  const { entity, action } = splitWebhookEvent(event);
  const rows = await ctx.db
    .selectFrom('webhooks')
    .selectAll('webhooks')
    .where('status', '=', 'ACTIVE')
    .where(({ exists, selectFrom }) =>
      exists(
        selectFrom('webhook_events as e')
          .select('e.webhook_id')
          .whereRef('e.webhook_id', '=', 'webhooks.webhook_id')
          .where('e.entity', '=', entity)
          .where('e.action', '=', action),
      ),
    )
    .orderBy('creation_timestamp', 'desc')
    .orderBy('webhook_id')
    .execute();
  const events = await loadEvents(
    ctx,
    rows.map((r) => r.webhook_id),
  );
  return Promise.all(rows.map((r) => toTarget(sealer, r, events.get(r.webhook_id) ?? [])));
}

export async function updateWebhook(
  ctx: StoreContext,
  sealer: SecretSealer,
  webhookId: string,
  input: UpdateWebhookInput,
): Promise<Webhook> {
  await findRow(ctx, webhookId);
  if (input.name !== undefined) validateWebhookName(input.name);
  if (input.url !== undefined) validateWebhookUrlForm(input.url);
  const events = input.events === undefined ? undefined : validateWebhookEvents(input.events);
  validateDescription(input.description);
  const changes: Partial<WebhookRow> = { last_updated_timestamp: Date.now() };
  if (input.name !== undefined) changes.name = input.name;
  if (input.url !== undefined) changes.url = input.url;
  if (input.description !== undefined) changes.description = input.description || null;
  if (input.status !== undefined) changes.status = input.status;
  if (input.secret) changes.secret = await sealer.seal(webhookId, input.secret);
  await ctx.db.transaction().execute(async (trx) => {
    const updated = await trx
      .updateTable('webhooks')
      .set(changes)
      .where('webhook_id', '=', webhookId)
      .executeTakeFirst();
    // Deleted between the read and the write.
    if (updated.numUpdatedRows === 0n) throw notFound(`Webhook with ID ${webhookId} not found.`);
    if (events !== undefined) {
      await trx.deleteFrom('webhook_events').where('webhook_id', '=', webhookId).execute();
      await trx.insertInto('webhook_events').values(eventRows(webhookId, events)).execute();
    }
  });
  return getWebhook(ctx, webhookId);
}

export async function deleteWebhook(ctx: StoreContext, webhookId: string): Promise<void> {
  await ctx.db.transaction().execute(async (trx) => {
    // Explicitly, not by cascade: SQLite enforces foreign keys only when the connection enables them.
    await trx.deleteFrom('webhook_events').where('webhook_id', '=', webhookId).execute();
    const result = await trx.deleteFrom('webhooks').where('webhook_id', '=', webhookId).executeTakeFirst();
    if (result.numDeletedRows === 0n) throw notFound(`Webhook with ID ${webhookId} not found.`);
  });
}
