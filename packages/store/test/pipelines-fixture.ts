import { SqlPipelineStore } from '../src/index.js';
import type { PipelineRun, PipelineStore } from '../src/index.js';
import { newStore } from './backends.js';
import type { Backend } from './backends.js';
import { useFreshStore } from './helpers.js';
import type { FreshStore } from './helpers.js';

export const SPEC = { root: { tasks: { train: { image: 'python:3.12', command: ['train'] } } } };

export interface PipelineFixture {
  fresh: FreshStore;
  /** A pipeline store on the current test's database. */
  store(): SqlPipelineStore;
  /**
   * Two pipeline stores on the current test's database: on PostgreSQL each with its own connection
   * pool. SQLite's driver is synchronous, so a second store in this process would block on the first
   * one's lock; there both are the same store and concurrency comes from interleaved transactions.
   */
  withTwoStores(fn: (stores: [PipelineStore, PipelineStore]) => Promise<void>): Promise<void>;
  /** A pipeline with `versions` versions. */
  pipelineWithVersions(name: string, versions: number): Promise<string>;
  /** A pending run, without a pipeline unless one is given. */
  newRun(input?: { pipelineId?: string; scheduleId?: string; name?: string }): Promise<PipelineRun>;
}

export function usePipelineStore(backend: Backend): PipelineFixture {
  const fresh = useFreshStore(backend);
  const store = () => new SqlPipelineStore(fresh.store);
  return {
    fresh,
    store,
    async withTwoStores(fn) {
      const other = backend.name === 'postgresql' ? newStore(fresh.opened.database.adapter()) : undefined;
      await other?.open();
      try {
        await fn([store(), other ? new SqlPipelineStore(other) : store()]);
      } finally {
        await other?.close();
      }
    },
    async pipelineWithVersions(name, versions) {
      const s = store();
      const { id } = await s.createPipeline({ name });
      for (let i = 0; i < versions; i++) {
        await s.createPipelineVersion(id, { spec: { ...SPEC, i }, specDigest: `sha256:${i}` });
      }
      return id;
    },
    newRun(input = {}) {
      return store().createPipelineRun({
        name: input.name ?? 'run',
        spec: SPEC,
        parameters: {},
        experimentId: '0',
        ...(input.pipelineId !== undefined ? { pipelineId: input.pipelineId } : {}),
        ...(input.scheduleId !== undefined ? { scheduleId: input.scheduleId } : {}),
      });
    },
  };
}
