import { randomBytes } from 'node:crypto';
import { newerPlayHlsBody, pretty, wcsSignature } from '../test/helpers/wcs-bodies.js';
import type { BenchRequest } from './run-load.js';

export const BENCH_STREAM = 'bench-stream';
export const HOOK_PATH = '/wcs/playHLS';
export const NGINX_AUTH_PATH = '/nginx/auth';

/** A string shaped like an opaque token (same length as a real one) that no store knows. */
export function strangerToken(): string {
  return `wta_${randomBytes(32).toString('base64url')}`;
}

/**
 * One playHLS request as real WCS sends it: the newer body shape, pretty-printed, a distinct viewer session per
 * request, the token in `custom.token`; signed when a secret is given.
 */
export function playHlsRequest(options: {
  kind: string;
  token: string | undefined;
  stream?: string;
  index: number;
  expectStatus: number;
  signingSecret?: string;
  /** Headers the token sets, which the allow answer must carry. */
  expectHeaders?: Readonly<Record<string, string>>;
}): BenchRequest {
  const body = pretty(
    newerPlayHlsBody(
      {
        name: options.stream ?? BENCH_STREAM,
        mediaSessionId: `60709c5b-6950-40c3-8a3d-${String(options.index).padStart(12, '0')}-HLS`,
        sessionId: `/192.168.${Math.floor(options.index / 250) % 250}.${(options.index % 250) + 1}:59473/192.168.1.5:8445`,
      },
      options.token === undefined ? {} : { token: options.token },
    ),
  );
  const headers: Record<string, string> = { 'content-type': 'application/json' };
  if (options.signingSecret !== undefined) headers.authorization = wcsSignature(options.signingSecret, body);
  return { kind: options.kind, path: HOOK_PATH, headers, body, expectStatus: options.expectStatus, expectHeaders: options.expectHeaders };
}

/**
 * One nginx `auth_request` subrequest for a viewer's playlist, as the shipped nginx config sends it: the viewer's
 * URI (token in the query) in `X-Original-URI`, a distinct viewer address per request. Allowed: 204, no body.
 */
export function nginxAuthRequest(options: { token: string; index: number; expectStatus: number }): BenchRequest {
  return {
    kind: 'nginx_allow',
    method: 'GET',
    path: NGINX_AUTH_PATH,
    headers: {
      'x-original-uri': `/${BENCH_STREAM}/${BENCH_STREAM}.m3u8?token=${encodeURIComponent(options.token)}`,
      'x-original-method': 'GET',
      'x-real-ip': `192.168.${Math.floor(options.index / 250) % 250}.${(options.index % 250) + 1}`,
    },
    expectStatus: options.expectStatus,
  };
}

/** Sends each distinct request once and checks its answer, so that the load measures what its name says. */
export async function verifyRequests(name: string, baseUrl: string, requests: readonly BenchRequest[]): Promise<void> {
  for (const request of requests) {
    let response = await fetch(`${baseUrl}${request.path}`, { method: request.method ?? 'POST', headers: request.headers, body: request.body });
    let text = await response.text();
    // On a busy machine a first Redis call can miss STORE_TIMEOUT_MS (deny/store_unavailable): ask again, a little
    // later, twice. A request that is really answered wrong is answered wrong every time and still fails below.
    for (let attempt = 1; attempt <= 2 && response.status !== request.expectStatus; attempt++) {
      await new Promise((resolve) => setTimeout(resolve, 300 * attempt));
      response = await fetch(`${baseUrl}${request.path}`, { method: request.method ?? 'POST', headers: request.headers, body: request.body });
      text = await response.text();
    }
    if (response.status !== request.expectStatus) {
      throw new Error(`${name}: a ${request.kind} request got ${response.status}, expected ${request.expectStatus}: ${text}`);
    }
    if (response.status === 200 && (text !== request.body || !response.headers.get('content-type')?.startsWith('application/json'))) {
      throw new Error(`${name}: the 200 answer to a ${request.kind} request is not the JSON echo of its body`);
    }
    for (const [header, value] of Object.entries(request.expectHeaders ?? {})) {
      if (response.headers.get(header) !== value) throw new Error(`${name}: the answer to a ${request.kind} request lacks ${header}: ${value}`);
    }
  }
}
