import { describe, expect, it } from 'vitest';
import { SqlWebhookStore } from '../src/index.js';
import type { CreateWebhookInput, WebhookEventName } from '../src/index.js';
import { BACKENDS } from './backends.js';
import { allPages, expectFerryError, freezeTime, useFreshStore } from './helpers.js';

const KEY_A = 'a-test-key-that-is-long-enough-0123456789';
const KEY_B = 'b-test-key-that-is-long-enough-0123456789';

function input(overrides: Partial<CreateWebhookInput> = {}): CreateWebhookInput {
  return {
    name: 'hook',
    url: 'https://example.com/hook',
    events: ['model_version.created'],
    ...overrides,
  };
}

describe.each(BACKENDS)('WebhookStore conformance on $name', (backend) => {
  const { store, opened } = useFreshStore(backend);
  const webhooksWith = (secretKey: string | null = KEY_A) => new SqlWebhookStore(store, { secretKey });

  describe('create and get', () => {
    it('creates an ACTIVE webhook with a new id and returns it without its secret', async () => {
      freezeTime(1_700_000_000_000);
      const webhooks = webhooksWith();
      const created = await webhooks.createWebhook(
        input({
          events: ['model_version_alias.created', 'model_version.created'],
          description: 'notify CI',
          secret: 's3cret',
        }),
      );
      expect(created.webhook_id).toMatch(/^[0-9a-f-]{36}$/);
      expect(created).toStrictEqual({
        webhook_id: created.webhook_id,
        name: 'hook',
        description: 'notify CI',
        url: 'https://example.com/hook',
        events: ['model_version_alias.created', 'model_version.created'],
        status: 'ACTIVE',
        creation_timestamp: 1_700_000_000_000,
        last_updated_timestamp: 1_700_000_000_000,
      });
      expect(await webhooks.getWebhook(created.webhook_id)).toStrictEqual(created);
    });

    it('keeps an explicit status, omits an empty description and drops repeated events', async () => {
      const webhooks = webhooksWith();
      const created = await webhooks.createWebhook(
        input({
          status: 'DISABLED',
          description: '',
          events: ['registered_model.created', 'model_version_tag.set', 'registered_model.created'],
        }),
      );
      const read = await webhooks.getWebhook(created.webhook_id);
      expect(read.status).toBe('DISABLED');
      expect(read).not.toHaveProperty('description');
      expect(read.events).toEqual(['registered_model.created', 'model_version_tag.set']);
    });

    it('allows two webhooks with the same name, as MLflow does', async () => {
      const webhooks = webhooksWith();
      const a = await webhooks.createWebhook(input());
      const b = await webhooks.createWebhook(input());
      expect(a.webhook_id).not.toBe(b.webhook_id);
    });

    it('reports unknown ids with MLflow message', async () => {
      await expectFerryError(
        webhooksWith().getWebhook('nonexistent'),
        'RESOURCE_DOES_NOT_EXIST',
        'Webhook with ID nonexistent not found.',
      );
    });

    it('rejects bad names, URLs and events with MLflow messages, creating nothing', async () => {
      const webhooks = webhooksWith();
      for (const name of ['', '-hook', 'hook-', 'has space', 'a'.repeat(64), 'ünïcode']) {
        await expectFerryError(
          webhooks.createWebhook(input({ name })),
          'INVALID_PARAMETER_VALUE',
          /^Webhook name .* is invalid\. It must start and end with a letter or digit/,
        );
      }
      await webhooks.createWebhook(input({ name: 'A.b_c-9' }));
      await webhooks.createWebhook(input({ name: 'x'.repeat(63) }));

      await expectFerryError(
        webhooks.createWebhook(input({ url: '   ' })),
        'INVALID_PARAMETER_VALUE',
        "Webhook URL cannot be empty or just whitespace: '   '",
      );
      await expectFerryError(
        webhooks.createWebhook(input({ url: 'ftp://example.com' })),
        'INVALID_PARAMETER_VALUE',
        "Invalid webhook URL scheme: 'ftp'. Allowed schemes are: http, https.",
      );
      await expectFerryError(
        webhooks.createWebhook(input({ url: 'http://[invalid' })),
        'INVALID_PARAMETER_VALUE',
        /^Invalid webhook URL 'http:\/\/\[invalid'/,
      );
      await expectFerryError(
        webhooks.createWebhook(input({ url: `https://example.com/${'a'.repeat(500)}` })),
        'INVALID_PARAMETER_VALUE',
        /'url' exceeds the maximum length of 500/,
      );
      await expectFerryError(
        webhooks.createWebhook(input({ events: [] })),
        'INVALID_PARAMETER_VALUE',
        'Webhook events must be a non-empty list of WebhookEvent objects: [].',
      );
      await expectFerryError(
        webhooks.createWebhook(input({ events: ['registered_model.deleted' as WebhookEventName] })),
        'INVALID_PARAMETER_VALUE',
        "Invalid action 'deleted' for entity 'registered_model'. Valid actions are: ['created']",
      );
      await expectFerryError(
        webhooks.createWebhook(input({ events: ['experiment.created' as WebhookEventName] })),
        'INVALID_PARAMETER_VALUE',
        /Invalid webhook entity 'experiment'/,
      );
      await expectFerryError(
        webhooks.createWebhook(input({ description: 'd'.repeat(1001) })),
        'INVALID_PARAMETER_VALUE',
        /'description' exceeds the maximum length of 1000/,
      );
      expect((await webhooks.listWebhooks()).items.map((w) => w.name).sort()).toEqual([
        'A.b_c-9',
        'x'.repeat(63),
      ]);
    });

    it('accepts every MLflow event and Ferry stage transitions', async () => {
      const events: WebhookEventName[] = [
        'registered_model.created',
        'model_version.created',
        'model_version_tag.set',
        'model_version_tag.deleted',
        'model_version_alias.created',
        'model_version_alias.deleted',
        'prompt.created',
        'prompt_version.created',
        'prompt_tag.set',
        'prompt_tag.deleted',
        'prompt_version_tag.set',
        'prompt_version_tag.deleted',
        'prompt_alias.created',
        'prompt_alias.deleted',
        'budget_policy.exceeded',
        'model_version.stage_transitioned',
      ];
      const webhooks = webhooksWith();
      const created = await webhooks.createWebhook(input({ events }));
      expect((await webhooks.getWebhook(created.webhook_id)).events).toEqual(events);
    });
  });

  describe('list', () => {
    it('pages newest first with MLflow page tokens', async () => {
      const webhooks = webhooksWith();
      const ids: string[] = [];
      for (let i = 0; i < 5; i++) {
        freezeTime(1_000 + i);
        ids.push((await webhooks.createWebhook(input({ name: `hook${i}` }))).webhook_id);
      }
      const { items, pages } = await allPages(2, async (pageToken) =>
        webhooks.listWebhooks({ maxResults: 2, ...(pageToken ? { pageToken } : {}) }),
      );
      expect(pages).toBe(3);
      expect(items.map((w) => w.webhook_id)).toEqual([...ids].reverse());
      const first = await webhooks.listWebhooks({ maxResults: 2 });
      expect(JSON.parse(Buffer.from(first.nextPageToken!, 'base64').toString())).toEqual({ offset: 2 });
    });

    it('defaults to 100 (also for 0) and refuses sizes outside 1..1000 and bad tokens', async () => {
      const webhooks = webhooksWith();
      await webhooks.createWebhook(input());
      expect((await webhooks.listWebhooks()).items).toHaveLength(1);
      expect((await webhooks.listWebhooks({ maxResults: 0 })).items).toHaveLength(1);
      expect((await webhooks.listWebhooks({ maxResults: 1000 })).nextPageToken).toBeUndefined();
      for (const maxResults of [-1, 1001]) {
        await expectFerryError(
          webhooks.listWebhooks({ maxResults }),
          'INVALID_PARAMETER_VALUE',
          'max_results must be between 1 and 1000.',
        );
      }
      await expectFerryError(webhooks.listWebhooks({ pageToken: 'bad' }), 'INVALID_PARAMETER_VALUE');
    });

    it('an empty store lists nothing and no token', async () => {
      expect(await webhooksWith().listWebhooks()).toEqual({ items: [] });
    });
  });

  describe('active webhooks by event', () => {
    it('returns the ACTIVE webhooks subscribed to the event, newest first, with their secrets', async () => {
      const webhooks = webhooksWith();
      freezeTime(1_000);
      const older = await webhooks.createWebhook(
        input({ name: 'older', events: ['model_version.created', 'model_version_tag.set'], secret: 'one' }),
      );
      freezeTime(2_000);
      const newer = await webhooks.createWebhook(input({ name: 'newer' }));
      freezeTime(3_000);
      await webhooks.createWebhook(input({ name: 'disabled', status: 'DISABLED' }));
      await webhooks.createWebhook(input({ name: 'other', events: ['registered_model.created'] }));

      const targets = await webhooks.listActiveWebhooksByEvent('model_version.created');
      expect(targets.map((t) => t.name)).toEqual(['newer', 'older']);
      expect(targets[1]).toStrictEqual({ ...older, secret: 'one' });
      expect(targets[0]).toStrictEqual(newer);
      expect((await webhooks.listActiveWebhooksByEvent('model_version_tag.set')).map((t) => t.name)).toEqual([
        'older',
      ]);
      expect(await webhooks.listActiveWebhooksByEvent('model_version_alias.deleted')).toEqual([]);
    });

    it('follows updates of status and events', async () => {
      const webhooks = webhooksWith();
      const hook = await webhooks.createWebhook(input());
      await webhooks.updateWebhook(hook.webhook_id, { status: 'DISABLED' });
      expect(await webhooks.listActiveWebhooksByEvent('model_version.created')).toEqual([]);
      await webhooks.updateWebhook(hook.webhook_id, {
        status: 'ACTIVE',
        events: ['model_version_tag.deleted'],
      });
      expect(await webhooks.listActiveWebhooksByEvent('model_version.created')).toEqual([]);
      expect(await webhooks.listActiveWebhooksByEvent('model_version_tag.deleted')).toHaveLength(1);
    });

    it('gives a single webhook with its secret, whatever its status', async () => {
      const webhooks = webhooksWith();
      const hook = await webhooks.createWebhook(input({ secret: 'abc', status: 'DISABLED' }));
      expect(await webhooks.getWebhookForDelivery(hook.webhook_id)).toStrictEqual({ ...hook, secret: 'abc' });
      await expectFerryError(webhooks.getWebhookForDelivery('nope'), 'RESOURCE_DOES_NOT_EXIST');
    });
  });

  describe('update', () => {
    it('changes only the fields given and moves last_updated_timestamp', async () => {
      const webhooks = webhooksWith();
      freezeTime(1_000);
      const hook = await webhooks.createWebhook(
        input({ description: 'original', secret: 'old', events: ['model_version.created'] }),
      );
      freezeTime(2_000);
      const renamed = await webhooks.updateWebhook(hook.webhook_id, { name: 'renamed' });
      expect(renamed).toStrictEqual({ ...hook, name: 'renamed', last_updated_timestamp: 2_000 });

      freezeTime(3_000);
      const all = await webhooks.updateWebhook(hook.webhook_id, {
        name: 'all',
        url: 'http://example.org/new',
        description: 'new',
        events: ['registered_model.created', 'model_version.created'],
        secret: 'new-secret',
        status: 'DISABLED',
      });
      expect(all).toStrictEqual({
        ...hook,
        name: 'all',
        url: 'http://example.org/new',
        description: 'new',
        events: ['registered_model.created', 'model_version.created'],
        status: 'DISABLED',
        last_updated_timestamp: 3_000,
      });
      expect(await webhooks.getWebhook(hook.webhook_id)).toStrictEqual(all);
      expect((await webhooks.getWebhookForDelivery(hook.webhook_id)).secret).toBe('new-secret');
    });

    it('keeps the secret when none is given', async () => {
      const webhooks = webhooksWith();
      const hook = await webhooks.createWebhook(input({ secret: 'kept' }));
      await webhooks.updateWebhook(hook.webhook_id, { description: 'x', secret: '' });
      expect((await webhooks.getWebhookForDelivery(hook.webhook_id)).secret).toBe('kept');
    });

    it('reports unknown ids before bad input and leaves a webhook untouched on bad input', async () => {
      const webhooks = webhooksWith();
      await expectFerryError(
        webhooks.updateWebhook('nonexistent', { name: '-bad-' }),
        'RESOURCE_DOES_NOT_EXIST',
        'Webhook with ID nonexistent not found.',
      );
      const hook = await webhooks.createWebhook(input());
      await expectFerryError(
        webhooks.updateWebhook(hook.webhook_id, { name: 'ok', url: '   ' }),
        'INVALID_PARAMETER_VALUE',
      );
      await expectFerryError(
        webhooks.updateWebhook(hook.webhook_id, { events: [] }),
        'INVALID_PARAMETER_VALUE',
      );
      expect(await webhooks.getWebhook(hook.webhook_id)).toStrictEqual(hook);
    });
  });

  describe('delete', () => {
    it('removes the webhook and its events; a second delete is an unknown id', async () => {
      const webhooks = webhooksWith();
      const kept = await webhooks.createWebhook(input({ name: 'kept' }));
      const hook = await webhooks.createWebhook(
        input({ events: ['model_version.created', 'prompt.created'] }),
      );
      await webhooks.deleteWebhook(hook.webhook_id);
      await expectFerryError(webhooks.getWebhook(hook.webhook_id), 'RESOURCE_DOES_NOT_EXIST');
      await expectFerryError(
        webhooks.deleteWebhook(hook.webhook_id),
        'RESOURCE_DOES_NOT_EXIST',
        `Webhook with ID ${hook.webhook_id} not found.`,
      );
      expect((await webhooks.listWebhooks()).items.map((w) => w.webhook_id)).toEqual([kept.webhook_id]);
      const rows = await opened.database.query('select webhook_id from webhook_events');
      expect(rows.map((r) => r['webhook_id'])).toEqual([kept.webhook_id]);
    });
  });

  describe('secrets at rest', () => {
    it('stores secrets encrypted, never in clear', async () => {
      const hook = await webhooksWith().createWebhook(input({ secret: 'plain-text-secret' }));
      const [row] = await opened.database.query('select secret from webhooks');
      expect(String(row!['secret'])).toMatch(/^v1\.[0-9a-f]{16}\./);
      expect(String(row!['secret'])).not.toContain('plain-text-secret');
      expect(JSON.stringify(await webhooksWith().getWebhook(hook.webhook_id))).not.toContain('secret');
    });

    it('without a configured key, uses one generated key per database, shared by every store on it', async () => {
      const first = webhooksWith(null);
      const hook = await first.createWebhook(input({ secret: 'db-keyed' }));
      const keys = await opened.database.query('select key_id from webhook_secret_keys');
      expect(keys).toHaveLength(1);
      expect((await webhooksWith(null).getWebhookForDelivery(hook.webhook_id)).secret).toBe('db-keyed');
      // A key configured later still reads what the database key sealed.
      expect((await webhooksWith(KEY_B).getWebhookForDelivery(hook.webhook_id)).secret).toBe('db-keyed');
      await webhooksWith(null).createWebhook(input({ secret: 'another' }));
      expect(await opened.database.query('select key_id from webhook_secret_keys')).toHaveLength(1);
    });

    it('with a configured key, creates no database key; another key reports the secret unreadable', async () => {
      const hook = await webhooksWith(KEY_A).createWebhook(input({ secret: 'keyed' }));
      expect(await opened.database.query('select key_id from webhook_secret_keys')).toHaveLength(0);
      const target = await webhooksWith(KEY_B).getWebhookForDelivery(hook.webhook_id);
      expect(target.secret).toBeUndefined();
      expect(target.secretError).toMatch(/encrypted with a key this server does not have/);
      const [listed] = await webhooksWith(null).listActiveWebhooksByEvent('model_version.created');
      expect(listed?.secretError).toMatch(/FERRY_WEBHOOK_SECRET_KEY/);
    });

    it('binds a sealed secret to its webhook', async () => {
      const webhooks = webhooksWith();
      const a = await webhooks.createWebhook(input({ name: 'a', secret: 'secret-a' }));
      const b = await webhooks.createWebhook(input({ name: 'b', secret: 'secret-b' }));
      const db = store.context.db;
      const sealed = await db
        .selectFrom('webhooks')
        .select('secret')
        .where('webhook_id', '=', a.webhook_id)
        .executeTakeFirstOrThrow();
      await db
        .updateTable('webhooks')
        .set({ secret: sealed.secret })
        .where('webhook_id', '=', b.webhook_id)
        .execute();
      const target = await webhooks.getWebhookForDelivery(b.webhook_id);
      expect(target.secret).toBeUndefined();
      expect(target.secretError).toMatch(/cannot be decrypted/);
    });

    it('refuses a configured key that is too short', () => {
      expect(() => webhooksWith('short')).toThrow(/at least 32 characters/);
    });
  });
});
