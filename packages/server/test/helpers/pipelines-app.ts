/* eslint-disable @typescript-eslint/no-explicit-any -- response bodies are read loosely here; shapes are asserted */
import { join } from 'node:path';
import { expect } from 'vitest';
import type { Hono } from 'hono';
import type { ComponentSpec, IOSpec, Json, PipelineSpec, TaskSpec, ValueRef } from '@ferry/pipeline';
import { sqlStores } from '@ferry/store';
import { createApp } from '../../src/index.js';
import { createPipelineRunner } from '../../src/pipelines/controller.js';
import type { PipelineRunner } from '../../src/pipelines/controller.js';
import { createTestApp } from './test-app.js';
import type { BackendName, TestApp } from './test-app.js';

// What the pipelines HTTP tests share: a server app with a pipeline controller (or without one) on a
// fresh database, calls to the pipelines REST API, polling, and compact spec builders.

export interface PipelinesApp {
  /** The app with a controller running pipelines. */
  app: Hono;
  /** The same database and artifacts, served without a controller (read-only pipelines). */
  readOnly: Hono;
  runner: PipelineRunner;
  base: TestApp;
  /** A path in the test's temporary folder (for marker files commands write). */
  path(name: string): string;
  cleanup(): Promise<void>;
}

export async function createPipelinesApp(
  backend: BackendName,
  options: { projectCommand?: string[] } = {},
): Promise<PipelinesApp> {
  const base = await createTestApp(backend);
  const stores = sqlStores(base.store);
  const runner = createPipelineRunner({
    pipelines: stores.pipelines,
    tracking: base.store,
    artifactProxy: base.artifacts,
    workDir: join(base.dir, 'pipeline-work'),
    // The tasks here do not log to tracking; the URI only has to be there.
    trackingUri: 'http://127.0.0.1:9',
    concurrency: 4,
    ...(options.projectCommand ? { projectCommand: options.projectCommand } : {}),
    controllerOptions: { leaseMs: 2000, pollMs: 100 },
  });
  const deps = { ...stores, artifactProxy: base.artifacts };
  const app = createApp(
    { ...deps, pipelineController: runner.controller, pipelineWorkDir: runner.workDir },
    { log: () => {} },
  );
  const readOnly = createApp(deps, { log: () => {} });
  return {
    app,
    readOnly,
    runner,
    base,
    path: (name) => join(base.dir, name),
    async cleanup() {
      await runner.close();
      await base.cleanup();
    },
  };
}

export interface Reply {
  status: number;
  json: Record<string, any>;
  text: string;
  contentType: string | null;
}

/** Calls `/api/2.0/ferry/<path>`: GET with a query (arrays repeat the key), POST with a JSON body. */
export async function call(
  app: Hono,
  method: 'GET' | 'POST',
  path: string,
  args: Record<string, unknown> = {},
  prefix = '/api/2.0/ferry',
): Promise<Reply> {
  let url = `${prefix}/${path}`;
  const init: RequestInit = { method };
  if (method === 'GET') {
    const query = new URLSearchParams();
    for (const [key, value] of Object.entries(args)) {
      for (const item of Array.isArray(value) ? value : [value]) query.append(key, String(item));
    }
    if ([...query.keys()].length > 0) url += `?${query.toString()}`;
  } else {
    init.headers = { 'content-type': 'application/json' };
    init.body = JSON.stringify(args);
  }
  const res = await app.request(url, init);
  const text = await res.text();
  const contentType = res.headers.get('content-type');
  const json =
    contentType?.includes('application/json') && text ? (JSON.parse(text) as Record<string, any>) : {};
  return { status: res.status, json, text, contentType };
}

/** The JSON body of a call that must succeed. */
export async function ok(
  app: Hono,
  method: 'GET' | 'POST',
  path: string,
  args: Record<string, unknown> = {},
): Promise<Record<string, any>> {
  const res = await call(app, method, path, args);
  expect(res.status, `${path}: ${res.text}`).toBe(200);
  return res.json;
}

export function expectError(res: Reply, status: number, code: string, message?: RegExp): void {
  expect(res.status, res.text).toBe(status);
  expect(res.json.error_code).toBe(code);
  if (message) expect(res.json.message).toMatch(message);
}

/** Polls `check` until it returns a value (not undefined); `timeoutMs` is only an upper bound. */
export async function until<T>(
  check: () => Promise<T | undefined>,
  what: string,
  timeoutMs = 30_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

const FINISHED = ['succeeded', 'failed', 'cancelled'];

/** runs/get once the run has finished. */
export async function finished(app: Hono, runId: string): Promise<Record<string, any>> {
  return until(async () => {
    const body = await ok(app, 'GET', 'pipelines/runs/get', { run_id: runId });
    return FINISHED.includes(body.run.status) ? body : undefined;
  }, `run ${runId} to finish`);
}

// Spec builders (ferry.pipeline/v1 written by hand, as a client would send it).

export const param = (type: string, extra: Record<string, unknown> = {}): IOSpec =>
  ({ kind: 'parameter', schema: { type }, ...extra }) as IOSpec;
export const artifact = (type: 'Dataset' | 'Model' | 'Artifact' = 'Artifact'): IOSpec => ({
  kind: 'artifact',
  type,
});

/** A command step running `sh -c <script>`. */
export function shell(
  name: string,
  script: string,
  io: { inputs?: Record<string, IOSpec>; outputs?: Record<string, IOSpec> } = {},
): ComponentSpec {
  return {
    name,
    inputs: io.inputs ?? {},
    outputs: io.outputs ?? {},
    implementation: { command: ['sh', '-c', script] },
  };
}

export const task = (component: ComponentSpec, args: Record<string, ValueRef> = {}): TaskSpec => ({
  component,
  arguments: args,
});
export const out = (task: string, output: string): ValueRef => ({ taskOutput: { task, output } });
export const constant = (value: Json): ValueRef => ({ constant: value });

export function spec(
  name: string,
  tasks: Record<string, TaskSpec>,
  extra: Partial<PipelineSpec> = {},
): PipelineSpec {
  return { apiVersion: 'ferry.pipeline/v1', name, parameters: {}, tasks, ...extra };
}

/** prep writes a Dataset and says so; count reads it and prints its line count. */
export function twoStepSpec(): PipelineSpec {
  return spec(
    'two-step',
    {
      prep: task(
        shell('prep', 'echo "prepping {{inputs.rows}} rows"; seq 1 {{inputs.rows}} > {{outputs.data}}', {
          inputs: { rows: param('integer') },
          outputs: { data: artifact('Dataset') },
        }),
        { rows: { parameter: 'rows' } },
      ),
      count: task(
        shell('count', 'echo "lines: $(wc -l < {{inputs.data}} | tr -d " ")"', {
          inputs: { data: artifact('Dataset') },
        }),
        { data: out('prep', 'data') },
      ),
    },
    { parameters: { rows: { schema: { type: 'integer' }, default: 3 } } },
  );
}
