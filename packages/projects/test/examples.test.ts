import { cp } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningServer } from '@ferry/server';
import type { TrackingSession } from '@ferry/sdk';
import { runProject } from '../src/index.js';
import { collector, runOf } from './support.js';
import { startTrackingServer } from './support.js';
import type { TestTrackingServer } from './support.js';

// The projects under examples/projects, run against a tracking server (their scripts log over REST).
const EXAMPLES = resolve(import.meta.dirname, '../../../examples/projects');

let dir: string;
let server: RunningServer;
let session: TrackingSession;
let tracking: TestTrackingServer;

beforeAll(async () => {
  tracking = await startTrackingServer('ferry-examples-');
  ({ dir, server, session } = tracking);
});
afterAll(async () => {
  await tracking.close();
});

describe('example projects', () => {
  it('command-project: train.py logs its loss into the run', async () => {
    const stdout = collector();
    const result = await runProject({
      uri: join(EXAMPLES, 'command-project'),
      parameters: { alpha: '0.05', epochs: '30' },
      trackingUri: server.url,
      stdout,
      stderr: collector(),
    });
    expect(result.status).toBe('FINISHED');
    expect(stdout.text()).toMatch(/fitted y = 2\.\d+ \* x \+ 0\.\d+/);
    const run = await runOf(session, result.runId);
    expect(run.params).toEqual({
      data: join(EXAMPLES, 'command-project/data/measurements.csv'),
      alpha: '0.05',
      epochs: '30',
    });
    expect(run.metrics.loss).toBeLessThan(0.1);
    expect(await session.getMetricHistory(result.runId, 'loss')).toHaveLength(30);

    const failed = await runProject({
      uri: join(EXAMPLES, 'command-project'),
      entryPoint: 'fail',
      trackingUri: server.url,
      stdout: collector(),
      stderr: collector(),
    });
    expect(failed).toMatchObject({ status: 'FAILED', exitCode: 3 });
  });

  it('node-project: npm ci, then train.mjs logs into the run', async () => {
    // A copy, so the node_modules link is not made in the repository.
    const project = join(dir, 'node-project');
    await cp(join(EXAMPLES, 'node-project'), project, { recursive: true });
    const stdout = collector();
    const stderr = collector();
    const result = await runProject({
      uri: project,
      parameters: { lr: '0.2', label: 'fast' },
      trackingUri: server.url,
      envCacheDir: join(dir, 'envs'),
      stdout,
      stderr,
    });
    expect(result.status, stderr.text()).toBe('FINISHED');
    expect(result.environment.manager).toBe('node');
    const run = await runOf(session, result.runId);
    expect(run.params).toEqual({ lr: '0.2', steps: '25', label: 'fast' });
    expect(run.tags['example.label']).toBe('fast');
    expect(run.metrics.w).toBeCloseTo(3, 3);
    expect(await session.getMetricHistory(result.runId, 'loss')).toHaveLength(25);
  });
});
