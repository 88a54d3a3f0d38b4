import type { Context } from 'hono';
import type { AppDeps } from '../deps.js';
import type { Fields } from '../http/message.js';

export interface ApiRequest {
  fields: Fields;
  /** Size of the JSON body as received, for limits measured on the request. */
  bodyBytes: number;
  deps: AppDeps;
  context: Context;
}

/** One MLflow REST endpoint: a method, a path under `/api/2.0/mlflow` and a handler returning the JSON body. */
export interface ApiRoute {
  method: 'GET' | 'POST' | 'PATCH' | 'DELETE';
  path: string;
  handle(req: ApiRequest): Promise<unknown>;
}
