import { ERROR_HTTP_STATUS, FerryError } from '@ferry/core';
import type {
  DatasetInput,
  ErrorCode,
  Experiment,
  LogBatch,
  Metric,
  Page,
  Run,
  RunInfo,
  RunStatus,
  Tag,
  ViewType,
} from '@ferry/core';
import { DEFAULT_RETRY, backoffDelay, isRetryableStatus, sleep } from './retry.js';
import type { RetryPolicy } from './retry.js';

/** The fetch this client calls: the global one, or an in-process server's handler (`app.fetch`). */
export type FetchLike = (request: Request) => Response | Promise<Response>;

export interface TrackingClientConfig {
  /** Base URL of the server, e.g. `http://127.0.0.1:5000`. */
  trackingUri: string;
  fetch?: FetchLike;
  retry?: RetryPolicy;
  /** Extra headers on every request (authentication). */
  headers?: Record<string, string>;
}

type Query = Record<string, string | number | string[] | undefined>;

/** A run search: the MLflow filter grammar and order_by clauses, over some experiments. */
export interface SearchRunsRequest {
  experimentIds: string[];
  filter?: string;
  orderBy?: string[];
  maxResults?: number;
  viewType?: ViewType;
  pageToken?: string;
}

/** Metric values as MLflow's JSON carries them: NaN as "NaN", infinities as strings proto accepts. */
function wireValue(value: number): number | string {
  if (Number.isNaN(value)) return 'NaN';
  if (value === Infinity) return 'Infinity';
  if (value === -Infinity) return '-Infinity';
  return value;
}

const fromWire = (value: number | string): number => (typeof value === 'string' ? Number(value) : value);

function toRun(run: Run): Run {
  const metrics = run.data.metrics?.map((m) => ({ ...m, value: fromWire(m.value as number | string) }));
  return metrics ? { ...run, data: { ...run.data, metrics } } : run;
}

/**
 * A typed client of the MLflow tracking REST API, as Ferry serves it. Requests that meet a busy
 * server (429, 502, 503, 504) or a network error are retried with backoff; other failures throw
 * FerryError with the server's MLflow error code and message.
 */
export class TrackingClient {
  private readonly base: string;
  private readonly fetchFn: FetchLike;
  private readonly retry: RetryPolicy;
  private readonly headers: Record<string, string>;

  constructor(config: TrackingClientConfig) {
    this.base = config.trackingUri.replace(/\/+$/, '');
    this.fetchFn = config.fetch ?? ((request) => fetch(request));
    this.retry = config.retry ?? DEFAULT_RETRY;
    this.headers = config.headers ?? {};
  }

  /**
   * One API call: `method path` with a JSON body (POST, PATCH, DELETE) or a query string (GET); returns
   * the JSON body. `api` picks the API: MLflow's (`/api/2.0/mlflow`, the default) or Ferry's own
   * (`/api/2.0/ferry`, pipelines).
   */
  async call<T>(
    method: 'GET' | 'POST' | 'PATCH' | 'DELETE',
    path: string,
    body: object | Query = {},
    api: 'mlflow' | 'ferry' = 'mlflow',
  ): Promise<T> {
    return (await (await this.request(method, path, body, api)).json()) as T;
  }

  /** Like `call`, for an endpoint answering text (a log, say): returns the body as it is. */
  async callText(
    method: 'GET' | 'POST',
    path: string,
    body: object | Query = {},
    api: 'mlflow' | 'ferry' = 'mlflow',
  ): Promise<string> {
    return (await this.request(method, path, body, api)).text();
  }

  private async request(
    method: 'GET' | 'POST' | 'PATCH' | 'DELETE',
    path: string,
    body: object | Query,
    api: 'mlflow' | 'ferry',
  ): Promise<Response> {
    let url = `${this.base}/api/2.0/${api}/${path}`;
    if (method === 'GET') {
      const query = new URLSearchParams();
      for (const [k, v] of Object.entries(body as Query)) {
        if (v === undefined) continue;
        for (const item of Array.isArray(v) ? v : [v]) query.append(k, String(item));
      }
      if ([...query.keys()].length > 0) url += `?${query}`;
    }
    const payload = method === 'GET' ? undefined : JSON.stringify(body);
    return this.send(
      () =>
        new Request(url, {
          method,
          headers: { ...this.headers, ...(payload ? { 'content-type': 'application/json' } : {}) },
          ...(payload ? { body: payload } : {}),
        }),
      { retryable: true, method, path },
    );
  }

  /**
   * Sends a request (built anew for each attempt) and returns the successful response. Busy answers
   * (429, 502, 503, 504) and network errors are retried with backoff when `retryable` (a body that can
   * be sent again); other failures throw FerryError with the server's code and message.
   */
  private async send(
    build: () => Request,
    options: { retryable: boolean; method: string; path: string },
  ): Promise<Response> {
    for (let attempt = 1; ; attempt++) {
      const canRetry = options.retryable && attempt < this.retry.maxAttempts;
      let response: Response;
      try {
        response = await this.fetchFn(build());
      } catch (error) {
        if (!canRetry) {
          throw new FerryError(
            'TEMPORARILY_UNAVAILABLE',
            `Cannot reach ${this.base}: ${(error as Error).message}`,
          );
        }
        await sleep(backoffDelay(this.retry, attempt));
        continue;
      }
      if (response.ok) return response;
      if (canRetry && isRetryableStatus(response.status)) {
        await response.body?.cancel();
        await sleep(backoffDelay(this.retry, attempt));
        continue;
      }
      throw await this.errorOf(response, options.method, options.path);
    }
  }

  private async errorOf(response: Response, method: string, path: string): Promise<FerryError> {
    const text = await response.text();
    try {
      const body = JSON.parse(text) as { error_code?: string; message?: string };
      if (body.error_code && body.error_code in ERROR_HTTP_STATUS) {
        return new FerryError(body.error_code as ErrorCode, body.message ?? text);
      }
    } catch {
      // Not an MLflow error body: reported below with the status.
    }
    const code: ErrorCode =
      response.status === 404
        ? 'ENDPOINT_NOT_FOUND'
        : response.status < 500
          ? 'BAD_REQUEST'
          : 'INTERNAL_ERROR';
    return new FerryError(
      code,
      `${method} ${path} failed with HTTP ${response.status}: ${text.slice(0, 500)}`,
    );
  }

  /** Uploads one artifact through the server's proxy (`PUT /api/2.0/mlflow-artifacts/artifacts/<key>`). */
  async putArtifact(key: string, body: Uint8Array | ReadableStream<Uint8Array>): Promise<void> {
    const url = `${this.base}/api/2.0/mlflow-artifacts/artifacts/${key.split('/').map(encodeURIComponent).join('/')}`;
    const replayable = body instanceof Uint8Array;
    const response = await this.send(
      () =>
        new Request(url, {
          method: 'PUT',
          headers: { ...this.headers, 'content-type': 'application/octet-stream' },
          body,
          // A stream body is sent as it is read (Node's fetch requires saying so) and cannot be resent.
          ...(replayable ? {} : { duplex: 'half' }),
        } as RequestInit),
      { retryable: replayable, method: 'PUT', path: `mlflow-artifacts/artifacts/${key}` },
    );
    await response.body?.cancel();
  }

  /** A file's bytes from the server's artifact proxy, by its key (the path after `mlflow-artifacts:/`). */
  async getProxiedArtifact(key: string): Promise<Uint8Array> {
    const url = `${this.base}/api/2.0/mlflow-artifacts/artifacts/${key.split('/').map(encodeURIComponent).join('/')}`;
    const response = await this.send(() => new Request(url, { headers: this.headers }), {
      retryable: true,
      method: 'GET',
      path: `mlflow-artifacts/artifacts/${key}`,
    });
    return new Uint8Array(await response.arrayBuffer());
  }

  /** Direct children of a folder in the server's artifact proxy (names only, as MLflow lists them). */
  async listProxiedArtifacts(key: string): Promise<{ path: string; is_dir: boolean; file_size?: number }[]> {
    const url = `${this.base}/api/2.0/mlflow-artifacts/artifacts?${new URLSearchParams({ path: key })}`;
    const response = await this.send(() => new Request(url, { headers: this.headers }), {
      retryable: true,
      method: 'GET',
      path: `mlflow-artifacts/artifacts?path=${key}`,
    });
    const body = (await response.json()) as {
      files?: { path: string; is_dir: boolean; file_size?: number }[];
    };
    return body.files ?? [];
  }

  /** A run artifact's bytes, by run-relative path (the server reads it wherever the run keeps artifacts). */
  async getArtifact(runId: string, path: string): Promise<Uint8Array> {
    const url = `${this.base}/get-artifact?${new URLSearchParams({ run_id: runId, path })}`;
    const response = await this.send(() => new Request(url, { headers: this.headers }), {
      retryable: true,
      method: 'GET',
      path: `get-artifact ${path}`,
    });
    return new Uint8Array(await response.arrayBuffer());
  }

  /** Direct children of a folder of a run's artifacts (paths relative to the run's root). */
  async listArtifacts(
    runId: string,
    path?: string,
  ): Promise<{ path: string; is_dir: boolean; file_size?: number }[]> {
    const res = await this.call<{ files?: { path: string; is_dir: boolean; file_size?: number }[] }>(
      'GET',
      'artifacts/list',
      {
        run_id: runId,
        ...(path ? { path } : {}),
      },
    );
    return res.files ?? [];
  }

  async createExperiment(
    name: string,
    options: { artifactLocation?: string; tags?: Tag[] } = {},
  ): Promise<string> {
    const body = {
      name,
      ...(options.artifactLocation ? { artifact_location: options.artifactLocation } : {}),
      tags: options.tags ?? [],
    };
    return (await this.call<{ experiment_id: string }>('POST', 'experiments/create', body)).experiment_id;
  }

  async getExperiment(experimentId: string): Promise<Experiment> {
    return (
      await this.call<{ experiment: Experiment }>('GET', 'experiments/get', { experiment_id: experimentId })
    ).experiment;
  }

  /** The experiment of that name, or undefined when there is none. */
  async findExperimentByName(name: string): Promise<Experiment | undefined> {
    try {
      const res = await this.call<{ experiment: Experiment }>('GET', 'experiments/get-by-name', {
        experiment_name: name,
      });
      return res.experiment;
    } catch (error) {
      if (error instanceof FerryError && error.code === 'RESOURCE_DOES_NOT_EXIST') return undefined;
      throw error;
    }
  }

  async restoreExperiment(experimentId: string): Promise<void> {
    await this.call('POST', 'experiments/restore', { experiment_id: experimentId });
  }

  async deleteExperiment(experimentId: string): Promise<void> {
    await this.call('POST', 'experiments/delete', { experiment_id: experimentId });
  }

  async renameExperiment(experimentId: string, newName: string): Promise<void> {
    await this.call('POST', 'experiments/update', { experiment_id: experimentId, new_name: newName });
  }

  /** Every experiment matching the filter (MLflow's grammar), following page tokens. */
  async searchExperiments(
    input: { filter?: string; orderBy?: string[]; viewType?: ViewType } = {},
  ): Promise<Experiment[]> {
    const out: Experiment[] = [];
    let pageToken: string | undefined;
    do {
      const res = await this.call<{ experiments?: Experiment[]; next_page_token?: string }>(
        'POST',
        'experiments/search',
        {
          max_results: 1000,
          ...(input.filter ? { filter: input.filter } : {}),
          ...(input.orderBy ? { order_by: input.orderBy } : {}),
          ...(input.viewType ? { view_type: input.viewType } : {}),
          ...(pageToken ? { page_token: pageToken } : {}),
        },
      );
      out.push(...(res.experiments ?? []));
      pageToken = res.next_page_token;
    } while (pageToken);
    return out;
  }

  async deleteRun(runId: string): Promise<void> {
    await this.call('POST', 'runs/delete', { run_id: runId });
  }

  async restoreRun(runId: string): Promise<void> {
    await this.call('POST', 'runs/restore', { run_id: runId });
  }

  async createRun(input: {
    experimentId: string;
    runName?: string;
    tags?: Tag[];
    startTime?: number;
    userId?: string;
  }): Promise<Run> {
    const res = await this.call<{ run: Run }>('POST', 'runs/create', {
      experiment_id: input.experimentId,
      start_time: input.startTime ?? Date.now(),
      tags: input.tags ?? [],
      ...(input.runName ? { run_name: input.runName } : {}),
      ...(input.userId !== undefined ? { user_id: input.userId } : {}),
    });
    return toRun(res.run);
  }

  async getRun(runId: string): Promise<Run> {
    return toRun((await this.call<{ run: Run }>('GET', 'runs/get', { run_id: runId })).run);
  }

  async updateRun(
    runId: string,
    update: { status?: RunStatus; endTime?: number; runName?: string },
  ): Promise<RunInfo> {
    const res = await this.call<{ run_info: RunInfo }>('POST', 'runs/update', {
      run_id: runId,
      ...(update.status ? { status: update.status } : {}),
      ...(update.endTime !== undefined ? { end_time: update.endTime } : {}),
      ...(update.runName ? { run_name: update.runName } : {}),
    });
    return res.run_info;
  }

  /** One log-batch request; the caller keeps within MLflow's batch limits. */
  async logBatch(runId: string, batch: LogBatch): Promise<void> {
    await this.call('POST', 'runs/log-batch', {
      run_id: runId,
      metrics: (batch.metrics ?? []).map((m) => ({ ...m, value: wireValue(m.value) })),
      params: batch.params ?? [],
      tags: batch.tags ?? [],
    });
  }

  async logInputs(runId: string, datasets: DatasetInput[]): Promise<void> {
    await this.call('POST', 'runs/log-inputs', { run_id: runId, datasets });
  }

  async searchRuns(input: SearchRunsRequest): Promise<Page<Run>> {
    const res = await this.call<{ runs?: Run[]; next_page_token?: string }>('POST', 'runs/search', {
      experiment_ids: input.experimentIds,
      ...(input.filter ? { filter: input.filter } : {}),
      ...(input.orderBy ? { order_by: input.orderBy } : {}),
      max_results: input.maxResults ?? 1000,
      ...(input.viewType ? { run_view_type: input.viewType } : {}),
      ...(input.pageToken ? { page_token: input.pageToken } : {}),
    });
    const page: Page<Run> = { items: (res.runs ?? []).map(toRun) };
    if (res.next_page_token) page.nextPageToken = res.next_page_token;
    return page;
  }

  /** The whole history of one metric of a run, in history order (pages of 25,000 as MLflow's client reads). */
  async getMetricHistory(runId: string, key: string): Promise<Metric[]> {
    const points: Metric[] = [];
    let pageToken: string | undefined;
    do {
      const res = await this.call<{ metrics?: Metric[]; next_page_token?: string }>(
        'GET',
        'metrics/get-history',
        {
          run_id: runId,
          metric_key: key,
          max_results: 25_000,
          page_token: pageToken,
        },
      );
      for (const m of res.metrics ?? []) points.push({ ...m, value: fromWire(m.value as number | string) });
      pageToken = res.next_page_token;
    } while (pageToken);
    return points;
  }
}
