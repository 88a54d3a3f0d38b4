import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { SqlRegistryStore } from '@ferry/store';
import type { RegistryStore, WebhookEventName } from '@ferry/store';
import { verifyDelivery, withWebhookEvents } from '../src/webhooks/index.js';
import type { EmittedEvent, WebhookEmitter, WebhookPayloads } from '../src/webhooks/index.js';
import { Receiver, call, gate, openHarness } from './helpers/webhook-harness.js';
import type { Harness } from './helpers/webhook-harness.js';

// The registry decorator that emits webhook events after each successful write, and its events end to end.

class RecordingEmitter implements WebhookEmitter {
  readonly events: EmittedEvent[] = [];
  private readonly pending: Promise<unknown>[] = [];

  emit<E extends WebhookEventName>(event: E, payload: WebhookPayloads[E]): void {
    this.events.push({ event, payload } as EmittedEvent);
  }

  emitLater(resolve: () => Promise<EmittedEvent | undefined>): void {
    this.pending.push(resolve().then((e) => e && this.events.push(e)));
  }

  async settled(): Promise<EmittedEvent[]> {
    await Promise.all(this.pending.splice(0));
    return this.events.splice(0);
  }
}

describe('registry events decorator', () => {
  let h: Harness;
  let emitter: RecordingEmitter;
  let registry: RegistryStore;
  beforeEach(async () => {
    h = await openHarness('sqlite');
    emitter = new RecordingEmitter();
    registry = withWebhookEvents(new SqlRegistryStore(h.tracking), emitter);
  });
  afterEach(async () => {
    await h.cleanup();
  });

  it("emits MLflow's model events with MLflow's payloads after each successful write", async () => {
    await registry.createRegisteredModel({ name: 'm', tags: [{ key: 't', value: '1' }] });
    expect(await emitter.settled()).toEqual([
      { event: 'registered_model.created', payload: { name: 'm', tags: { t: '1' }, description: '' } },
    ]);

    await registry.createModelVersion({
      name: 'm',
      source: 's3://bucket/model',
      runId: 'abc123',
      description: 'first',
      tags: [{ key: 'k', value: 'v' }],
    });
    await registry.createModelVersion({ name: 'm', source: 's3://bucket/model2' });
    expect(await emitter.settled()).toEqual([
      {
        event: 'model_version.created',
        payload: {
          name: 'm',
          version: '1',
          source: 's3://bucket/model',
          run_id: 'abc123',
          tags: { k: 'v' },
          description: 'first',
        },
      },
      {
        event: 'model_version.created',
        payload: {
          name: 'm',
          version: '2',
          source: 's3://bucket/model2',
          run_id: null,
          tags: {},
          description: null,
        },
      },
    ]);

    await registry.setModelVersionTag('m', 1, { key: 'stage', value: 'qa' });
    await registry.deleteModelVersionTag('m', 1, 'stage');
    await registry.setRegisteredModelAlias('m', 'champion', 2);
    await registry.deleteRegisteredModelAlias('m', 'champion');
    await registry.setRegisteredModelTag('m', { key: 'team', value: 'a' });
    await registry.deleteRegisteredModelTag('m', 'team');
    expect(await emitter.settled()).toEqual([
      { event: 'model_version_tag.set', payload: { name: 'm', version: '1', key: 'stage', value: 'qa' } },
      { event: 'model_version_tag.deleted', payload: { name: 'm', version: '1', key: 'stage' } },
      { event: 'model_version_alias.created', payload: { name: 'm', alias: 'champion', version: '2' } },
      { event: 'model_version_alias.deleted', payload: { name: 'm', alias: 'champion' } },
    ]);
  });

  it('emits model_version.stage_transitioned (a Ferry extension) when the stage changes', async () => {
    await registry.createRegisteredModel({ name: 'm' });
    await registry.createModelVersion({ name: 'm', source: 's3://b/m' });
    await emitter.settled();
    await registry.transitionModelVersionStage('m', 1, 'Staging', false);
    await registry.transitionModelVersionStage('m', 1, 'Production', true);
    await registry.transitionModelVersionStage('m', 1, 'Production', false);
    expect(await emitter.settled()).toEqual([
      {
        event: 'model_version.stage_transitioned',
        payload: { name: 'm', version: '1', from_stage: 'None', to_stage: 'Staging' },
      },
      {
        event: 'model_version.stage_transitioned',
        payload: { name: 'm', version: '1', from_stage: 'Staging', to_stage: 'Production' },
      },
    ]);
  });

  it('emits prompt events for prompts, as MLflow does, with its internal tags left out', async () => {
    await registry.createRegisteredModel({
      name: 'greeting',
      description: 'says hi',
      tags: [
        { key: 'mlflow.prompt.is_prompt', value: 'true' },
        { key: '_mlflow_prompt_type', value: 'text' },
        { key: 'team', value: 'a' },
      ],
    });
    await registry.createModelVersion({
      name: 'greeting',
      source: 'prompt-template',
      tags: [
        { key: 'mlflow.prompt.is_prompt', value: 'true' },
        { key: 'mlflow.prompt.text', value: 'Hello {{name}}!' },
        { key: 'lang', value: 'en' },
      ],
    });
    await registry.setModelVersionTag('greeting', 1, { key: 'k', value: 'v' });
    await registry.deleteModelVersionTag('greeting', 1, 'k');
    await registry.setRegisteredModelAlias('greeting', 'prod', 1);
    await registry.deleteRegisteredModelAlias('greeting', 'prod');
    await registry.setRegisteredModelTag('greeting', { key: 'owner', value: 'me' });
    await registry.deleteRegisteredModelTag('greeting', 'owner');
    expect(await emitter.settled()).toEqual([
      { event: 'prompt.created', payload: { name: 'greeting', tags: { team: 'a' }, description: 'says hi' } },
      {
        event: 'prompt_version.created',
        payload: {
          name: 'greeting',
          version: '1',
          template: 'Hello {{name}}!',
          tags: { lang: 'en' },
          description: null,
        },
      },
      { event: 'prompt_version_tag.set', payload: { name: 'greeting', version: '1', key: 'k', value: 'v' } },
      { event: 'prompt_version_tag.deleted', payload: { name: 'greeting', version: '1', key: 'k' } },
      { event: 'prompt_alias.created', payload: { name: 'greeting', alias: 'prod', version: '1' } },
      { event: 'prompt_alias.deleted', payload: { name: 'greeting', alias: 'prod' } },
      { event: 'prompt_tag.set', payload: { name: 'greeting', key: 'owner', value: 'me' } },
      { event: 'prompt_tag.deleted', payload: { name: 'greeting', key: 'owner' } },
    ]);
  });

  it('emits nothing when the write fails, and passes every other method through', async () => {
    await expect(registry.createModelVersion({ name: 'missing', source: 's3://b/m' })).rejects.toThrow();
    await expect(registry.setRegisteredModelAlias('missing', 'a', 1)).rejects.toThrow();
    await expect(registry.transitionModelVersionStage('missing', 1, 'Staging', false)).rejects.toThrow();
    await registry.createRegisteredModel({ name: 'm' });
    await expect(registry.createRegisteredModel({ name: 'm' })).rejects.toThrow(/already exists/);
    expect(await emitter.settled()).toHaveLength(1);
    expect((await registry.getRegisteredModel('m')).name).toBe('m');
    await registry.deleteRegisteredModel('m');
    expect(await emitter.settled()).toEqual([]);
  });

  it('delivers decorated registry writes end to end, without making them wait', async () => {
    const receiver = await new Receiver().start();
    try {
      await call(h.app, 'POST', '/webhooks', {
        name: 'all',
        url: receiver.url,
        events: ['registered_model.created', 'model_version.created', 'model_version_alias.created'],
        secret: 'e2e',
      });
      // The receiver answers nothing until the writes are done: were they waiting, they would hang.
      const held = gate();
      for (let i = 0; i < 3; i++) receiver.reply({ status: 200, until: held.promise });
      const live = withWebhookEvents(new SqlRegistryStore(h.tracking), h.dispatcher);
      await live.createRegisteredModel({ name: 'e2e' });
      await live.createModelVersion({ name: 'e2e', source: 's3://b/e2e' });
      await live.setRegisteredModelAlias('e2e', 'champion', 1);
      held.open();
      await h.dispatcher.flush();
      const got = receiver.requests.map(
        (r) => JSON.parse(r.body) as { entity: string; action: string; data: unknown },
      );
      expect(got.map((b) => `${b.entity}.${b.action}`).sort()).toEqual([
        'model_version.created',
        'model_version_alias.created',
        'registered_model.created',
      ]);
      expect(got.find((b) => b.entity === 'model_version_alias')?.data).toEqual({
        name: 'e2e',
        alias: 'champion',
        version: '1',
      });
      for (const { headers, body } of receiver.requests) {
        const sig = headers['x-mlflow-signature'] as string;
        expect(
          verifyDelivery(
            'e2e',
            headers['x-mlflow-delivery-id'] as string,
            headers['x-mlflow-timestamp'] as string,
            body,
            sig,
          ),
        ).toBe(true);
      }
    } finally {
      await receiver.stop();
    }
  });
});
