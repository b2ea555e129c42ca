import { request as httpRequest, type IncomingHttpHeaders } from 'node:http';
import { request as httpsRequest } from 'node:https';

export interface GetResult {
  status: number;
  headers: IncomingHttpHeaders;
  body: Buffer;
}

/**
 * A plain GET (or other method) that returns status, headers and body whatever the status. For https URLs the
 * given CA is trusted, so the test nginx's self-signed certificate is verified rather than ignored. `path` replaces
 * the URL's path and query byte for byte.
 */
export function httpGet(url: string, options: { ca?: string; method?: string; headers?: Record<string, string>; path?: string } = {}): Promise<GetResult> {
  const target = new URL(url);
  const send = target.protocol === 'https:' ? httpsRequest : httpRequest;
  return new Promise((resolve, reject) => {
    const req = send(
      target,
      {
        method: options.method ?? 'GET',
        headers: options.headers,
        ca: options.ca,
        agent: false,
        timeout: 15_000,
        // Sent as given: dot segments and encodings a URL parser would resolve reach the server unchanged.
        ...(options.path === undefined ? {} : { path: options.path }),
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) }));
        res.on('error', reject);
      },
    );
    req.on('timeout', () => req.destroy(new Error(`GET ${target.pathname} timed out`)));
    req.on('error', reject);
    req.end();
  });
}
