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
 * - it serves segments without any check (WCS checks the playlist only) and adds its own CORS header;
 * - media: MPEG-TS segments and fMP4 init/media/partial segments (`.m4s`, `.mp4`), whatever the directory holds;
 * - with `copyQuery: false` it behaves as WCS before 5.2.1959: segment URIs are written without a query string;
 * - LL-HLS blocking reloads: a playlist request with `_HLS_msn` is answered after `blockingReloadMs`, as WCS holds
 *   it until the requested part exists (the files themselves are static, written by the test).
 */
export interface FakeWcsOptions {
  /** Directory holding `<stream>/<stream>.m3u8` and its segments (written by ffmpeg). */
  hlsDir: string;
  /** The REST application URL registered in WCS (`http://host:port/wcs`); unset = hls_auth_enabled=false. */
  hookUrl?: string;
  /** rest_hook_secret_key; unset = requests are not signed. */
  signingSecret?: string;
  /** false: WCS before 5.2.1959, which does not copy the playlist's query string into segment URIs. Default true. */
  copyQuery?: boolean;
  /** How long a blocking playlist reload (`_HLS_msn`) is held before the answer. Default 0. */
  blockingReloadMs?: number;
}

const MEDIA_TYPES: Readonly<Record<string, string>> = {
  '.ts': 'video/mp2t',
  '.m4s': 'video/iso.segment',
  '.mp4': 'video/mp4',
};

function prefixUris(playlist: string, prefix: string): string {
  return playlist
    .split('\n')
    .map((line) => (line === '' ? line : line.startsWith('#') ? line.replace(/URI="/g, `URI="${prefix}`) : `${prefix}${line}`))
    .join('\n');
}

/** The playlist's query parameters, minus LL-HLS delivery directives, after every URI the playlist holds. */
function withQuery(playlist: string, segmentQuery: string): string {
  return playlist
    .split('\n')
    .map((line) => {
      if (line === '') return line;
      if (line.startsWith('#')) return line.replace(/URI="([^"?]+)"/g, (_all, uri: string) => `URI="${uri}?${segmentQuery}"`);
      return `${line}?${segmentQuery}`;
    })
    .join('\n');
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
/** LL-HLS part names have dots: `live12.part3.m4s`. */
const FILE_NAME = /^[A-Za-z0-9_-][A-Za-z0-9_.-]{0,63}$/;
const NODE_ID = 'FakeWcsTestDouble0000000000000000@127.0.0.1';

export class FakeWcs {
  readonly requests: FakeWcsRequest[] = [];
  readonly hookCalls: HookCall[] = [];
  signingSecret: string | undefined;
  /** Whether segment URIs carry the playlist's query parameters (WCS 5.2.1959+); changeable between tests. */
  copyQuery: boolean;
  private server: Server | undefined;
  /** One mediaSessionId per viewer address and stream, so playlist reloads of one viewer keep their id. */
  private readonly mediaSessions = new Map<string, string>();

  constructor(private readonly options: FakeWcsOptions) {
    this.signingSecret = options.signingSecret;
    this.copyQuery = options.copyQuery ?? true;
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
    const parts = parsed.pathname.slice(1).split('/');
    // The stream at the root (`/test.m3u8`, WCS's nginx example) is the playlist of `/test/test.m3u8`, with its
    // URIs written relative to the stream's directory (an assumption of this double: WCS's documentation does not
    // show that playlist's contents).
    const atRoot = parts.length === 1 && /^[A-Za-z0-9_-]{1,64}\.m3u8$/.test(parts[0] ?? '');
    // ABR variants may sit in a directory inside the stream's: /live/720/720.m3u8.
    const located = atRoot ? [parts[0]?.slice(0, -'.m3u8'.length) ?? '', parts[0] ?? ''] : parts;
    const stream = located[0];
    const file = located[located.length - 1];
    if (!stream || !file || located.length < 2 || located.length > 3 || !located.slice(0, -1).every((d) => NAME.test(d))) return { status: 404 };
    const extension = file.slice(file.lastIndexOf('.'));
    if (!FILE_NAME.test(file.slice(0, -extension.length))) return { status: 404 };
    const path = join(this.options.hlsDir, ...located);

    const mediaType = MEDIA_TYPES[extension];
    if (mediaType !== undefined) {
      try {
        return { status: 200, headers: { 'Content-Type': mediaType }, body: await readFile(path) };
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
    if (parsed.searchParams.has('_HLS_msn') && (this.options.blockingReloadMs ?? 0) > 0) {
      await new Promise((resolve) => setTimeout(resolve, this.options.blockingReloadMs));
    }
    // The raw query string, as WCS copies it (parameter order kept: nginx reads the first of a repeated one).
    const copied = parsed.search.slice(1).split('&').filter((part) => part !== '' && !part.startsWith('_HLS_'));
    const segmentQuery = [...copied, `sessionId=${encodeURIComponent(mediaSessionId)}`].join('&');
    const relocated = atRoot ? prefixUris(playlist, `${stream}/`) : playlist;
    const body = !this.copyQuery ? relocated : withQuery(relocated, segmentQuery);
    return { status: 200, headers: { 'Content-Type': 'application/vnd.apple.mpegurl' }, body };
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
