import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach } from 'vitest';
import { resolveArtifactUri } from '@ferry/artifacts';
import type { ComponentSpec, IOSpec, Json, PipelineSpec, TaskSpec, ValueRef } from '@ferry/pipeline';
import { SqlTrackingStore, postgresAdapter, sqliteAdapter, sqlStores } from '@ferry/store';
import type { PipelineStore } from '@ferry/store';
import pg from 'pg';
import { LocalExecutor } from '../src/index.js';
import { PipelineController } from '../src/controller/controller.js';
import type { ControllerDeps } from '../src/controller/run-context.js';

const POSTGRES_URL = process.env.FERRY_TEST_POSTGRES_URL ?? 'postgresql://postgres@127.0.0.1:5432/postgres';

export interface Harness {
  dir: string;
  tracking: SqlTrackingStore;
  pipelines: PipelineStore;
  executor: LocalExecutor;
  deps: ControllerDeps;
  experimentId: string;
  /** A controller on the shared stores (several may run at once, like server replicas). */
  controller(options?: {
    leaseMs?: number;
    executor?: LocalExecutor;
    pipelines?: PipelineStore;
  }): PipelineController;
  /** Another executor, as a restarted server process would have (closed after the test). */
  newExecutor(): LocalExecutor;
  /** Lines of a file the test's commands append to (how a test counts what really ran). */
  lines(file: string): Promise<string[]>;
}

/**
 * A fresh database (SQLite file, or a new PostgreSQL database), local artifacts under a temp folder,
 * a LocalExecutor and controllers made on demand; all of it closed after each test.
 */
export function useHarness(backend: 'sqlite' | 'postgresql' = 'sqlite'): { current: () => Harness } {
  let harness: Harness | undefined;
  const cleanups: (() => Promise<void>)[] = [];
  beforeEach(async () => {
    const dir = await mkdtemp(join(tmpdir(), 'ferry-controller-'));
    let adapter = sqliteAdapter(join(dir, 'ferry.db'));
    if (backend === 'postgresql') {
      const name = `ferry_ctl_${Math.random().toString(36).slice(2, 10)}`;
      const admin = new pg.Client({ connectionString: POSTGRES_URL });
      await admin.connect();
      await admin.query(`create database ${name}`);
      await admin.end();
      const url = new URL(POSTGRES_URL);
      url.pathname = `/${name}`;
      adapter = postgresAdapter(url.toString());
      cleanups.push(async () => {
        const dropper = new pg.Client({ connectionString: POSTGRES_URL });
        await dropper.connect();
        await dropper.query(`drop database if exists ${name} with (force)`);
        await dropper.end();
      });
    }
    const tracking = new SqlTrackingStore({ adapter, defaultArtifactRoot: join(dir, 'artifacts') });
    await tracking.open();
    const { pipelines } = sqlStores(tracking);
    const executor = new LocalExecutor({ concurrency: 4, killGraceMs: 500 });
    const deps: ControllerDeps = {
      pipelines,
      tracking,
      executor,
      resolveArtifact: (uri) => resolveArtifactUri(uri, undefined),
      workDir: join(dir, 'work'),
      trackingUri: `sqlite:///${join(dir, 'ferry.db')}`,
    };
    const controllers: PipelineController[] = [];
    const executors = [executor];
    harness = {
      dir,
      tracking,
      pipelines,
      executor,
      deps,
      experimentId: await tracking.createExperiment({ name: 'pipelines' }),
      controller(options = {}) {
        const controller = new PipelineController(
          { ...deps, executor: options.executor ?? executor, pipelines: options.pipelines ?? pipelines },
          { leaseMs: options.leaseMs ?? 2000, pollMs: 100 },
        );
        controllers.push(controller);
        return controller;
      },
      newExecutor() {
        const another = new LocalExecutor({ concurrency: 4, killGraceMs: 500 });
        executors.push(another);
        return another;
      },
      lines: async (file) =>
        (await readFile(join(dir, file), 'utf8').catch(() => '')).split('\n').filter((l) => l !== ''),
    };
    cleanups.unshift(async () => {
      await Promise.all(controllers.map((c) => c.stop()));
      await Promise.all(executors.map((e) => e.close()));
      await tracking.close();
      await rm(dir, { recursive: true, force: true });
    });
  });
  afterEach(async () => {
    for (const cleanup of cleanups.splice(0)) await cleanup();
    harness = undefined;
  });
  return {
    current: () => {
      if (!harness) throw new Error('harness used outside a test');
      return harness;
    },
  };
}

// Spec builders: compact hand-written specs, so these tests pin the controller to the spec format
// itself rather than to the DSL.

export const param = (type: string, extra: Partial<Extract<IOSpec, { kind: 'parameter' }>> = {}): IOSpec => ({
  kind: 'parameter',
  schema: { type },
  ...extra,
});
export const artifact = (type: 'Dataset' | 'Model' | 'Artifact' = 'Artifact'): IOSpec => ({
  kind: 'artifact',
  type,
});

/** A command step running `sh -c <script>`; `{{inputs.x}}`/`{{outputs.y}}` work inside the script. */
export function shell(
  name: string,
  script: string,
  io: { inputs?: Record<string, IOSpec>; outputs?: Record<string, IOSpec> } = {},
  options?: ComponentSpec['options'],
): ComponentSpec {
  return {
    name,
    inputs: io.inputs ?? {},
    outputs: io.outputs ?? {},
    implementation: { command: ['sh', '-c', script] },
    ...(options ? { options } : {}),
  };
}

export function task(
  component: ComponentSpec,
  args: Record<string, ValueRef> = {},
  extra: Partial<TaskSpec> = {},
): TaskSpec {
  return { component, arguments: args, ...extra };
}

export const out = (task: string, output: string): ValueRef => ({ taskOutput: { task, output } });
export const constant = (value: Json): ValueRef => ({ constant: value });

export function spec(
  name: string,
  tasks: Record<string, TaskSpec>,
  extra: Partial<PipelineSpec> = {},
): PipelineSpec {
  return { apiVersion: 'ferry.pipeline/v1', name, parameters: {}, tasks, ...extra };
}

/** Statuses of a run's tasks by task id. */
export async function statuses(pipelines: PipelineStore, runId: string): Promise<Record<string, string>> {
  return Object.fromEntries((await pipelines.listTasks(runId)).map((t) => [t.taskId, t.status]));
}
