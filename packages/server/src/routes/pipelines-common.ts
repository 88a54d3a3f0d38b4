import { FerryError, invalidParam } from '@ferry/core';
import type { Page } from '@ferry/core';
import type { PipelineController } from '@ferry/executor';
import type { PipelineStore } from '@ferry/store';
import type { AppDeps } from '../deps.js';
import type { Fields } from '../http/message.js';
import { wrongType } from '../http/message.js';

/** The pipeline store, or 501 when this server was built without one. */
export function pipelinesOf(deps: AppDeps): PipelineStore {
  if (!deps.pipelines) {
    throw new FerryError('NOT_IMPLEMENTED', 'Pipelines are not available on this server.');
  }
  return deps.pipelines;
}

/** The controller, or 501: without one this server only reads pipelines, it does not run them. */
export function controllerOf(deps: AppDeps): PipelineController {
  if (!deps.pipelineController) {
    throw new FerryError(
      'NOT_IMPLEMENTED',
      'This server does not run pipelines (no pipeline controller); pipelines can only be read here.',
    );
  }
  return deps.pipelineController;
}

/** A string field where '' means "not given". */
export const given = (fields: Fields, key: string): string | undefined =>
  fields.optionalString(key) || undefined;

/** An optional JSON object field (`parameters`, `spec`). */
export function optionalObject(fields: Fields, key: string): Record<string, unknown> | undefined {
  const value = fields.raw(key);
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'object' || Array.isArray(value)) throw wrongType(key, value);
  return value as Record<string, unknown>;
}

/** The paging fields every list endpoint takes. */
export function paging(fields: Fields): { maxResults?: number; pageToken?: string } {
  const maxResults = fields.optionalInt('max_results');
  const pageToken = given(fields, 'page_token');
  return {
    ...(maxResults !== undefined ? { maxResults } : {}),
    ...(pageToken ? { pageToken } : {}),
  };
}

/** A list response: the items under `key` (always present) and `next_page_token` when more exist. */
export function listBody<T>(key: string, page: Page<T>, wire: (item: T) => unknown): object {
  const body = { [key]: page.items.map(wire) };
  return page.nextPageToken ? { ...body, next_page_token: page.nextPageToken } : body;
}

/** A positive whole number field (versions, attempts). */
export function optionalPositiveInt(fields: Fields, key: string): number | undefined {
  const value = fields.optionalInt(key);
  if (value !== undefined && value < 1) throw invalidParam(`'${key}' must be at least 1 (got ${value}).`);
  return value;
}
