import { Router, type Request, type Response } from 'express';
import type { Logger } from 'pino';
import { recordDecision } from '../observability/decision-log.js';
import type { Metrics } from '../observability/metrics.js';
import { IpRangeList, type IpRange } from '../shared/ip-address.js';
import { requestIdOf, sendError } from '../shared/http.js';
import { authorizePlayback, type AuthorizeDeps } from './authorize-playback.js';
import { deny, type Decision } from './decision.js';
import { parseHlsUri } from './hls-uri.js';
import { proxiedClientIp } from './proxied-client-ip.js';

export interface NginxAuthDeps extends AuthorizeDeps {
  logger: Logger;
  metrics: Metrics;
  nginxAuthPath: string;
  tokenQueryParam: string;
  trustedProxies: readonly IpRange[];
  nginxStreamVariantSuffix: RegExp | null;
  allowHeaders: Readonly<Record<string, string>>;
  exposeDenyReason: boolean;
}

/** Set on every allow answer, so nginx can log or forward which token let the viewer in (`auth_request_set`). */
export const TOKEN_ID_HEADER = 'X-Auth-Token-Id';

const READ_METHODS = new Set(['GET', 'HEAD']);

/**
 * `GET <NGINX_AUTH_PATH>`: the target of nginx's `auth_request`. nginx describes the viewer's request in headers
 * (`X-Original-URI`, `X-Original-Method`, `X-Real-IP`); the answer is 204 (allow), 401 (no token) or 403 (denied),
 * the only statuses auth_request understands. The decision is the WCS hook's, with `method` = `nginx` in logs and
 * metrics.
 */
export function createNginxAuthRouter(deps: NginxAuthDeps): Router {
  const router = Router();
  const trustedProxies = new IpRangeList(deps.trustedProxies);
  const allowHeaderEntries = Object.entries(deps.allowHeaders);
  const uriOptions = { tokenParam: deps.tokenQueryParam, variantSuffix: deps.nginxStreamVariantSuffix };

  const answer = (res: Response, decision: Decision) => {
    if (decision.allow) {
      for (const [name, value] of allowHeaderEntries) res.setHeader(name, value);
      for (const [name, value] of Object.entries(decision.headers)) res.setHeader(name, value);
      if (decision.tokenId !== null) res.setHeader(TOKEN_ID_HEADER, decision.tokenId);
      res.status(204).end();
      return;
    }
    if (deps.exposeDenyReason) res.setHeader('X-Deny-Reason', decision.reason);
    // nginx turns our 401 into the viewer's 401 and our 403 into a 403; any other status would become a 500.
    if (decision.reason === 'missing_token') return sendError(res, 'unauthorized', 'A token is required');
    sendError(res, 'forbidden', 'Access denied');
  };

  router.get(deps.nginxAuthPath, async (req: Request, res: Response) => {
    const started = process.hrtime.bigint();
    const originalUri = req.get('x-original-uri');
    if (originalUri === undefined || originalUri === '') {
      // A misconfigured nginx, not a viewer: nginx reports this status as an error and the viewer gets a 500.
      return sendError(res, 'validation_failed', 'X-Original-URI: header is required (proxy_set_header X-Original-URI $request_uri)', [
        { field: 'X-Original-URI', message: 'header is required' },
      ]);
    }
    const method = (req.get('x-original-method') ?? 'GET').toUpperCase();
    const clientIp = proxiedClientIp(
      req.socket.remoteAddress,
      { realIp: req.get('x-real-ip'), forwardedFor: req.get('x-forwarded-for') },
      trustedProxies,
    );
    const hls = parseHlsUri(originalUri, uriOptions);
    // One id for a viewer's playlist fetches and the segments they list: the (base) stream and the viewer's
    // address. WCS's `sessionId` parameter cannot serve: it appears only in the segment URIs WCS writes, never in
    // the playlist fetch that starts the session, so it would split one viewer into two sessions (and a limited
    // token would then refuse the viewer's own segments).
    const viewerSessionId = hls && clientIp !== undefined ? `${hls.stream}@${clientIp}` : undefined;

    let decision: Decision;
    if (!READ_METHODS.has(method)) decision = deny('method_not_allowed');
    else if (hls === undefined) decision = deny('unrecognized_uri');
    else {
      decision = await authorizePlayback(
        hls.token,
        { stream: hls.stream, appKey: hls.appKey, action: 'play', clientIp, viewerSessionId, consume: hls.resource === 'playlist' },
        deps,
      );
    }
    recordDecision(
      deps,
      decision,
      {
        method: 'nginx',
        stream: hls?.stream,
        appKey: hls?.appKey,
        clientIp,
        viewerSessionId,
        requestId: requestIdOf(res),
        resource: hls?.resource,
      },
      Number(process.hrtime.bigint() - started) / 1e9,
    );
    answer(res, decision);
  });
  return router;
}
