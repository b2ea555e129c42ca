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
  | { kind: 'hook'; method: string }
  | { kind: 'nginx' }
  /** OPTIONS on a decision path: answered with the methods it takes, as Express answered it. */
  | { kind: 'options'; allow: string }
  /** The hook's method segment is not valid percent-encoded UTF-8. */
  | { kind: 'bad_encoding' }
  /**
   * HEAD on the hook path: left to Express (a 404, or a route of its own under WCS_HOOK_BASE_PATH=/), but counted
   * under the hook's route unless one of Express's matches, as when Express held the hook route.
   */
  | { kind: 'hook_head' };

const NGINX: DecisionMatch = { kind: 'nginx' };
const NGINX_OPTIONS: DecisionMatch = { kind: 'options', allow: 'GET, HEAD' };
const HOOK_OPTIONS: DecisionMatch = { kind: 'options', allow: 'POST' };
const BAD_ENCODING: DecisionMatch = { kind: 'bad_encoding' };
const HOOK_HEAD: DecisionMatch = { kind: 'hook_head' };
const ABSOLUTE_FORM = /^[A-Za-z][A-Za-z0-9+.-]*:\/\/[^/?#]*/;

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
    if (httpMethod === 'POST') return { kind: 'hook', method };
    if (httpMethod === 'OPTIONS') return HOOK_OPTIONS;
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
