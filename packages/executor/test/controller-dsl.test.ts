import { describe, expect, it } from 'vitest';
import { compilePipeline } from '@ferry/pipeline';
import { statuses, useHarness } from './controller-harness.js';
import { demo } from './fixtures/dsl-pipeline.js';

describe('pipeline controller: a pipeline written with the DSL, with TypeScript function steps', () => {
  const h = useHarness();

  it('compiles and runs: function steps with artifacts, a loop with fan-in, a condition', async () => {
    const { pipelines, tracking, experimentId } = h.current();
    const spec = await compilePipeline(demo);
    const controller = h.current().controller();
    const low = await controller.wait((await controller.submit({ spec, experimentId })).id);
    expect(low.status).toBe('succeeded');
    const lowStates = await statuses(pipelines, low.id);
    expect(lowStates['make']).toBe('succeeded');
    expect(
      Object.entries(lowStates)
        .filter(([id]) => /\/scale$/.test(id))
        .map(([, s]) => s),
    ).toEqual(['succeeded', 'succeeded', 'succeeded']);
    expect(Object.values(lowStates)).toContain('skipped'); // the report: 4 < 10

    const high = await controller.wait(
      (await controller.submit({ spec, experimentId, parameters: { threshold: 3 } })).id,
    );
    expect(high.status).toBe('succeeded');
    const tasks = await pipelines.listTasks(high.id);
    // make and the loop come from the cache (same definition and inputs); the report runs now.
    expect(tasks.find((t) => t.taskId === 'make')!.status).toBe('cached');
    const loop = tasks.find((t) => t.parentTaskId === null && t.outputs && 'total' in t.outputs)!;
    expect(loop.outputs).toEqual({ total: [10, 20, 30] });
    const report = tasks.find((t) => t.name === 'report')!;
    expect(report).toMatchObject({ status: 'succeeded', outputs: { best: 30 } });

    // The function step logged into its own task run, and its numeric output is a metric there.
    const make = (await pipelines.listTasks(low.id)).find((t) => t.taskId === 'make')!;
    const run = await tracking.getRun(make.trackingRunId!);
    expect(run.data.metrics?.map((m) => [m.key, m.value])).toEqual([['count', 4]]);
    expect(make.logUri).toBeTruthy();
  });
});
