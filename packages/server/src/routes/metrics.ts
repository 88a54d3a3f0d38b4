import { LIMITS, invalidParam } from '@ferry/core';
import { wireMetrics, withList } from '../http/wire.js';
import type { ApiRoute } from './route.js';

export const metricRoutes: ApiRoute[] = [
  {
    method: 'GET',
    path: '/metrics/get-history',
    async handle({ fields, deps }) {
      const runId = fields.string('run_id', 'run_uuid');
      const key = fields.string('metric_key');
      // Absent or 0 means the whole history, as MLflow 2.x and the npm client expect.
      const maxResults = fields.optionalInt('max_results') || undefined;
      const pageToken = fields.optionalString('page_token');
      const page = await deps.store.getMetricHistoryText(runId, key, {
        ...(maxResults !== undefined ? { maxResults } : {}),
        ...(pageToken ? { pageToken } : {}),
      });
      // The points arrive as wire JSON from the store and are sent without decoding them.
      const parts = [
        ...(page.pointsJson === '[]' ? [] : [`"metrics":${page.pointsJson}`]),
        ...(page.nextPageToken ? [`"next_page_token":${JSON.stringify(page.nextPageToken)}`] : []),
      ];
      return new Response(`{${parts.join(',')}}`, { headers: { 'content-type': 'application/json' } });
    },
  },
  {
    method: 'GET',
    path: '/metrics/get-history-bulk-interval',
    async handle({ fields, deps }) {
      const runIds = fields.stringList('run_ids');
      if (runIds.length === 0) throw invalidParam(`Missing value for required parameter 'run_ids'.`);
      if (runIds.length > LIMITS.historyBulkRuns) {
        throw invalidParam(
          `GetMetricHistoryBulkInterval request must specify at most ${LIMITS.historyBulkRuns} run_ids. Received ${runIds.length} run_ids.`,
        );
      }
      const maxResults = fields.optionalInt('max_results') ?? LIMITS.historyIntervalMaxResults;
      if (maxResults < 1 || maxResults > LIMITS.historyIntervalMaxResults) {
        throw invalidParam(`max_results must be between 1 and ${LIMITS.historyIntervalMaxResults}.`);
      }
      const startStep = fields.optionalInt('start_step');
      const endStep = fields.optionalInt('end_step');
      const metrics = await deps.store.getMetricHistoryBulkInterval({
        runIds,
        key: fields.string('metric_key'),
        maxResults,
        ...(startStep !== undefined ? { startStep } : {}),
        ...(endStep !== undefined ? { endStep } : {}),
      });
      return withList({}, 'metrics', wireMetrics(metrics));
    },
  },
];

/** UI-only route under /ajax-api: every run's history of one metric, capped. */
export const ajaxMetricRoutes: ApiRoute[] = [
  {
    method: 'GET',
    path: '/metrics/get-history-bulk',
    async handle({ fields, deps }) {
      const runIds = fields.stringList('run_id');
      if (runIds.length === 0)
        throw invalidParam('GetMetricHistoryBulk request must specify at least one run_id.');
      if (runIds.length > LIMITS.historyBulkRuns) {
        throw invalidParam(
          `GetMetricHistoryBulk request cannot specify more than ${LIMITS.historyBulkRuns} run_ids. Received ${runIds.length} run_ids.`,
        );
      }
      const maxResults = Math.min(
        fields.optionalInt('max_results') ?? LIMITS.historyBulkMaxResults,
        LIMITS.historyBulkMaxResults,
      );
      const metrics = await deps.store.getMetricHistoryBulk(runIds, fields.string('metric_key'), maxResults);
      return withList({}, 'metrics', wireMetrics(metrics));
    },
  },
];
