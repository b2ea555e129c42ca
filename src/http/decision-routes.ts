import { SERVED_PATHS } from '../config/served-paths.js';

/**
 * Which decision route a request is for, whatever the spelling of its URL. The decision paths are matched here
 * only (Express holds no route for them), accepting every spelling Express's routing accepted before the paths
 * moved in front of it, so no caller of the hook or of nginx's auth_request sees another answer:
 * - the letter case of the path is ignored (`/WCS/playHLS`, `/NGINX/AUTH`);
 * - one trailing slash is ignored (`/wcs/playHLS/`, `/nginx/auth/`), two are not;
 * - the hook's method segment is percent-decoded (`/wcs/play%48LS` is `playHLS`; a malformed escape is a 400),
 *   while the fixed parts of both paths are compared as sent (`/nginx/%61uth` is not the nginx path);
 * - a request in absolute form (`POST http://host/wcs/playHLS`) is matched on its path; the query is ignored.
 */
export type DecisionMatch =
  /** POST on the hook path: the decoded method segment (a string, so that a hook request allocates no match). */
  | string
  | typeof NGINX
  /** OPTIONS on a decision path: answered with the methods it takes, as Express answered it. */
  | DecisionOptions
  /** The hook's method segment is not valid percent-encoded UTF-8. */
  | typeof BAD_ENCODING
  /**
   * HEAD on the hook path: left to Express (a 404, or a route of its own under WCS_HOOK_BASE_PATH=/), but counted
   * under the hook's route unless one of Express's matches, as when Express held the hook route.
   */
  | typeof HOOK_HEAD;

export interface DecisionOptions {
  readonly kind: 'options';
  readonly allow: string;
}

export const NGINX = Object.freeze({ kind: 'nginx' as const });
export const BAD_ENCODING = Object.freeze({ kind: 'bad_encoding' as const });
export const HOOK_HEAD = Object.freeze({ kind: 'hook_head' as const });
const NGINX_OPTIONS: DecisionOptions = Object.freeze({ kind: 'options', allow: 'GET, HEAD' });
const HOOK_OPTIONS: DecisionOptions = Object.freeze({ kind: 'options', allow: 'POST' });
const ABSOLUTE_FORM = /^[A-Za-z][A-Za-z0-9+.-]*:\/\/[^/?#]*/;
/**
 * The app's own one-segment paths (`healthz`, `metrics`, `v1`, …), lower case. Under WCS_HOOK_BASE_PATH=/ every
 * one-segment path is a hook path, and these are the ones the app also serves: OPTIONS on them is the app's
 * (`Allow: GET, HEAD` on /healthz), not the hook's `Allow: POST`. Matched as Express matches its routes: any
 * letter case, one trailing slash, no percent-decoding.
 */
const SERVED_SEGMENTS: ReadonlySet<string> = new Set(
  SERVED_PATHS.filter((path) => path.lastIndexOf('/') === 0).map((path) => path.slice(1).toLowerCase()),
);

export interface DecisionPaths {
  /** WCS_HOOK_BASE_PATH, as config.ts gives it (no trailing slash unless it is `/`). */
  hookBasePath: string;
  /** NGINX_AUTH_PATH, as config.ts gives it. */
  nginxAuthPath: string;
}

export class DecisionRoutes {
  /** The metrics labels (route templates), as Express named these routes. */
  readonly hookRoute: string;
  readonly nginxRoute: string;
  private readonly hookPrefix: string;
  private readonly hookPrefixLower: string;
  private readonly nginxPath: string;
  private readonly nginxPathLower: string;

  constructor(paths: DecisionPaths) {
    this.hookPrefix = paths.hookBasePath === '/' ? '/' : `${paths.hookBasePath}/`;
    this.hookPrefixLower = this.hookPrefix.toLowerCase();
    this.hookRoute = `${this.hookPrefix}:method`;
    this.nginxPath = paths.nginxAuthPath;
    this.nginxPathLower = paths.nginxAuthPath.toLowerCase();
    this.nginxRoute = paths.nginxAuthPath;
  }

  /** The decision route of `httpMethod url`; undefined = not a decision request (Express answers it). */
  match(httpMethod: string, url: string): DecisionMatch | undefined {
    const path = pathOf(url);
    if (path === undefined) return undefined;
    // nginx first: NGINX_AUTH_PATH may sit under WCS_HOOK_BASE_PATH, and there it takes GET, HEAD and OPTIONS.
    if (httpMethod !== 'POST' && this.isNginxPath(path)) {
      if (httpMethod === 'GET' || httpMethod === 'HEAD') return NGINX;
      if (httpMethod === 'OPTIONS') return NGINX_OPTIONS;
      return undefined;
    }
    const segment = this.hookSegment(path);
    if (segment === undefined) return undefined;
    let method = segment;
    if (segment.includes('%')) {
      try {
        method = decodeURIComponent(segment);
      } catch {
        // Express's router refused such a path for every method, before looking for a route.
        return BAD_ENCODING;
      }
    }
    if (httpMethod === 'POST') return method;
    if (httpMethod === 'OPTIONS') return this.hookPrefix === '/' && SERVED_SEGMENTS.has(segment.toLowerCase()) ? undefined : HOOK_OPTIONS;
    return httpMethod === 'HEAD' ? HOOK_HEAD : undefined;
  }

  private isNginxPath(path: string): boolean {
    if (path === this.nginxPath) return true;
    const length = this.nginxPath.length;
    if (path.length !== length && !(path.length === length + 1 && path.endsWith('/'))) return false;
    return path.slice(0, length).toLowerCase() === this.nginxPathLower;
  }

  /** The (still encoded) method segment of `<base>/<method>[/]`; undefined for any other path. */
  private hookSegment(path: string): string | undefined {
    const prefix = this.hookPrefix;
    if (!path.startsWith(prefix) && path.slice(0, prefix.length).toLowerCase() !== this.hookPrefixLower) return undefined;
    const end = path.endsWith('/') && path.length > prefix.length ? path.length - 1 : path.length;
    if (end === prefix.length) return undefined;
    const slash = path.indexOf('/', prefix.length);
    if (slash !== -1 && slash < end) return undefined;
    return path.slice(prefix.length, end);
  }
}

/** The path of a request target (origin or absolute form), without its query; undefined for `*` and the like. */
function pathOf(url: string): string | undefined {
  let path = url;
  if (url.charCodeAt(0) !== 0x2f /* / */) {
    const origin = ABSOLUTE_FORM.exec(url);
    if (origin === null) return undefined;
    path = url.slice(origin[0].length) || '/';
  }
  const query = path.indexOf('?');
  return query === -1 ? path : path.slice(0, query);
}
