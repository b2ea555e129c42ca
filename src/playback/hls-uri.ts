import { STREAM_PATTERN } from '../tokens/stream-pattern.js';
import { readQueryParam } from './hls-query.js';

export type HlsResource = 'playlist' | 'segment';

export interface HlsUri {
  /** The stream the decision is about: the stream directory (or root playlist name), minus an ABR variant suffix. */
  stream: string;
  /** The stream directory as requested (`live-720p` for an ABR variant of `live`). */
  pathStream: string;
  /**
   * The stream directory exactly as nginx sees it in `$request_uri` (still percent-encoded): what an edge signature
   * covers, because nginx compares it with the first path segment of segment URIs without decoding them.
   */
  rawPathStream: string;
  resource: HlsResource;
  /** undefined: no token in the query; null: the parameter was given more than once, or in a form nginx reads otherwise. */
  token: string | undefined | null;
  /** WCS 5.2.1008+: `appKey` in the playlist URL selects the REST application. */
  appKey: string | undefined;
}

export interface HlsUriOptions {
  tokenParam: string;
  variantSuffix: RegExp | null;
}

/**
 * Playlists (`.m3u8`: live, LL-HLS, ABR master and variant) are session checks; everything a player fetches from a
 * playlist is a validity check: MPEG-TS segments, fMP4 init and media segments, LL-HLS partial segments (`.m4s`),
 * packed audio. Any other extension is refused, so nginx cannot be used to fetch other files from WCS's HLS port.
 */
const RESOURCE_BY_EXTENSION: ReadonlyMap<string, HlsResource> = new Map([
  ['.m3u8', 'playlist'],
  ['.ts', 'segment'],
  ['.m4s', 'segment'],
  ['.mp4', 'segment'],
  ['.m4a', 'segment'],
  ['.aac', 'segment'],
]);
const MAX_URI_LENGTH = 4096;
const MAX_DEPTH = 4;
const APP_KEY = /^.{1,128}$/s;
/** An ABR variant directory inside the stream's (WCS's `/live/720/720.m3u8`): a quality, never another stream's name. */
const QUALITY = /^[0-9]{2,4}p?$/;
/** fMP4 init segments keep ffmpeg's and WCS's fixed names instead of starting with the stream name. */
const INIT_SEGMENT = /^init\.(?:mp4|m4s)$/i;
/** Percent-encoded `.`, `/` or `\`: nginx does not decode them when it matches locations, WCS may. */
const ENCODED_SEPARATOR = /%(?:2e|2f|5c)/i;

function splitPath(rawPath: string): { raw: string[]; decoded: string[] } | undefined {
  const raw = rawPath.slice(1).split('/');
  const decoded: string[] = [];
  for (const part of raw) {
    let segment: string;
    try {
      segment = decodeURIComponent(part);
    } catch {
      return undefined;
    }
    if (segment === '' || segment === '.' || segment === '..' || /[/\\]/.test(segment)) return undefined;
    decoded.push(segment);
  }
  return { raw, decoded };
}

/**
 * Reads what the decision needs from the original request URI that nginx forwards (`X-Original-URI`). Returns
 * undefined for anything else. The forms WCS serves:
 *
 * - `/<stream>.m3u8` (the stream at the root, as in WCS's nginx example) and `/<stream>/<stream>.m3u8`;
 * - ABR: `/<stream>-720p/<stream>-720p.m3u8`, or a quality directory inside the stream's: `/<stream>/720/720.m3u8`;
 * - media: `/<stream>/<stream>12.ts`, `/<stream>/<stream>3.m4s`, `/<stream>/init.mp4`, LL-HLS parts.
 *
 * Every directory names the same stream (after removing a variant suffix) or is a quality (`720`, `720p`), a
 * playlist's file name is its directory's name, and a media file name starts with its directory's name (or is an
 * init segment): a token for `mine` can then never reach another stream through `/mine/other/other.m3u8` or
 * `/mine/other5.ts`, whichever part of the path WCS resolves.
 *
 * Percent-decoded segment by segment; `.`/`..`/empty segments and encoded `.`, `/`, `\` are refused: nginx proxies the
 * URI as the client sent it, so `/other/../live/live.m3u8` must not be authorized as `other` while WCS serves `live`.
 * The shipped nginx config refuses the same URIs itself, before any cache lookup.
 */
export function parseHlsUri(uri: string, options: HlsUriOptions): HlsUri | undefined {
  if (uri.length > MAX_URI_LENGTH || !uri.startsWith('/')) return undefined;
  const queryStart = uri.indexOf('?');
  const rawPath = queryStart === -1 ? uri : uri.slice(0, queryStart);
  const query = queryStart === -1 ? '' : uri.slice(queryStart + 1);
  if (ENCODED_SEPARATOR.test(rawPath)) return undefined;
  const path = splitPath(rawPath);
  if (path === undefined || path.decoded.length > MAX_DEPTH) return undefined;

  const file = path.decoded[path.decoded.length - 1] ?? '';
  const dot = file.lastIndexOf('.');
  if (dot <= 0) return undefined;
  const resource = RESOURCE_BY_EXTENSION.get(file.slice(dot).toLowerCase());
  const base = file.slice(0, dot);
  const directories = path.decoded.slice(0, -1);
  if (resource === undefined) return undefined;
  // The root form names a playlist only: a root-level media file names no directory to check it against.
  if (directories.length === 0 && resource !== 'playlist') return undefined;
  const pathStream = directories[0] ?? base;
  const rawFirst = path.raw[0] ?? '';
  // `.` cannot be percent-encoded here (refused above), so the last raw dot is the extension's.
  const rawPathStream = directories.length > 0 ? rawFirst : rawFirst.slice(0, rawFirst.lastIndexOf('.'));
  if (!STREAM_PATTERN.test(pathStream)) return undefined;
  const stream = streamOf(pathStream, options.variantSuffix);
  const inner = directories.slice(1);
  if (!inner.every((directory) => streamOf(directory, options.variantSuffix) === stream || QUALITY.test(directory))) return undefined;
  const innermost = directories[directories.length - 1] ?? base;
  if (resource === 'playlist' && base !== innermost) return undefined;
  if (resource === 'segment' && !base.startsWith(innermost) && !INIT_SEGMENT.test(file)) return undefined;

  const token = readQueryParam(query, options.tokenParam);
  if (token === 'refused') return undefined;
  const appKey = new URLSearchParams(query).getAll('appKey');
  return {
    stream,
    pathStream,
    rawPathStream,
    resource,
    token,
    appKey: appKey.length === 1 && APP_KEY.test(appKey[0] ?? '') ? appKey[0] : undefined,
  };
}

/** `live-720p` → `live` with the default suffix rule; a suffix that would leave nothing is not removed. */
export function streamOf(pathStream: string, variantSuffix: RegExp | null): string {
  if (variantSuffix === null) return pathStream;
  const base = pathStream.replace(variantSuffix, '');
  return base.length > 0 ? base : pathStream;
}
