/* eslint-disable @typescript-eslint/no-explicit-any -- response bodies are read loosely here; shapes are asserted */
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { PipelineSpec } from '@ferry/pipeline';
import { startServer } from '../src/index.js';
import type { RunningServer } from '../src/index.js';

// `ferry server` runs pipelines itself: a controller started with the server, whose tasks log to the
// server over HTTP (a wildcard listen address becomes the loopback one), working beside the artifacts.

describe('pipelines in a started server', () => {
  let server: RunningServer;
  let dir: string;
  let port: number;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'ferry-pipelines-server-'));
    server = await startServer({
      host: '0.0.0.0',
      port: 0,
      backendStoreUri: `sqlite:///${join(dir, 'ferry.db')}`,
      artifactsDestination: join(dir, 'artifacts'),
      serveArtifacts: true,
      uiRoot: false,
    });
    port = Number(new URL(server.url).port);
  });

  afterAll(async () => {
    await server?.close();
    await rm(dir, { recursive: true, force: true });
  });

  async function api(method: 'GET' | 'POST', path: string, body?: unknown): Promise<Record<string, any>> {
    const res = await fetch(`http://127.0.0.1:${port}/api/2.0/ferry/${path}`, {
      method,
      ...(body ? { headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) } : {}),
    });
    const text = await res.text();
    expect(res.status, text).toBe(200);
    return res.headers.get('content-type')?.includes('json')
      ? (JSON.parse(text) as Record<string, any>)
      : { text };
  }

  it('runs a pipeline whose task reaches the server at its tracking URI', async () => {
    const spec: PipelineSpec = {
      apiVersion: 'ferry.pipeline/v1',
      name: 'reach',
      parameters: {},
      tasks: {
        ping: {
          component: {
            name: 'ping',
            inputs: {},
            outputs: {},
            implementation: {
              command: [
                'node',
                '-e',
                "const u = process.env.FERRY_TRACKING_URI; fetch(u + '/health').then((r) => r.text()).then((t) => console.log(u, t))",
              ],
            },
          },
          arguments: {},
        },
      },
    };
    const { run } = await api('POST', 'pipelines/runs/create', { spec });
    let state: Record<string, any>;
    const deadline = Date.now() + 60_000;
    do {
      await new Promise((r) => setTimeout(r, 100));
      state = await api('GET', `pipelines/runs/get?run_id=${run.run_id}`);
    } while (!['succeeded', 'failed', 'cancelled'].includes(state.run.status) && Date.now() < deadline);
    expect(state.run.status, JSON.stringify(state.tasks)).toBe('succeeded');
    const log = await api('GET', `pipelines/runs/logs?run_id=${run.run_id}&task_id=ping`);
    expect(log.text).toContain(`http://127.0.0.1:${port} OK`);
    expect(existsSync(join(dir, 'pipeline-work'))).toBe(true);
  });

  it('a Python step logs into its own task run through MLflow’s environment variables', async () => {
    // What mlflow.log_metric does underneath (no mlflow package needed): POST runs/log-metric to
    // MLFLOW_TRACKING_URI for MLFLOW_RUN_ID.
    const script = [
      'import json, os, time, urllib.request',
      "body = {'run_id': os.environ['MLFLOW_RUN_ID'], 'key': 'accuracy', 'value': 0.93,",
      "        'timestamp': int(time.time() * 1000), 'step': 1}",
      "req = urllib.request.Request(os.environ['MLFLOW_TRACKING_URI'] + '/api/2.0/mlflow/runs/log-metric',",
      "    data=json.dumps(body).encode(), headers={'Content-Type': 'application/json'}, method='POST')",
      'print(urllib.request.urlopen(req).status)',
    ].join('\n');
    const spec: PipelineSpec = {
      apiVersion: 'ferry.pipeline/v1',
      name: 'python-logs',
      parameters: {},
      tasks: {
        train: {
          component: {
            name: 'train',
            inputs: {},
            outputs: {},
            implementation: { command: ['python3', '-c', script] },
          },
          arguments: {},
        },
      },
    };
    const { run } = await api('POST', 'pipelines/runs/create', { spec });
    let state: Record<string, any>;
    const deadline = Date.now() + 60_000;
    do {
      await new Promise((r) => setTimeout(r, 100));
      state = await api('GET', `pipelines/runs/get?run_id=${run.run_id}`);
    } while (!['succeeded', 'failed', 'cancelled'].includes(state.run.status) && Date.now() < deadline);
    expect(state.run.status, JSON.stringify(state.tasks)).toBe('succeeded');
    const task = state.tasks.find((t: Record<string, any>) => t.task_id === 'train');
    const res = await fetch(
      `http://127.0.0.1:${port}/api/2.0/mlflow/runs/get?run_id=${task.tracking_run_id}`,
    );
    const tracked = (await res.json()) as Record<string, any>;
    const metrics = tracked.run.data.metrics as { key: string; value: number; step: unknown }[];
    expect(metrics.map((m) => [m.key, m.value, Number(m.step)])).toEqual([['accuracy', 0.93, 1]]);
    expect(tracked.run.data.tags).toContainEqual({
      key: 'mlflow.parentRunId',
      value: state.run.tracking_run_id,
    });
  });

  it('fires schedules: an interval schedule starts runs by itself', async () => {
    const spec: PipelineSpec = {
      apiVersion: 'ferry.pipeline/v1',
      name: 'tick',
      parameters: {},
      tasks: {
        t: {
          component: { name: 't', inputs: {}, outputs: {}, implementation: { command: ['true'] } },
          arguments: {},
        },
      },
    };
    await api('POST', 'pipelines/create', { name: 'tick' });
    await api('POST', 'pipelines/versions/create', { pipeline_id: 'tick', spec });
    const { schedule } = await api('POST', 'pipelines/schedules/create', {
      name: 'every-second',
      pipeline_id: 'tick',
      interval_ms: 1000,
    });
    let runs: Record<string, any>[] = [];
    const deadline = Date.now() + 30_000;
    while (runs.length === 0 && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 100));
      runs = (await api('GET', `pipelines/runs/list?schedule_id=${schedule.schedule_id}`)).runs;
    }
    await api('POST', 'pipelines/schedules/update', { schedule_id: schedule.schedule_id, enabled: false });
    expect(runs[0]).toMatchObject({
      schedule_id: schedule.schedule_id,
      name: expect.stringMatching(/^every-second-/),
    });
  });
});
