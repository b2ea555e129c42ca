import { STREAM_PATTERN } from '../tokens/stream-pattern.js';
import { readHlsQuery } from './hls-query.js';

export type HlsResource = 'playlist' | 'segment';

export interface HlsUri {
  /** The stream the decision is about: the stream directory (or root playlist name), minus an ABR variant suffix. */
  stream: string;
  /** The stream directory as requested (`live-720p` for an ABR variant of `live`). */
  pathStream: string;
  /**
   * The directory of the requested file exactly as nginx sees it in `$request_uri` (still percent-encoded):
   * `/live` for `/live/live.m3u8`, `/live/720` for `/live/720/720.m3u8`, and `/live` for the root playlist
   * `/live.m3u8`, whose media are under `/live/`. What an edge signature covers: nginx compares it with the
   * directory of segment URIs, without decoding them.
   */
  rawDirectory: string;
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
/** WCS's ABR master playlist name (`hls_manifest_file`): `/<stream>/index.m3u8` names its directory's stream. */
const MASTER_PLAYLIST = 'index';
/** An ABR variant directory inside the stream's (WCS's `/live/720/720.m3u8`): a quality, never another stream's name. */
const QUALITY = /^[0-9]{2,4}p?$/;
/** fMP4 init segments keep ffmpeg's and WCS's fixed names instead of starting with the stream name. */
const INIT_SEGMENT = /^init\.(?:mp4|m4s)$/i;
const SLASH = 0x2f;
const BACKSLASH = 0x5c;
const PERCENT = 0x25;

/** Percent-encoded `.`, `/` or `\` at `at` (a `%`): nginx does not decode them when it matches locations, WCS may. */
function isEncodedSeparator(path: string, at: number): boolean {
  const high = path.charCodeAt(at + 1);
  const low = path.charCodeAt(at + 2) | 0x20;
  return (high === 0x32 && (low === 0x65 || low === 0x66)) || (high === 0x35 && low === 0x63);
}

/**
 * The path's segments, percent-decoded; undefined if one is empty, `.` or `..`, holds `\` or an encoded `.`, `/`,
 * `\`, does not decode, or there are more than MAX_DEPTH. As those encodings are refused, a decoded segment is empty,
 * `.`, `..` or holds `/` or `\` exactly when the segment as written does, so only segments with a `%` are decoded.
 */
function splitPath(path: string): string[] | undefined {
  const segments: string[] = [];
  let start = 1;
  let escaped = false;
  for (let i = 1; i <= path.length; i++) {
    const code = i < path.length ? path.charCodeAt(i) : SLASH;
    if (code === PERCENT) {
      if (isEncodedSeparator(path, i)) return undefined;
      escaped = true;
    } else if (code === BACKSLASH) return undefined;
    if (code !== SLASH) continue;
    const segment = pathSegment(path.slice(start, i), escaped);
    if (segment === undefined || segments.length === MAX_DEPTH) return undefined;
    segments.push(segment);
    start = i + 1;
    escaped = false;
  }
  return segments;
}

function pathSegment(raw: string, escaped: boolean): string | undefined {
  if (raw === '' || raw === '.' || raw === '..') return undefined;
  if (!escaped) return raw;
  try {
    return decodeURIComponent(raw);
  } catch {
    return undefined;
  }
}

/**
 * Reads what the decision needs from the original request URI that nginx forwards (`X-Original-URI`). Returns
 * undefined for anything else. The forms WCS serves:
 *
 * - `/<stream>.m3u8` (the stream at the root, as in WCS's nginx example) and `/<stream>/<stream>.m3u8`;
 * - ABR: the master `/<stream>/index.m3u8`, variants `/<stream>-720p/<stream>-720p.m3u8` or in a quality directory
 *   inside the stream's: `/<stream>/720/720.m3u8`;
 * - media: `/<stream>/<stream>12.ts`, `/<stream>/<stream>3.m4s`, `/<stream>/init.mp4`, LL-HLS parts.
 *
 * Every directory names the same stream (after removing a variant suffix) or is a quality (`720`, `720p`), a
 * playlist's file name is its directory's name (or `index`), and a media file name starts with its directory's name (or is an
 * init segment): a token for `mine` can then never reach another stream through `/mine/other/other.m3u8` or
 * `/mine/other5.ts`, whichever part of the path WCS resolves.
 *
 * Percent-decoded segment by segment; `.`/`..`/empty segments and encoded `.`, `/`, `\` are refused: nginx proxies the
 * URI as the client sent it, so `/other/../live/live.m3u8` must not be authorized as `other` while WCS serves `live`.
 * The shipped nginx config refuses the same URIs itself, before any cache lookup.
 *
 * Runs for every playlist and segment nginx asks about: one pass over the path, no copies it does not return.
 * test/playback/hls-uri-equivalence.test.ts holds it to the slower first version on hostile URIs.
 */
export function parseHlsUri(uri: string, options: HlsUriOptions): HlsUri | undefined {
  if (uri.length > MAX_URI_LENGTH || uri.charCodeAt(0) !== SLASH) return undefined;
  const queryStart = uri.indexOf('?');
  const rawPath = queryStart === -1 ? uri : uri.slice(0, queryStart);
  const segments = splitPath(rawPath);
  if (segments === undefined) return undefined;
  const last = segments.length - 1;
  const file = segments[last] ?? '';
  const dot = file.lastIndexOf('.');
  if (dot <= 0) return undefined;
  const resource = resourceOf(file.slice(dot));
  // The root form names a playlist only: a root-level media file names no directory to check it against.
  if (resource === undefined || (last === 0 && resource !== 'playlist')) return undefined;
  const base = file.slice(0, dot);
  const pathStream = last > 0 ? (segments[0] ?? '') : base;
  if (!STREAM_PATTERN.test(pathStream)) return undefined;
  const stream = streamOf(pathStream, options.variantSuffix);
  for (let i = 1; i < last; i++) {
    const directory = segments[i] ?? '';
    if (streamOf(directory, options.variantSuffix) !== stream && !QUALITY.test(directory)) return undefined;
  }
  const innermost = last > 0 ? (segments[last - 1] ?? '') : base;
  if (resource === 'playlist' && base !== innermost && !(base === MASTER_PLAYLIST && last > 0)) return undefined;
  if (resource === 'segment' && !base.startsWith(innermost) && !INIT_SEGMENT.test(file)) return undefined;

  const query = readHlsQuery(queryStart === -1 ? '' : uri.slice(queryStart + 1), options.tokenParam);
  if (query === 'refused') return undefined;
  // `.` cannot be percent-encoded here (refused above), so the last raw dot is the extension's.
  const rawDirectory = rawPath.slice(0, last > 0 ? rawPath.lastIndexOf('/') : rawPath.lastIndexOf('.'));
  return { stream, pathStream, rawDirectory, resource, token: query.token, appKey: query.appKey };
}

/** The extension's resource; the lower-casing copy only for an extension not already spelled as listed. */
function resourceOf(extension: string): HlsResource | undefined {
  return RESOURCE_BY_EXTENSION.get(extension) ?? RESOURCE_BY_EXTENSION.get(extension.toLowerCase());
}

/** `live-720p` → `live` with the default suffix rule; a suffix that would leave nothing is not removed. */
export function streamOf(pathStream: string, variantSuffix: RegExp | null): string {
  if (variantSuffix === null) return pathStream;
  const base = pathStream.replace(variantSuffix, '');
  return base.length > 0 ? base : pathStream;
}
