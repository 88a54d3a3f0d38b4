import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { SystemSampler, TrackingSession } from '../src/index.js';

describe('system metrics', () => {
  it('samples CPU, memory, disk and network under MLflow names, with sane ranges', async () => {
    const sampler = new SystemSampler();
    let spin = 0;
    for (let i = 0; i < 2_000_000; i++) spin += i;
    expect(spin).toBeGreaterThan(0);
    const sample = await sampler.sample();
    expect(Object.keys(sample)).toEqual(
      expect.arrayContaining([
        'cpu_utilization_percentage',
        'system_memory_usage_megabytes',
        'system_memory_usage_percentage',
        'disk_usage_megabytes',
        'disk_available_megabytes',
        'disk_usage_percentage',
      ]),
    );
    for (const key of [
      'cpu_utilization_percentage',
      'system_memory_usage_percentage',
      'disk_usage_percentage',
    ]) {
      expect(sample[key]).toBeGreaterThanOrEqual(0);
      expect(sample[key]).toBeLessThanOrEqual(100);
    }
    expect(sample.system_memory_usage_megabytes).toBeGreaterThan(0);
  });

  it('logs samples as system/* metrics of the run while it is active, and stops when it ends', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'ferry-sdk-sys-'));
    try {
      const ferry = new TrackingSession({
        trackingUri: `sqlite:///${join(dir, 'f.db')}`,
        env: {},
        captureSource: false,
      });
      const run = await ferry.startRun({ systemMetricsSeconds: 0.05 });
      // Wait for a few samples to be queued (a loaded machine may fire the timer late).
      for (let waited = 0; waited < 10_000; waited += 50) {
        await run.flush();
        if ((await ferry.getMetricHistory(run.runId, 'system/cpu_utilization_percentage')).length >= 2) break;
        await new Promise((r) => setTimeout(r, 50));
      }
      await run.end();
      const history = await ferry.getMetricHistory(run.runId, 'system/cpu_utilization_percentage');
      expect(history.length).toBeGreaterThanOrEqual(2);
      expect(history.map((m) => m.step)).toEqual(history.map((_, i) => i));
      await new Promise((r) => setTimeout(r, 200));
      const after = await ferry.getMetricHistory(run.runId, 'system/cpu_utilization_percentage');
      expect(after).toHaveLength(history.length);
      await ferry.close();
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
