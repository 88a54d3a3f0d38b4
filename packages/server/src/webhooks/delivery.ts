import { randomUUID } from 'node:crypto';
import type { WebhookEventName } from '@ferry/store';
import { post } from './http-post.js';
import type { PostResponse } from './http-post.js';
import { deliveryBody } from './payloads.js';
import type { WebhookPayload } from './payloads.js';
import type { BackoffPolicy, WebhookSettings } from './settings.js';
import { DELIVERY_ID_HEADER, SIGNATURE_HEADER, TIMESTAMP_HEADER, signDelivery } from './signing.js';
import type { WebhookUrlPolicy } from './url-policy.js';

/** Statuses worth another attempt, as MLflow's retry policy lists them. */
const RETRY_STATUSES = new Set([429, 500, 502, 503, 504]);

export interface DeliveryOutcome {
  /** The `X-MLflow-Delivery-Id` every attempt carried. */
  deliveryId: string;
  attempts: number;
  /** The last response, when one came (even a failing status once retries ran out). */
  response?: PostResponse;
  /** Why there was no response: the URL was refused, the network failed, the attempt timed out. */
  error?: Error;
}

/** Success as MLflow judges a test delivery: a response below 400. */
export function delivered(outcome: DeliveryOutcome): boolean {
  return outcome.response !== undefined && outcome.response.status < 400;
}

/** Seconds or an HTTP date, as `Retry-After` may say; undefined when absent or unreadable. */
function retryAfterMs(response: PostResponse): number | undefined {
  const header = response.headers['retry-after'];
  if (typeof header !== 'string' || header.trim() === '') return undefined;
  if (/^\d+$/.test(header.trim())) return Number(header.trim()) * 1000;
  const date = Date.parse(header);
  return Number.isNaN(date) ? undefined : Math.max(0, date - Date.now());
}

/**
 * Delay before retry `n` (1-based): `baseMs * 2^(n-1)` plus random jitter, and no shorter than what
 * `Retry-After` asks; never beyond `maxMs`, so a receiver cannot park a delivery for hours.
 */
export function retryDelayMs(policy: BackoffPolicy, n: number, response?: PostResponse): number {
  const backoff = policy.baseMs * 2 ** (n - 1) + Math.random() * policy.jitterMs;
  const asked = response ? (retryAfterMs(response) ?? 0) : 0;
  return Math.min(policy.maxMs, Math.max(backoff, asked));
}

function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason as Error);
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal!.reason as Error);
    };
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

export interface DeliveryRequest {
  url: string;
  secret?: string;
  event: WebhookEventName;
  payload: WebhookPayload;
}

/**
 * Posts one event to one URL the way MLflow does: the URL re-checked against the policy, a fresh
 * delivery id, the Unix-seconds timestamp, the signature when there is a secret; then the same bytes
 * again after network errors, timeouts, 429 and 5xx, up to `maxRetries` more times with backoff.
 * Never throws: the outcome says what happened.
 */
export async function deliver(
  request: DeliveryRequest,
  settings: Pick<WebhookSettings, 'timeoutMs' | 'maxRetries' | 'backoff'>,
  policy: WebhookUrlPolicy,
  signal?: AbortSignal,
): Promise<DeliveryOutcome> {
  const deliveryId = randomUUID();
  let url: URL;
  try {
    url = await policy.validate(request.url);
  } catch (error) {
    return { deliveryId, attempts: 0, error: error as Error };
  }
  const body = deliveryBody(request.event, request.payload);
  const timestamp = String(Math.floor(Date.now() / 1000));
  const headers: Record<string, string> = {
    'Content-Type': 'application/json',
    'User-Agent': 'Ferry-Webhooks',
    [DELIVERY_ID_HEADER]: deliveryId,
    [TIMESTAMP_HEADER]: timestamp,
  };
  if (request.secret) headers[SIGNATURE_HEADER] = signDelivery(request.secret, deliveryId, timestamp, body);

  const lookup = policy.lookup;
  let attempts = 0;
  for (;;) {
    attempts++;
    let outcome: DeliveryOutcome;
    try {
      const response = await post(url, body, {
        headers,
        timeoutMs: settings.timeoutMs,
        ...(lookup ? { lookup } : {}),
        ...(signal ? { signal } : {}),
      });
      outcome = { deliveryId, attempts, response };
      if (!RETRY_STATUSES.has(response.status)) return outcome;
    } catch (error) {
      outcome = { deliveryId, attempts, error: error as Error };
      if (signal?.aborted) return outcome;
    }
    if (attempts > settings.maxRetries) return outcome;
    try {
      await sleep(retryDelayMs(settings.backoff, attempts, outcome.response), signal);
    } catch {
      return outcome;
    }
  }
}
