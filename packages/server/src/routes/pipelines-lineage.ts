import { invalidParam, notFound } from '@ferry/core';
import { wireLineage } from '../pipelines/wire.js';
import { given, pipelinesOf } from './pipelines-common.js';
import type { ApiRoute } from './route.js';

/** Artifact lineage: which task produced an artifact, and what a run read and wrote. */
export const pipelineLineageRoutes: ApiRoute[] = [
  {
    method: 'GET',
    path: '/pipelines/lineage',
    async handle({ fields, deps }) {
      const uri = given(fields, 'uri');
      const runId = given(fields, 'run_id');
      if (!uri && !runId) throw invalidParam("Give 'uri' or 'run_id' (or both) to look up lineage.");
      const store = pipelinesOf(deps);
      // An unknown run is a 404 rather than an empty list.
      if (runId) await store.getPipelineRun(runId);
      const rows = await store.listArtifactLineage({ ...(uri ? { uri } : {}), ...(runId ? { runId } : {}) });
      return { artifacts: rows.map(wireLineage) };
    },
  },
  {
    method: 'GET',
    path: '/pipelines/lineage/producer',
    async handle({ fields, deps }) {
      const uri = fields.string('uri');
      const producer = await pipelinesOf(deps).findArtifactProducer(uri);
      if (!producer) throw notFound(`No pipeline task produced the artifact ${uri}.`);
      return { artifact: wireLineage(producer) };
    },
  },
];
