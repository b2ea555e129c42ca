/**
 * Every path the app answers besides the two decision routes: health, metrics, JWKS, and the admin API, which is
 * all of `/v1`. The decision paths are checked against this list (below); add a route here when the app gains one.
 */
export const SERVED_PATHS: readonly string[] = ['/healthz', '/readyz', '/metrics', '/.well-known/jwks.json', '/v1'];

/** The spelling routes are matched in: letters in any case, trailing slashes ignored. */
function normalisedPath(path: string): string {
  return path.toLowerCase().replace(/\/+$/, '') || '/';
}

/**
 * Why a decision path (WCS_HOOK_BASE_PATH, NGINX_AUTH_PATH) would shadow a served route, or undefined. One path has
 * one owner whatever the method, so a decision path may not equal a served path, contain one (the hook answers
 * every `<base>/<method>`) or lie inside one. The root is the exception: it contains everything, and the hook at
 * `/` (POST /<method>, one segment) or nginx's check at `GET /` meet no served route.
 */
export function servedPathClash(path: string, defaultPath: string): string | undefined {
  const wanted = normalisedPath(path);
  if (wanted === '/') return undefined;
  const choose = `choose another path (default ${defaultPath})`;
  for (const served of SERVED_PATHS) {
    if (wanted === served) return `${path} is the service's own endpoint${path === served ? '' : ` ${served}`}; ${choose}`;
    if (served.startsWith(`${wanted}/`)) return `${path} contains the service's own endpoint ${served}; ${choose}`;
    if (wanted.startsWith(`${served}/`)) return `${path} lies inside the service's own ${served}; ${choose}`;
  }
  return undefined;
}
