import { createCipheriv, createDecipheriv, createHash, hkdfSync, randomBytes } from 'node:crypto';
import type { Page } from '@ferry/core';
import type { SqlTrackingStore } from './sql-tracking-store.js';
import type { StoreContext } from './sql/context.js';
import * as webhooks from './sql/webhooks.js';
import type { SecretSealer } from './sql/webhooks.js';
import type {
  CreateWebhookInput,
  ListWebhooksInput,
  UpdateWebhookInput,
  Webhook,
  WebhookDeliveryTarget,
  WebhookEventName,
  WebhookStore,
} from './webhook-store.js';

export interface SqlWebhookStoreOptions {
  /**
   * The key webhook secrets are encrypted with: any string of at least 32 characters, e.g. the output
   * of `openssl rand -base64 32`. Defaults to the FERRY_WEBHOOK_SECRET_KEY environment variable;
   * `null` ignores the environment. With no key, the database's own generated key is used.
   */
  secretKey?: string | null;
}

/** Minimum length of a configured key; it is stretched with HKDF, which adds no strength. */
const MIN_KEY_LENGTH = 32;
const DATABASE_KEY_ID = 'default';
const ENVELOPE_VERSION = 'v1';

interface Key {
  /** A short hash of the key, written into each envelope so decryption picks the right key. */
  id: string;
  bytes: Buffer;
}

function keyFrom(bytes: Buffer): Key {
  return { id: createHash('sha256').update(bytes).digest('hex').slice(0, 16), bytes };
}

function configuredKey(secretKey: string | null | undefined): Key | undefined {
  const text = secretKey === undefined ? process.env['FERRY_WEBHOOK_SECRET_KEY'] : secretKey;
  if (!text) return undefined;
  if (text.length < MIN_KEY_LENGTH) {
    throw new Error(
      `FERRY_WEBHOOK_SECRET_KEY must be at least ${MIN_KEY_LENGTH} characters (e.g. \`openssl rand -base64 32\`).`,
    );
  }
  const bytes = hkdfSync('sha256', text, 'ferry-webhook-secrets', 'aes-256-gcm', 32);
  return keyFrom(Buffer.from(bytes));
}

/**
 * Webhook secrets at rest, sealed with AES-256-GCM and bound to their webhook id.
 *
 * MLflow encrypts them with MLFLOW_WEBHOOK_SECRET_ENCRYPTION_KEY and, without it, with a key made up
 * per process, so every secret becomes unreadable at the next restart or on another replica. Ferry
 * instead falls back to a key generated once and kept in the database itself: secrets then survive
 * restarts and work across replicas, and are out of plain sight (logs, dumps of the webhooks table),
 * but anyone who can read the whole database can decrypt them. Deployments that need more set
 * FERRY_WEBHOOK_SECRET_KEY (kept outside the database); new secrets are then sealed with it, while
 * those sealed earlier with the database key stay readable until they are replaced.
 */
class SecretCipher implements SecretSealer {
  private databaseKey: Key | undefined;

  constructor(
    private readonly ctx: StoreContext,
    private readonly configured: Key | undefined,
  ) {}

  async seal(webhookId: string, secret: string): Promise<string> {
    const key = this.configured ?? (await this.loadDatabaseKey(true))!;
    const iv = randomBytes(12);
    const cipher = createCipheriv('aes-256-gcm', key.bytes, iv);
    cipher.setAAD(Buffer.from(webhookId));
    const sealed = Buffer.concat([cipher.update(secret, 'utf8'), cipher.final(), cipher.getAuthTag()]);
    return [ENVELOPE_VERSION, key.id, iv.toString('base64url'), sealed.toString('base64url')].join('.');
  }

  async unseal(webhookId: string, envelope: string): Promise<{ secret: string } | { error: string }> {
    const [version, keyId, iv, sealed] = envelope.split('.');
    if (version !== ENVELOPE_VERSION || !keyId || !iv || !sealed) {
      return { error: `The secret of webhook ${webhookId} is stored in an unknown format.` };
    }
    const key = this.configured?.id === keyId ? this.configured : await this.loadDatabaseKey(false);
    if (key?.id !== keyId) {
      return {
        error:
          `The secret of webhook ${webhookId} was encrypted with a key this server does not have ` +
          `(key id ${keyId}); set FERRY_WEBHOOK_SECRET_KEY to that key, or give the webhook a new secret.`,
      };
    }
    try {
      const data = Buffer.from(sealed, 'base64url');
      const decipher = createDecipheriv('aes-256-gcm', key.bytes, Buffer.from(iv, 'base64url'));
      decipher.setAAD(Buffer.from(webhookId));
      decipher.setAuthTag(data.subarray(data.length - 16));
      const secret = Buffer.concat([decipher.update(data.subarray(0, data.length - 16)), decipher.final()]);
      return { secret: secret.toString('utf8') };
    } catch {
      return {
        error: `The secret of webhook ${webhookId} cannot be decrypted (corrupted or tampered with).`,
      };
    }
  }

  /** The database's key, created on first need; concurrent creators (replicas) settle on one row. */
  private async loadDatabaseKey(create: boolean): Promise<Key | undefined> {
    if (this.databaseKey) return this.databaseKey;
    const key = await this.readOrCreateDatabaseKey(create);
    if (key) this.databaseKey = key;
    return key;
  }

  private async readOrCreateDatabaseKey(create: boolean): Promise<Key | undefined> {
    const read = () =>
      this.ctx.db
        .selectFrom('webhook_secret_keys')
        .select('key')
        .where('key_id', '=', DATABASE_KEY_ID)
        .executeTakeFirst();
    let row = await read();
    if (!row && create) {
      await this.ctx.db
        .insertInto('webhook_secret_keys')
        .values({
          key_id: DATABASE_KEY_ID,
          key: randomBytes(32).toString('base64'),
          creation_timestamp: Date.now(),
        })
        .onConflict((oc) => oc.column('key_id').doNothing())
        .execute();
      row = await read();
    }
    return row ? keyFrom(Buffer.from(row.key, 'base64')) : undefined;
  }
}

/**
 * Registry webhooks on the tracking store's database (same connections, same migrations): opening
 * and closing belong to the tracking store. Throws at construction when the configured key is too short.
 */
export class SqlWebhookStore implements WebhookStore {
  private readonly ctx: StoreContext;
  private readonly cipher: SecretCipher;

  constructor(tracking: SqlTrackingStore, options: SqlWebhookStoreOptions = {}) {
    this.ctx = tracking.context;
    this.cipher = new SecretCipher(this.ctx, configuredKey(options.secretKey));
  }

  createWebhook = (input: CreateWebhookInput): Promise<Webhook> =>
    webhooks.createWebhook(this.ctx, this.cipher, input);
  getWebhook = (webhookId: string): Promise<Webhook> => webhooks.getWebhook(this.ctx, webhookId);
  listWebhooks = (input?: ListWebhooksInput): Promise<Page<Webhook>> =>
    webhooks.listWebhooks(this.ctx, input);
  listActiveWebhooksByEvent = (event: WebhookEventName): Promise<WebhookDeliveryTarget[]> =>
    webhooks.listActiveWebhooksByEvent(this.ctx, this.cipher, event);
  getWebhookForDelivery = (webhookId: string): Promise<WebhookDeliveryTarget> =>
    webhooks.getWebhookForDelivery(this.ctx, this.cipher, webhookId);
  updateWebhook = (webhookId: string, input: UpdateWebhookInput): Promise<Webhook> =>
    webhooks.updateWebhook(this.ctx, this.cipher, webhookId, input);
  deleteWebhook = (webhookId: string): Promise<void> => webhooks.deleteWebhook(this.ctx, webhookId);
}
