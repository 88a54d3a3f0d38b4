/** How the client retries a request the server could not take right now. Plain data. */
export interface RetryPolicy {
  /** Attempts in all, the first included. */
  maxAttempts: number;
  initialDelayMs: number;
  maxDelayMs: number;
}

export const DEFAULT_RETRY: RetryPolicy = { maxAttempts: 7, initialDelayMs: 100, maxDelayMs: 10_000 };

/** Statuses that mean "try again later": rate limited, overloaded, or a gateway between us and it. */
const RETRYABLE_STATUS = new Set([429, 502, 503, 504]);

export function isRetryableStatus(status: number): boolean {
  return RETRYABLE_STATUS.has(status);
}

/** Exponential backoff with full jitter, so many clients retrying at once spread out. */
export function backoffDelay(policy: RetryPolicy, attempt: number): number {
  const cap = Math.min(policy.maxDelayMs, policy.initialDelayMs * 2 ** (attempt - 1));
  return Math.random() * cap;
}

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
