import { LIMITS } from '@ferry/core';
import type { Metric, Run, RunStatus, Tag } from '@ferry/core';
import { MetricQueue } from './metric-queue.js';
import type { MetricQueueOptions } from './metric-queue.js';
import type { TrackingClient } from './tracking-client.js';

export interface MetricOptions {
  step?: number;
  /** Milliseconds since the epoch; now when omitted. */
  timestamp?: number;
}

const entries = (values: Record<string, string | number | boolean>): Tag[] =>
  Object.entries(values).map(([key, value]) => ({ key, value: String(value) }));

/**
 * A run being logged to. Params and tags are written at once (they are few, and a conflicting param
 * should fail where it is logged); metrics go through a background queue in batches.
 */
export class ActiveRun {
  private readonly metrics: MetricQueue;
  private ended = false;

  constructor(
    private readonly client: TrackingClient,
    readonly info: Run['info'],
    queueOptions?: MetricQueueOptions,
  ) {
    this.metrics = new MetricQueue((batch) => client.logBatch(info.run_id, { metrics: batch }), queueOptions);
  }

  get runId(): string {
    return this.info.run_id;
  }

  get experimentId(): string {
    return this.info.experiment_id;
  }

  logParam(key: string, value: string | number | boolean): Promise<void> {
    return this.logParams({ [key]: value });
  }

  logParams(values: Record<string, string | number | boolean>): Promise<void> {
    return this.writeNow('params', entries(values));
  }

  /** Params or tags, written at once in batches within MLflow's limit of 100 per request. */
  private async writeNow(kind: 'params' | 'tags', items: Tag[]): Promise<void> {
    const limit = kind === 'params' ? LIMITS.paramsPerBatch : LIMITS.tagsPerBatch;
    for (let i = 0; i < items.length; i += limit) {
      await this.client.logBatch(this.runId, { [kind]: items.slice(i, i + limit) });
    }
  }

  setTag(key: string, value: string | number | boolean): Promise<void> {
    return this.setTags({ [key]: value });
  }

  setTags(values: Record<string, string | number | boolean>): Promise<void> {
    return this.writeNow('tags', entries(values));
  }

  /**
   * Queues one point; returns at once unless the queue is full (await it to bound memory). Errors
   * of the background send surface here on later calls, and from flush() and end().
   */
  logMetric(key: string, value: number, options: MetricOptions = {}): Promise<void> {
    const point: Metric = { key, value, timestamp: options.timestamp ?? Date.now(), step: options.step ?? 0 };
    return this.metrics.add([point]);
  }

  logMetrics(values: Record<string, number>, options: MetricOptions = {}): Promise<void> {
    const timestamp = options.timestamp ?? Date.now();
    const step = options.step ?? 0;
    return this.metrics.add(Object.entries(values).map(([key, value]) => ({ key, value, timestamp, step })));
  }

  /** Resolves when every metric logged so far is stored. */
  flush(): Promise<void> {
    return this.metrics.flush();
  }

  /** Sends what is queued, then marks the run ended with `status` (FINISHED by default). */
  async end(status: RunStatus = 'FINISHED'): Promise<void> {
    if (this.ended) return;
    this.ended = true;
    try {
      await this.flush();
    } finally {
      await this.client.updateRun(this.runId, { status, endTime: Date.now() });
    }
  }
}
