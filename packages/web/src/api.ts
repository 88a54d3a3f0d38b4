/** An error answered by the server (`{"error_code", "message"}`), or a failed request. */
export class ApiError extends Error {
  constructor(
    message: string,
    readonly code: string,
    readonly status: number,
  ) {
    super(message);
  }
}

/**
 * The folder the app is served from, always ending in `/`. API URLs are relative to it, so the app
 * works at `/` and under `--static-prefix` alike.
 */
export function appBase(): string {
  const path = window.location.pathname.replace(/[^/]*\.html$/, '');
  return path.endsWith('/') ? path : `${path}/`;
}

type Query = Record<string, string | number | boolean | undefined | string[]>;

function queryString(query: Query): string {
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(query)) {
    if (value === undefined) continue;
    for (const v of Array.isArray(value) ? value : [value]) params.append(key, String(v));
  }
  const text = params.toString();
  return text ? `?${text}` : '';
}

async function call<T>(
  method: 'GET' | 'POST' | 'PATCH' | 'DELETE',
  path: string,
  query: Query,
  body?: unknown,
): Promise<T> {
  const url = `${appBase()}ajax-api/2.0/mlflow/${path}${queryString(query)}`;
  const response = await fetch(url, {
    method,
    headers: body === undefined ? {} : { 'content-type': 'application/json' },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const text = await response.text();
  let json: unknown = {};
  try {
    json = text ? JSON.parse(text) : {};
  } catch {
    json = { message: text };
  }
  if (!response.ok) {
    const error = json as { error_code?: string; message?: string };
    throw new ApiError(
      error.message ?? `${response.status} ${response.statusText}`,
      error.error_code ?? 'INTERNAL_ERROR',
      response.status,
    );
  }
  return json as T;
}

/** `GET ajax-api/2.0/mlflow/<path>?<query>`. */
export const get = <T>(path: string, query: Query = {}): Promise<T> => call<T>('GET', path, query);

/** `POST ajax-api/2.0/mlflow/<path>` with a JSON body. */
export const post = <T>(path: string, body: unknown): Promise<T> => call<T>('POST', path, {}, body);

/**
 * A write with a JSON body, for PATCH and DELETE too (MLflow reads their fields from the body).
 * Server errors become ApiError with the server's message.
 */
export const send = <T = Record<string, never>>(
  method: 'POST' | 'PATCH' | 'DELETE',
  path: string,
  body: Record<string, unknown>,
): Promise<T> => call<T>(method, path, {}, body);

/** The URL that downloads one run artifact (relative to the app). */
export function artifactUrl(runId: string, path: string): string {
  return `${appBase()}get-artifact${queryString({ path, run_id: runId })}`;
}
