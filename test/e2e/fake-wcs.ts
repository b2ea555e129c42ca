import { createHmac, randomUUID } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';

/**
 * TEST DOUBLE standing in for Flashphoner WCS's HLS port — not WCS. It does only what the end-to-end tests need
 * of WCS, as WCS's documentation describes it:
 * - on a playlist request with HLS authorization on (hls_auth_enabled=true), it posts the newer playHLS body
 *   (query parameters in `custom`, `sessionId` = /client:port/server:port), pretty-printed and, with a secret,
 *   signed `Authorization: WCS <hmac-md5 hex of the body bytes>` (rest_hook_send_hash), to `<hook url>/playHLS`;
 *   200 serves the playlist, 403 gets the viewer 401 (as WCS does), anything else a 500;
 * - it writes the playlist's query parameters and a `sessionId` into every segment URI (WCS 5.2.1959+);
 * - it serves segments without any check (WCS checks the playlist only) and adds its own CORS header.
 */
export interface FakeWcsOptions {
  /** Directory holding `<stream>/<stream>.m3u8` and its segments (written by ffmpeg). */
  hlsDir: string;
  /** The REST application URL registered in WCS (`http://host:port/wcs`); unset = hls_auth_enabled=false. */
  hookUrl?: string;
  /** rest_hook_secret_key; unset = requests are not signed. */
  signingSecret?: string;
  /** false: segment URIs without the playlist's query parameters, as WCS before 5.2.1959 writes them. */
  propagateQuery?: boolean;
}

export interface FakeWcsRequest {
  path: string;
  headers: IncomingHttpHeaders;
  status: number;
}

export interface HookCall {
  rawBody: string;
  authorization: string | undefined;
  status: number;
}

const NAME = /^[A-Za-z0-9_-]{1,64}$/;
const NODE_ID = 'FakeWcsTestDouble0000000000000000@127.0.0.1';

export class FakeWcs {
  readonly requests: FakeWcsRequest[] = [];
  readonly hookCalls: HookCall[] = [];
  signingSecret: string | undefined;
  /** Whether segment URIs carry the playlist's query parameters (WCS 5.2.1959+); changeable between tests. */
  propagateQuery: boolean;
  private server: Server | undefined;
  /** One mediaSessionId per viewer address and stream, so playlist reloads of one viewer keep their id. */
  private readonly mediaSessions = new Map<string, string>();

  constructor(private readonly options: FakeWcsOptions) {
    this.signingSecret = options.signingSecret;
    this.propagateQuery = options.propagateQuery ?? true;
  }

  get port(): number {
    return (this.server?.address() as AddressInfo).port;
  }

  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  async start(): Promise<void> {
    this.server = createServer((req, res) => {
      void this.handle(req.url ?? '/', req.socket.remoteAddress ?? '', req.socket.remotePort ?? 0)
        .then(({ status, headers, body }) => {
          this.requests.push({ path: (req.url ?? '/').split('?')[0] ?? '/', headers: req.headers, status });
          res.writeHead(status, { 'Access-Control-Allow-Origin': '*', ...headers }).end(req.method === 'HEAD' ? undefined : body);
        })
        .catch(() => res.writeHead(500).end());
    });
    await new Promise<void>((resolve) => this.server?.listen(0, '127.0.0.1', resolve));
  }

  async stop(): Promise<void> {
    this.server?.closeAllConnections();
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
  }

  private async handle(
    url: string,
    clientIp: string,
    clientPort: number,
  ): Promise<{ status: number; headers?: Record<string, string>; body?: Buffer | string }> {
    const parsed = new URL(url, 'http://wcs.invalid');
    const [stream, file, ...rest] = parsed.pathname.slice(1).split('/');
    if (!stream || !file || rest.length > 0 || !NAME.test(stream)) return { status: 404 };
    const extension = file.slice(file.lastIndexOf('.'));
    if (!NAME.test(file.slice(0, -extension.length))) return { status: 404 };
    const path = join(this.options.hlsDir, stream, file);

    if (extension === '.ts') {
      try {
        return { status: 200, headers: { 'Content-Type': 'video/mp2t' }, body: await readFile(path) };
      } catch {
        return { status: 404 };
      }
    }
    if (extension !== '.m3u8') return { status: 404 };

    const query = Object.fromEntries(parsed.searchParams);
    const sessionKey = `${clientIp}|${stream}`;
    let mediaSessionId = this.mediaSessions.get(sessionKey);
    if (mediaSessionId === undefined) {
      mediaSessionId = `${randomUUID()}-${stream}-HLS`;
      this.mediaSessions.set(sessionKey, mediaSessionId);
    }
    if (this.options.hookUrl !== undefined) {
      const allowed = await this.callPlayHls({
        nodeId: NODE_ID,
        appKey: query.appKey ?? 'defaultApp',
        sessionId: `/${clientIp}:${clientPort}/127.0.0.1:${this.port}`,
        mediaSessionId,
        name: stream,
        mediaProvider: 'HLS',
        custom: query,
      });
      if (allowed === false) return { status: 401 };
      if (allowed === undefined) return { status: 500 };
    }
    let playlist: string;
    try {
      playlist = await readFile(path, 'utf8');
    } catch {
      return { status: 404 };
    }
    const segmentQuery = new URLSearchParams({ ...query, sessionId: mediaSessionId }).toString();
    if (!this.propagateQuery) return { status: 200, headers: { 'Content-Type': 'application/vnd.apple.mpegurl' }, body: playlist };
    const rewritten = playlist
      .split('\n')
      .map((line) => (line === '' || line.startsWith('#') ? line : `${line}?${segmentQuery}`))
      .join('\n');
    return { status: 200, headers: { 'Content-Type': 'application/vnd.apple.mpegurl' }, body: rewritten };
  }

  /** true: 200 from the backend; false: 403; undefined: anything else. */
  private async callPlayHls(body: Record<string, unknown>): Promise<boolean | undefined> {
    // Real WCS sends multi-line JSON; the signature covers exactly these bytes.
    const rawBody = JSON.stringify(body, null, 2);
    const authorization =
      this.signingSecret === undefined ? undefined : `WCS ${createHmac('md5', this.signingSecret).update(rawBody).digest('hex')}`;
    const response = await fetch(`${this.options.hookUrl}/playHLS`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', ...(authorization ? { Authorization: authorization } : {}) },
      body: rawBody,
      signal: AbortSignal.timeout(10_000),
    });
    await response.arrayBuffer();
    this.hookCalls.push({ rawBody, authorization, status: response.status });
    if (response.status === 200) return true;
    if (response.status === 403) return false;
    return undefined;
  }
}
