import type { WebhookDeliveryTarget, WebhookEventName, WebhookStore } from '@ferry/store';
import { deliver, delivered } from './delivery.js';
import type { DeliveryOutcome } from './delivery.js';
import { EXAMPLE_PAYLOADS } from './payloads.js';
import type { WebhookPayload, WebhookPayloads } from './payloads.js';
import { DEFAULT_WEBHOOK_SETTINGS, webhookSettingsFromEnv } from './settings.js';
import type { WebhookSettings } from './settings.js';
import { WebhookUrlPolicy } from './url-policy.js';

/** What emitting needs; the registry decorator depends on this much only. */
export interface WebhookEmitter {
  /** Queues delivery of `event` to every active webhook subscribed to it; returns at once, never throws. */
  emit<E extends WebhookEventName>(event: E, payload: WebhookPayloads[E]): void;
  /**
   * Like `emit` for an event that takes a lookup to decide (prompt or model?): `resolve` runs in the
   * background and its event, if any, is emitted. Its failure is logged, never reported to a caller.
   */
  emitLater(resolve: () => Promise<EmittedEvent | undefined>): void;
}

export type EmittedEvent = {
  [E in WebhookEventName]: { event: E; payload: WebhookPayloads[E] };
}[WebhookEventName];

/** What happened to one delivery, for logs, metrics and tests. */
export interface DeliveryReport extends DeliveryOutcome {
  webhookId: string;
  event: WebhookEventName;
  success: boolean;
}

/** MLflow's `WebhookTestResult`: fields are omitted when unknown. */
export interface WebhookTestResult {
  success: boolean;
  response_status?: number;
  response_body?: string;
  error_message?: string;
}

export interface WebhookDispatcherConfig extends Partial<WebhookSettings> {
  /** Where the subscribers of each event are found. */
  store: Pick<WebhookStore, 'listActiveWebhooksByEvent'>;
  /** Read once, for the settings not given here (see settings.ts); default `process.env`. */
  env?: Record<string, string | undefined>;
  /** Deliveries waiting for a free worker beyond this are dropped (and logged). Default 10 000. */
  maxQueued?: number;
  /** Failed deliveries and internal errors; default: console.error. */
  log?: (message: string, error?: unknown) => void;
  /** Called after every delivery, successful or not. */
  onDelivery?: (report: DeliveryReport) => void;
}

/**
 * Delivers registry events to webhooks in the background: an emit returns at once and nothing that
 * happens to a delivery reaches the caller. Subscribers of an event are cached for `cacheTtlMs` (as
 * in MLflow); `invalidate()` drops the cache when webhooks change in this process. `flush()` waits for
 * everything emitted so far; `close()` stops accepting events and waits, aborting after a deadline.
 */
export class WebhookDispatcher implements WebhookEmitter {
  readonly settings: WebhookSettings;
  readonly policy: WebhookUrlPolicy;
  private readonly store: WebhookDispatcherConfig['store'];
  private readonly log: (message: string, error?: unknown) => void;
  private readonly onDelivery: ((report: DeliveryReport) => void) | undefined;
  private readonly maxQueued: number;
  private readonly cache = new Map<
    WebhookEventName,
    { expires: number; targets: Promise<WebhookDeliveryTarget[]> }
  >();
  private readonly inFlight = new Set<Promise<unknown>>();
  private readonly waiting: (() => void)[] = [];
  private readonly abort = new AbortController();
  private active = 0;
  private closed = false;

  constructor(config: WebhookDispatcherConfig) {
    const { store, env, maxQueued, log, onDelivery, ...given } = config;
    const defined = Object.fromEntries(Object.entries(given).filter(([, v]) => v !== undefined));
    this.settings = {
      ...DEFAULT_WEBHOOK_SETTINGS,
      ...webhookSettingsFromEnv(env ?? process.env),
      ...(defined as Partial<WebhookSettings>),
    };
    this.policy = new WebhookUrlPolicy(this.settings);
    this.store = store;
    this.maxQueued = maxQueued ?? 10_000;
    this.log = log ?? ((message, error) => console.error(`ferry: ${message}`, ...(error ? [error] : [])));
    this.onDelivery = onDelivery;
  }

  emit<E extends WebhookEventName>(event: E, payload: WebhookPayloads[E]): void {
    if (this.closed) {
      this.log(`webhook event ${event} dropped: the dispatcher is closed`);
      return;
    }
    this.track(this.fanOut(event, payload));
  }

  emitLater(resolve: () => Promise<EmittedEvent | undefined>): void {
    if (this.closed) {
      this.log('webhook event dropped: the dispatcher is closed');
      return;
    }
    // Accepted before any close(), so delivered even if close() is called while it resolves.
    this.track(
      resolve().then(
        (emitted) => emitted && this.track(this.fanOut(emitted.event, emitted.payload)),
        (error: unknown) => this.log('webhook event could not be prepared', error),
      ),
    );
  }

  /** Forgets cached subscribers, so the next event reads them again. */
  invalidate(): void {
    this.cache.clear();
  }

  /** Resolves when every delivery emitted so far (and every retry) has finished. */
  async flush(): Promise<void> {
    while (this.inFlight.size > 0) await Promise.allSettled([...this.inFlight]);
  }

  /**
   * Stops accepting events and waits for deliveries in progress; after `deadlineMs` the rest are
   * aborted (and logged as failed) so shutdown is never held up by a slow receiver.
   */
  async close(deadlineMs = 30_000): Promise<void> {
    this.closed = true;
    const timer = setTimeout(
      () => this.abort.abort(new Error('the webhook dispatcher was closed')),
      deadlineMs,
    );
    try {
      await this.flush();
    } finally {
      clearTimeout(timer);
    }
  }

  /**
   * Sends `event` (default: the webhook's first) with MLflow's example payload, now, whatever the
   * webhook's status, and reports how the receiver answered; never throws.
   */
  async test(target: WebhookDeliveryTarget, event?: WebhookEventName): Promise<WebhookTestResult> {
    const testEvent = event ?? target.events[0];
    if (testEvent === undefined)
      return { success: false, error_message: 'Failed to test webhook: no events' };
    if (target.secretError !== undefined) {
      return { success: false, error_message: `Failed to test webhook: ${target.secretError}` };
    }
    const outcome = await deliver(
      {
        url: target.url,
        ...(target.secret ? { secret: target.secret } : {}),
        event: testEvent,
        payload: EXAMPLE_PAYLOADS[testEvent],
      },
      this.settings,
      this.policy,
      this.abort.signal,
    );
    if (outcome.response) {
      return {
        success: delivered(outcome),
        response_status: outcome.response.status,
        response_body: outcome.response.body,
      };
    }
    return { success: false, error_message: `Failed to test webhook: ${describe(outcome.error)}` };
  }

  private track(work: Promise<unknown>): void {
    const tracked = work.catch((error: unknown) => this.log('webhook delivery failed unexpectedly', error));
    this.inFlight.add(tracked);
    void tracked.finally(() => this.inFlight.delete(tracked));
  }

  private targets(event: WebhookEventName): Promise<WebhookDeliveryTarget[]> {
    const now = Date.now();
    const cached = this.cache.get(event);
    if (cached && cached.expires > now) return cached.targets;
    const targets = this.store.listActiveWebhooksByEvent(event);
    if (this.settings.cacheTtlMs > 0) {
      this.cache.set(event, { expires: now + this.settings.cacheTtlMs, targets });
      targets.catch(() => this.cache.delete(event));
    }
    return targets;
  }

  private async fanOut(event: WebhookEventName, payload: WebhookPayload): Promise<void> {
    let targets: WebhookDeliveryTarget[];
    try {
      targets = await this.targets(event);
    } catch (error) {
      this.log(`webhooks for ${event} could not be read; the event is not delivered`, error);
      return;
    }
    for (const target of targets) {
      if (this.active + this.waiting.length >= this.settings.maxConcurrency + this.maxQueued) {
        this.log(`webhook delivery of ${event} to ${target.webhook_id} dropped: too many deliveries queued`);
        continue;
      }
      this.track(this.withWorker(() => this.deliverTo(target, event, payload)));
    }
  }

  private async deliverTo(target: WebhookDeliveryTarget, event: WebhookEventName, payload: WebhookPayload) {
    let outcome: DeliveryOutcome;
    if (target.secretError !== undefined) {
      outcome = { deliveryId: '', attempts: 0, error: new Error(target.secretError) };
    } else {
      outcome = await deliver(
        { url: target.url, ...(target.secret ? { secret: target.secret } : {}), event, payload },
        this.settings,
        this.policy,
        this.abort.signal,
      );
    }
    const report: DeliveryReport = {
      ...outcome,
      webhookId: target.webhook_id,
      event,
      success: delivered(outcome),
    };
    if (!report.success) {
      const why = outcome.response ? `HTTP ${outcome.response.status}` : describe(outcome.error);
      this.log(
        `webhook ${target.webhook_id} (${target.name}) failed for ${event} after ${outcome.attempts} attempt(s): ${why}`,
      );
    }
    this.onDelivery?.(report);
  }

  /** Runs `work` once fewer than `maxConcurrency` deliveries are in progress. */
  private async withWorker(work: () => Promise<void>): Promise<void> {
    // A finishing delivery hands its slot straight to the next waiting one, so `active` never overshoots.
    if (this.active >= this.settings.maxConcurrency)
      await new Promise<void>((ready) => this.waiting.push(ready));
    else this.active++;
    try {
      await work();
    } finally {
      const next = this.waiting.shift();
      if (next) next();
      else this.active--;
    }
  }
}

function describe(error: Error | undefined): string {
  if (error === undefined) return 'unknown error';
  return `${error.name}(${JSON.stringify(error.message)})`;
}
