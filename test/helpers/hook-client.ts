import { randomBytes } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { ADMIN_KEY } from './test-app.js';
import { newerPlayHlsBody, pretty } from './wcs-bodies.js';

export interface TimedAnswer {
  status: number;
  /** Wall time from sending to the full answer, as the caller saw it. */
  elapsedMs: number;
  headers: Headers;
  text: string;
  /** The instance's X-Request-Id, to find its decision log line. */
  requestId: string;
}

/**
 * A request over real HTTP with a client-side deadline far above anything the service should take: a hang shows up
 * as a rejected promise (AbortError) and fails the test instead of stalling the suite.
 */
export async function timedRequest(url: string, init: RequestInit & { deadlineMs?: number } = {}): Promise<TimedAnswer> {
  const started = performance.now();
  const response = await fetch(url, { ...init, signal: AbortSignal.timeout(init.deadlineMs ?? 15_000) });
  const text = await response.text();
  return {
    status: response.status,
    elapsedMs: performance.now() - started,
    headers: response.headers,
    text,
    requestId: response.headers.get('x-request-id') ?? '',
  };
}

/** POST <base>/wcs/playHLS the way newer WCS does: pretty-printed, token in `custom`. */
export function playHls(
  baseUrl: string,
  token: string | undefined,
  options: { stream?: string; clientIp?: string; appKey?: string; viewerSessionId?: string; deadlineMs?: number } = {},
): Promise<TimedAnswer> {
  const body = newerPlayHlsBody(
    {
      name: options.stream ?? 'test',
      appKey: options.appKey ?? 'defaultApp',
      sessionId: `/${options.clientIp ?? '192.168.1.100'}:59473/192.168.1.5:8445`,
      ...(options.viewerSessionId === undefined ? {} : { mediaSessionId: options.viewerSessionId }),
    },
    token === undefined ? {} : { token },
  );
  return timedRequest(`${baseUrl}/wcs/playHLS`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: pretty(body),
    deadlineMs: options.deadlineMs,
  });
}

/**
 * Issues a token for a test's setup. A 503 (store too slow on a loaded machine, e.g. right after a Redis restart
 * when scripts are loaded again) is retried a few times, as the API documents; any other failure throws.
 */
export async function issueToken(baseUrl: string, body: Record<string, unknown> = { streams: ['test'] }): Promise<{ token: string; id: string }> {
  let answer: TimedAnswer | undefined;
  for (let attempt = 0; attempt < 5 && answer?.status !== 201; attempt++) {
    if (attempt > 0) await new Promise((resolve) => setTimeout(resolve, 200));
    answer = await timedRequest(`${baseUrl}/v1/tokens`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${ADMIN_KEY}` },
      body: JSON.stringify(body),
    });
    if (answer.status !== 503) break;
  }
  if (!answer || answer.status !== 201) throw new Error(`issue failed: ${answer?.status} ${answer?.text}`);
  const parsed = JSON.parse(answer.text) as { token: string; record: { id: string } };
  return { token: parsed.token, id: parsed.record.id };
}

/** Revokes for a test's setup; like issueToken, a 503 is retried a few times (revoking is idempotent). */
export async function revokeToken(baseUrl: string, id: string): Promise<TimedAnswer> {
  let answer = await timedRequest(`${baseUrl}/v1/tokens/${id}`, { method: 'DELETE', headers: { authorization: `Bearer ${ADMIN_KEY}` } });
  for (let attempt = 1; attempt < 5 && answer.status === 503; attempt++) {
    await new Promise((resolve) => setTimeout(resolve, 200));
    answer = await timedRequest(`${baseUrl}/v1/tokens/${id}`, { method: 'DELETE', headers: { authorization: `Bearer ${ADMIN_KEY}` } });
  }
  return answer;
}

/** Well-formed (so it reaches the store) but issued by nobody. */
export function unknownToken(): string {
  return `wta_${randomBytes(32).toString('base64url')}`;
}

/** Polls `check` until it returns true, at most `attempts` times; the bound is a count, not a timed assertion. */
export async function eventually(check: () => Promise<boolean>, what: string, attempts = 100, pauseMs = 100): Promise<void> {
  for (let attempt = 0; attempt < attempts; attempt++) {
    if (await check().catch(() => false)) return;
    await new Promise((resolve) => setTimeout(resolve, pauseMs));
  }
  throw new Error(`gave up waiting for: ${what}`);
}
