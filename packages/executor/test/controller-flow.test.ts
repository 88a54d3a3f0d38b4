import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { resolveArtifactUri } from '@ferry/artifacts';
import { artifact, out, param, shell, spec, task, useHarness } from './controller-harness.js';

describe.each(['sqlite', 'postgresql'] as const)(
  'pipeline controller on %s: data flow and tracking',
  (backend) => {
    const h = useHarness(backend);

    it('passes parameters and artifacts along a chain, tracks every task as a nested run, records lineage', async () => {
      const { pipelines, tracking, experimentId } = h.current();
      const controller = h.current().controller();
      const pipeline = spec(
        'chain',
        {
          prepare: task(
            shell(
              'prepare',
              'mkdir -p {{outputs.data}} && seq 1 {{inputs.rows}} > {{outputs.data}}/rows.txt && echo prepared',
              {
                inputs: { rows: param('integer') },
                outputs: { data: artifact('Dataset') },
              },
            ),
            { rows: { parameter: 'rows' } },
          ),
          count: task(
            shell(
              'count',
              'wc -l < {{inputs.data}}/rows.txt | tr -d " " > {{outputs.n}}; echo \'"ok"\' > {{outputs.label}}',
              {
                inputs: { data: artifact('Dataset') },
                outputs: { n: param('integer'), label: param('string') },
              },
            ),
            { data: out('prepare', 'data') },
          ),
        },
        { parameters: { rows: { schema: { type: 'integer' }, default: 5 } } },
      );
      const submitted = await controller.submit({ spec: pipeline, experimentId, parameters: { rows: 7 } });
      const run = await controller.wait(submitted.id);
      expect(run.status).toBe('succeeded');
      const tasks = await pipelines.listTasks(run.id);
      expect(Object.fromEntries(tasks.map((t) => [t.taskId, t.status]))).toEqual({
        prepare: 'succeeded',
        count: 'succeeded',
      });
      const count = tasks.find((t) => t.taskId === 'count')!;
      expect(count.outputs).toEqual({ n: 7, label: 'ok' });
      const prepare = tasks.find((t) => t.taskId === 'prepare')!;
      const dataUri = prepare.outputs!['data'] as string;
      expect(count.inputs).toEqual({ data: dataUri });

      // The pipeline run is a tracking run; each task a nested run with inputs as params, numeric outputs as metrics.
      const parent = await tracking.getRun(run.trackingRunId!);
      expect(parent.info.status).toBe('FINISHED');
      expect(parent.data.params).toContainEqual({ key: 'rows', value: '7' });
      const child = await tracking.getRun(count.trackingRunId!);
      expect(child.data.tags).toContainEqual({ key: 'mlflow.parentRunId', value: run.trackingRunId });
      expect(child.data.params).toContainEqual({ key: 'data', value: dataUri });
      expect(child.data.metrics?.map((m) => [m.key, m.value])).toEqual([['n', 7]]);
      expect(child.data.tags).toContainEqual({ key: 'ferry.output.label', value: 'ok' });

      // The artifact is stored under the producing task's run, its log too.
      const { store, prefix } = resolveArtifactUri(dataUri, undefined);
      expect((await store.list(prefix)).map((f) => f.path.split('/').pop())).toEqual(['rows.txt']);
      const logUri = prepare.logUri!;
      const log = resolveArtifactUri(logUri, undefined);
      let text = '';
      for await (const chunk of (await log.store.get(log.prefix)).body) text += Buffer.from(chunk).toString();
      expect(text).toContain('prepared');

      // Lineage: which task produced the artifact, and who consumed it.
      expect(await pipelines.findArtifactProducer(dataUri)).toMatchObject({
        runId: run.id,
        taskId: 'prepare',
        role: 'output',
      });
      const lineage = await pipelines.listArtifactLineage({ uri: dataUri });
      expect(lineage.map((l) => [l.taskId, l.role]).sort()).toEqual([
        ['count', 'input'],
        ['prepare', 'output'],
      ]);
    });

    it('gives each task the tracking environment of its own run', async () => {
      const { pipelines, experimentId, dir } = h.current();
      const controller = h.current().controller();
      const file = join(dir, 'env.txt');
      const run = await controller.wait(
        (
          await controller.submit({
            experimentId,
            spec: spec('env', {
              show: task(shell('show', `env | grep -E '^(FERRY|MLFLOW)_' | sort > ${file}`)),
            }),
          })
        ).id,
      );
      expect(run.status).toBe('succeeded');
      const env = Object.fromEntries(
        (await readFile(file, 'utf8'))
          .trim()
          .split('\n')
          .map((l) => l.split(/=(.*)/s).slice(0, 2) as [string, string]),
      );
      const [show] = await pipelines.listTasks(run.id);
      expect(env).toMatchObject({
        FERRY_RUN_ID: show!.trackingRunId,
        MLFLOW_RUN_ID: show!.trackingRunId,
        MLFLOW_EXPERIMENT_ID: experimentId,
        FERRY_PIPELINE_RUN_ID: run.id,
        FERRY_PIPELINE_TASK_ID: 'show',
      });
      expect(env['MLFLOW_TRACKING_URI']).toBe(h.current().deps.trackingUri);
    });

    it('rejects unknown, missing and mistyped parameters before creating anything', async () => {
      const { pipelines, experimentId } = h.current();
      const controller = h.current().controller();
      const pipeline = spec(
        'p',
        { a: task(shell('a', 'true')) },
        { parameters: { n: { schema: { type: 'integer' } } } },
      );
      await expect(controller.submit({ spec: pipeline, experimentId })).rejects.toThrow(
        /Missing value for pipeline parameter 'n'/,
      );
      await expect(
        controller.submit({ spec: pipeline, experimentId, parameters: { n: 1.5 } }),
      ).rejects.toThrow(/must be of type "integer"/);
      await expect(
        controller.submit({ spec: pipeline, experimentId, parameters: { n: 1, m: 2 } }),
      ).rejects.toThrow(/no parameter 'm'/);
      expect((await pipelines.listPipelineRuns({})).items).toEqual([]);
    });
  },
);
