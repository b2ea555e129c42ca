import { ConnectionError, retryAfterSeconds } from './errors.js';

export interface RetryOptions {
  /** Retries after the first attempt (default 3; 0 = none). */
  maxRetries?: number;
  /** Longest single wait, ms (default 10 000). A `Retry-After` longer than this is not waited for: the error is returned. */
  maxDelayMs?: number;
  /** First backoff when the server gives no `Retry-After`, ms (default 200), doubled per attempt, with jitter. */
  baseDelayMs?: number;
  /** Per attempt, ms (default 30 000). */
  timeoutMs?: number;
}

/**
 * A fetch that retries what is safe to retry:
 * - 429 and 503 (nothing was done: throttled, or the token store did not answer; issue calls carry an
 *   Idempotency-Key, so a 503 after a half-done issue is replayed, not repeated);
 * - 409 `idempotency_in_progress` (the first request with that key is still running; the retry gets its answer);
 * - a connection failure, only for requests that are idempotent (GET, HEAD, DELETE, or an Idempotency-Key).
 * `Retry-After` is honoured; the number of retries and each wait are bounded.
 */
export function retryingFetch(base: typeof fetch, options: RetryOptions = {}): (input: Request) => Promise<Response> {
  const maxRetries = options.maxRetries ?? 3;
  const maxDelayMs = options.maxDelayMs ?? 10_000;
  const baseDelayMs = options.baseDelayMs ?? 200;
  const timeoutMs = options.timeoutMs ?? 30_000;

  return async (request: Request) => {
    const idempotent = ['GET', 'HEAD', 'DELETE'].includes(request.method) || request.headers.has('idempotency-key');
    for (let attempt = 0; ; attempt++) {
      const backoff = Math.min(maxDelayMs, baseDelayMs * 2 ** attempt) * (0.5 + Math.random() / 2);
      let response: Response;
      try {
        response = await base(request.clone(), { signal: AbortSignal.timeout(timeoutMs) });
      } catch (error) {
        if (!idempotent || attempt >= maxRetries) {
          throw new ConnectionError(`${request.method} ${new URL(request.url).pathname}: ${(error as Error).message}`, { cause: error });
        }
        await sleep(backoff);
        continue;
      }
      if (attempt >= maxRetries || !(await isRetryable(response))) return response;
      const asked = retryAfterSeconds(response.headers.get('retry-after'));
      const delay = asked === undefined ? backoff : asked * 1000;
      if (delay > maxDelayMs) return response;
      await response.body?.cancel();
      await sleep(delay);
    }
  };
}

async function isRetryable(response: Response): Promise<boolean> {
  if (response.status === 429 || response.status === 503) return true;
  if (response.status !== 409) return false;
  const body = (await response.clone().json().catch(() => undefined)) as { error?: { code?: unknown } } | undefined;
  return body?.error?.code === 'idempotency_in_progress';
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
