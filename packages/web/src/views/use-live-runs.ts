import { useMemo, useState } from 'react';
import { post } from '../api';
import { isLive, usePolling } from '../live';
import type { Run } from '../types';

const BATCH = 100;

/**
 * The loaded runs of a table with the live ones kept current: while any loaded run is RUNNING and the
 * page is visible, those runs (and only those) are fetched again every few seconds with one
 * `runs/search` per hundred (`attributes.run_id IN (...)`), and their fresh copies replace the loaded
 * ones. Polling stops once none is running any more.
 */
export function useLiveRuns(experimentId: string, runs: Run[]): Run[] {
  // Fresh copies keyed by the loaded run they replace: a reload of the table brings new objects, which
  // are newer than any copy fetched before it.
  const [fresh, setFresh] = useState<WeakMap<Run, Run>>(new WeakMap());
  const current = useMemo(() => runs.map((r) => fresh.get(r) ?? r), [runs, fresh]);
  const liveIds = current.filter((r) => isLive(r.info.status)).map((r) => r.info.run_id);
  usePolling(liveIds.length > 0, async () => {
    const updated = new Map<string, Run>();
    for (let i = 0; i < liveIds.length; i += BATCH) {
      const ids = liveIds.slice(i, i + BATCH);
      const page = await post<{ runs?: Run[] }>('runs/search', {
        experiment_ids: [experimentId],
        filter: `attributes.run_id IN (${ids.map((id) => `'${id}'`).join(', ')})`,
        run_view_type: 'ALL',
        max_results: BATCH,
      });
      for (const run of page.runs ?? []) updated.set(run.info.run_id, run);
    }
    setFresh((previous) => {
      const next = new WeakMap<Run, Run>();
      for (const run of runs) {
        const copy = updated.get(run.info.run_id) ?? previous.get(run);
        if (copy) next.set(run, copy);
      }
      return next;
    });
  });
  return current;
}
