import type { RequestHandler } from 'express';
import { sendValidationFailed } from './admin-context.js';

/**
 * The query parameters each admin route reads, by `METHOD path` under `/v1`. Every other parameter on every admin
 * route is refused (400, naming it) rather than ignored: a caller who misspells a filter (`?stat=active`) must not
 * get an unfiltered answer they take for a filtered one. A route missing from this table takes no parameters.
 */
const ADMIN_QUERY_PARAMS: Readonly<Record<string, readonly string[]>> = {
  'GET /tokens': ['limit', 'cursor', 'stream', 'appKey', 'state'],
  'GET /sessions': ['limit', 'cursor', 'stream', 'appKey', 'viewerId', 'tokenId'],
  'GET /streams': ['limit', 'cursor'],
};

/** Refuses query parameters the route does not read; mount it after authentication (401 before 400). */
export function refuseUnknownQueryParams(table: Readonly<Record<string, readonly string[]>> = ADMIN_QUERY_PARAMS): RequestHandler {
  return (req, res, next) => {
    const names = Object.keys(req.query);
    if (names.length === 0) return next();
    // HEAD is answered by the GET route.
    const method = req.method === 'HEAD' ? 'GET' : req.method;
    const path = req.path.length > 1 ? req.path.replace(/\/+$/, '') : req.path;
    const accepted = table[`${method} ${path}`] ?? [];
    // Names come from the caller: a few, cut short, are enough to say what is wrong.
    const unknown = names.filter((name) => !accepted.includes(name)).slice(0, 10).map((name) => (name.length > 64 ? `${name.slice(0, 64)}…` : name));
    if (unknown.length === 0) return next();
    const hint = accepted.length === 0 ? 'this route takes no query parameters' : `this route reads only ${accepted.join(', ')}`;
    sendValidationFailed(
      res,
      unknown.map((name) => ({ field: name, message: `is not a query parameter of this route (${hint})` })),
    );
  };
}
