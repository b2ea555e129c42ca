import { STREAM_PATTERN } from '../tokens/stream-pattern.js';

export type HlsResource = 'playlist' | 'segment';

export interface HlsUri {
  /** The stream the decision is about: the first path segment, minus an ABR variant suffix. */
  stream: string;
  /** The first path segment as requested (`live-720p` for an ABR variant of `live`). */
  pathStream: string;
  resource: HlsResource;
  /** undefined: no token in the query; null: the parameter was given more than once with different values. */
  token: string | undefined | null;
  /** WCS 5.2.1008+: `appKey` in the playlist URL selects the REST application. */
  appKey: string | undefined;
}

export interface HlsUriOptions {
  tokenParam: string;
  variantSuffix: RegExp | null;
}

const RESOURCE_BY_EXTENSION: ReadonlyMap<string, HlsResource> = new Map([
  ['.m3u8', 'playlist'],
  ['.ts', 'segment'],
]);
const MAX_URI_LENGTH = 4096;
const APP_KEY = /^.{1,128}$/s;

function queryValue(params: URLSearchParams, name: string): string | undefined | null {
  const values = [...new Set(params.getAll(name).filter((value) => value !== ''))];
  if (values.length === 0) return undefined;
  return values.length === 1 ? (values[0] ?? null) : null;
}

/**
 * Reads what the decision needs from the original request URI that nginx forwards (`X-Original-URI`):
 * `/<stream>/…/<file>.m3u8|.ts?<token param>=…`. Returns undefined for anything else.
 *
 * Path segments are percent-decoded one by one, and URIs with `.`/`..`/empty segments or encoded slashes are
 * refused: nginx proxies the URI as the client sent it, so `/other/../live/live.m3u8` must not be authorized as
 * stream `other` while WCS serves `live`.
 */
export function parseHlsUri(uri: string, options: HlsUriOptions): HlsUri | undefined {
  if (uri.length > MAX_URI_LENGTH || !uri.startsWith('/')) return undefined;
  const queryStart = uri.indexOf('?');
  const rawPath = queryStart === -1 ? uri : uri.slice(0, queryStart);
  const query = queryStart === -1 ? '' : uri.slice(queryStart + 1);

  const segments: string[] = [];
  for (const raw of rawPath.slice(1).split('/')) {
    let segment: string;
    try {
      segment = decodeURIComponent(raw);
    } catch {
      return undefined;
    }
    if (segment === '' || segment === '.' || segment === '..' || /[/\\]/.test(segment)) return undefined;
    segments.push(segment);
  }
  if (segments.length < 2) return undefined;
  const file = segments[segments.length - 1] ?? '';
  const dot = file.lastIndexOf('.');
  const resource = dot > 0 ? RESOURCE_BY_EXTENSION.get(file.slice(dot).toLowerCase()) : undefined;
  const pathStream = segments[0] ?? '';
  if (resource === undefined || !STREAM_PATTERN.test(pathStream)) return undefined;

  const params = new URLSearchParams(query);
  const appKey = queryValue(params, 'appKey');
  return {
    stream: streamOf(pathStream, options.variantSuffix),
    pathStream,
    resource,
    token: queryValue(params, options.tokenParam),
    appKey: typeof appKey === 'string' && APP_KEY.test(appKey) ? appKey : undefined,
  };
}

/** `live-720p` → `live` with the default suffix rule; a suffix that would leave nothing is not removed. */
export function streamOf(pathStream: string, variantSuffix: RegExp | null): string {
  if (variantSuffix === null) return pathStream;
  const base = pathStream.replace(variantSuffix, '');
  return base.length > 0 ? base : pathStream;
}
