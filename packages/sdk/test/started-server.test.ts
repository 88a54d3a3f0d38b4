import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startServer } from '@ferry/server';
import type { RunningServer } from '@ferry/server';
import { TrackingSession } from '../src/index.js';

// The SDK over real HTTP to a started `ferry server` (port chosen by the system).
let dir: string;
let server: RunningServer;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'ferry-sdk-http-'));
  server = await startServer({
    host: '127.0.0.1',
    port: 0,
    backendStoreUri: `sqlite:///${join(dir, 'f.db')}`,
    artifactsDestination: join(dir, 'artifacts'),
    serveArtifacts: true,
  });
});
afterAll(async () => {
  await server.close();
  await rm(dir, { recursive: true, force: true });
});

describe('SDK against a started server', () => {
  it('logs params, a large metric stream and artifacts over HTTP, and reads them back', async () => {
    const ferry = new TrackingSession({ trackingUri: server.url, env: {}, captureSource: false });
    await ferry.setExperiment('http');
    const run = await ferry.startRun();
    await run.logParams({ lr: 0.001 });
    for (let i = 0; i < 20_000; i++) await run.logMetric(`m${i % 4}`, i, { step: Math.floor(i / 4) });
    await writeFile(join(dir, 'model.bin'), Buffer.alloc(1024 * 1024, 3));
    await run.logArtifact(join(dir, 'model.bin'), 'model');
    await run.end();

    const stored = await ferry.getRun(run.runId);
    expect(stored.info.status).toBe('FINISHED');
    expect(await ferry.getMetricHistory(run.runId, 'm3')).toHaveLength(5000);
    expect(await ferry.client.listArtifacts(run.runId, 'model')).toEqual([
      { path: 'model/model.bin', is_dir: false, file_size: 1024 * 1024 },
    ]);
  });
});
