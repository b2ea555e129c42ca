import type { IncomingMessage, ServerResponse } from 'node:http';
import { isIP } from 'node:net';
import type { Logger } from 'pino';
import { recordDecision } from '../observability/decision-log.js';
import type { Metrics } from '../observability/metrics.js';
import { IpRangeList, type IpRange } from '../shared/ip-address.js';
import { secondsSince, type RequestState, type RequestTiming } from '../shared/request-state.js';
import { checkedHeaderEntries, isSafeHeaderValue, tokenHeaderEntries, type HeaderEntries } from '../shared/http-headers.js';
import { authorizePlayback, type AuthorizeDeps } from '../playback/authorize-playback.js';
import { deny, type Decision } from '../playback/decision.js';
import { EDGE_EXPIRES_HEADER, EDGE_QUERY_HEADER, EDGE_SIGNATURE_HEADER, signEdge, type EdgeSigningSettings } from '../playback/edge-signature.js';
import { parseHlsUri, type HlsUri } from '../playback/hls-uri.js';
import { proxiedClientIp } from '../playback/proxied-client-ip.js';
import { addEntries, answerHeaders, endEmpty, endError, isPending, settle, type AnswerHeaders, type DecisionOutcome, type Pending } from './decision-answer.js';

export interface NginxAuthDeps extends AuthorizeDeps {
  logger: Logger;
  metrics: Metrics;
  nginxAuthPath: string;
  tokenQueryParam: string;
  trustedProxies: readonly IpRange[];
  nginxStreamVariantSuffix: RegExp | null;
  allowHeaders: Readonly<Record<string, string>>;
  exposeDenyReason: boolean;
  edgeSigning: EdgeSigningSettings | undefined;
  clock: { now(): number };
}

/** Set on every allow answer, so nginx can log or forward which token let the viewer in (`auth_request_set`). */
const TOKEN_ID_HEADER = 'X-Auth-Token-Id';

const READ_METHODS = new Set(['GET', 'HEAD']);
const NO_ORIGINAL_URI = 'X-Original-URI: header is required (proxy_set_header X-Original-URI $request_uri)';
const NO_ORIGINAL_URI_DETAILS = [{ field: 'X-Original-URI', message: 'header is required' }];

/** Answers one auth_request subrequest and reports to `outcome` once done (see DecisionOutcome). */
export type NginxAuthHandler = (req: IncomingMessage, res: ServerResponse, state: RequestState, outcome: DecisionOutcome) => void;

/** A request header as one string (node keeps only Set-Cookie as an array). */
function header(req: IncomingMessage, name: string): string | undefined {
  const value = req.headers[name];
  return Array.isArray(value) ? value.join(', ') : value;
}

/**
 * `GET <NGINX_AUTH_PATH>`: the target of nginx's `auth_request`. nginx describes the viewer's request in headers
 * (`X-Original-URI`, `X-Original-Method`, `X-Real-IP`); the answer is 204 (allow), 401 (no token) or 403 (denied),
 * the only statuses auth_request understands. The decision is the WCS hook's, with `method` = `nginx` in logs and
 * metrics. On plain node:http objects, like the WCS hook: the front door answers it without Express (every playlist
 * and segment fetch behind nginx asks it).
 */
export function createNginxAuthHandler(deps: NginxAuthDeps): NginxAuthHandler {
  const nginx: Nginx = {
    deps,
    trustedProxies: new IpRangeList(deps.trustedProxies),
    allowHeaderEntries: checkedHeaderEntries(deps.allowHeaders),
    uriOptions: { tokenParam: deps.tokenQueryParam, variantSuffix: deps.nginxStreamVariantSuffix },
  };
  return (req, res, state, outcome) => {
    let pending: Pending;
    try {
      pending = answerNginx(nginx, req, res, state);
    } catch (error) {
      return outcome.failed(res, state, error);
    }
    settle(outcome, res, state, pending);
  };
}

/** An nginx handler's settings, made once. */
interface Nginx {
  deps: NginxAuthDeps;
  trustedProxies: IpRangeList;
  allowHeaderEntries: HeaderEntries;
  uriOptions: { tokenParam: string; variantSuffix: RegExp | null };
}

/** Answers at once, or returns a promise while the decision waits for the store. */
function answerNginx(nginx: Nginx, req: IncomingMessage, res: ServerResponse, request: RequestTiming): Pending {
  const { deps, trustedProxies } = nginx;
  const { requestId } = request;
  const originalUri = header(req, 'x-original-uri');
  if (originalUri === undefined || originalUri === '') {
    // A misconfigured nginx, not a viewer: nginx reports this status as an error and the viewer gets a 500.
    return endError(res, answerHeaders(requestId), 'validation_failed', NO_ORIGINAL_URI, requestId, NO_ORIGINAL_URI_DETAILS);
  }
  const method = (header(req, 'x-original-method') ?? 'GET').toUpperCase();
  const clientIp = proxiedClientIp(
    req.socket.remoteAddress,
    { realIp: header(req, 'x-real-ip'), forwardedFor: header(req, 'x-forwarded-for') },
    trustedProxies,
  );
  const hls = parseHlsUri(originalUri, nginx.uriOptions);
  // One id for a viewer's playlist fetches and the segments they list: the (base) stream and the viewer's
  // address. WCS's `sessionId` parameter cannot serve: it appears only in the segment URIs WCS writes, never in
  // the playlist fetch that starts the session, so it would split one viewer into two sessions (and a limited
  // token would then refuse the viewer's own segments).
  const viewerSessionId = hls && clientIp !== undefined ? `${hls.stream}@${clientIp}` : undefined;
  const asked: Asked = { req, res, request, hls, clientIp, viewerSessionId };

  if (!READ_METHODS.has(method)) return answerDecision(nginx, asked, deny('method_not_allowed'));
  if (hls === undefined) return answerDecision(nginx, asked, deny('unrecognized_uri'));
  const decision = authorizePlayback(
    hls.token,
    { stream: hls.stream, appKey: hls.appKey, action: 'play', clientIp, viewerSessionId, consume: hls.resource === 'playlist', method: 'nginx' },
    deps,
  );
  // A plain Decision (the memory store answered at once) is answered now; a promise when it settles.
  if (isPending(decision)) return decision.then((settled) => answerDecision(nginx, asked, settled));
  return answerDecision(nginx, asked, decision);
}

/** What nginx asked about, as read from its headers. */
interface Asked {
  req: IncomingMessage;
  res: ServerResponse;
  request: RequestTiming;
  hls: HlsUri | undefined;
  clientIp: string | undefined;
  viewerSessionId: string | undefined;
}

function answerDecision(nginx: Nginx, asked: Asked, decision: Decision): void {
  const { deps, trustedProxies } = nginx;
  const { req, hls, clientIp, request } = asked;
  // Answer first, then the log line and metrics, with the duration up to the answer (as the hook's answerDecision).
  const durationSeconds = secondsSince(request.started);
  const edge =
    hls?.resource === 'playlist' && deps.edgeSigning !== undefined
      ? { hls, remoteAddr: nginxRemoteAddr(req, header(req, 'x-real-ip'), trustedProxies, clientIp) }
      : undefined;
  writeNginxAnswer(asked.res, decision, request.requestId, edge, nginx.allowHeaderEntries, deps);
  recordDecision(
    deps,
    decision,
    {
      method: 'nginx',
      stream: hls?.stream,
      appKey: hls?.appKey,
      clientIp,
      viewerSessionId: asked.viewerSessionId,
      requestId: request.requestId,
      resource: hls?.resource,
    },
    durationSeconds,
  );
}

/** 204 (allow), 401 (no token) or 403: the only statuses auth_request understands. */
function writeNginxAnswer(
  res: ServerResponse,
  decision: Decision,
  requestId: string,
  edge: EdgeContext | undefined,
  allowHeaderEntries: HeaderEntries,
  deps: NginxAuthDeps,
): void {
  const headers = answerHeaders(requestId);
  if (decision.allow) {
    addEntries(headers, allowHeaderEntries);
    addEntries(headers, tokenHeaderEntries(decision.headers));
    // A JWT's jti is any string: one with a control or non-ASCII character would make writeHead throw (a 500).
    if (decision.tokenId !== null && isSafeHeaderValue(decision.tokenId)) headers.push(TOKEN_ID_HEADER, decision.tokenId);
    if (edge !== undefined) addEdgeHeaders(headers, decision.tokenId, edge, deps);
    return endEmpty(res, 204, headers);
  }
  if (deps.exposeDenyReason) headers.push('X-Deny-Reason', decision.reason);
  // nginx turns our 401 into the viewer's 401 and our 403 into a 403; any other status would become a 500.
  if (decision.reason === 'missing_token') return endError(res, headers, 'unauthorized', 'A token is required', requestId);
  endError(res, headers, 'forbidden', 'Access denied', requestId);
}

interface EdgeContext {
  hls: HlsUri;
  remoteAddr: string | undefined;
}

/**
 * The viewer's address as nginx's `$remote_addr` spells it, which `secure_link_md5` puts into the string it checks:
 * X-Real-IP as received from a trusted proxy (not normalized, or the strings would differ), else the peer itself.
 */
function nginxRemoteAddr(req: IncomingMessage, realIp: string | undefined, trusted: IpRangeList, clientIp: string | undefined) {
  const peerTrusted = clientIp !== undefined && trusted.includesAddress(req.socket.remoteAddress);
  const raw = realIp?.trim();
  return peerTrusted && raw !== undefined && isIP(raw) ? raw : clientIp;
}

/**
 * An allowed playlist, with EDGE_SIGNING_SECRET set: a signature nginx checks on this viewer's segments by itself
 * (secure_link), so segments cost no call. The playlist itself is always decided here, which is what keeps
 * revocation and session limits working: a revoked viewer gets no new signature at the next playlist fetch, and
 * the last one expires after EDGE_SIGNATURE_TTL_SECONDS.
 */
function addEdgeHeaders(headers: AnswerHeaders, tokenId: string | null, edge: EdgeContext, deps: NginxAuthDeps): void {
  if (deps.edgeSigning === undefined) return;
  const signed = signEdge(
    { rawDirectory: edge.hls.rawDirectory, tokenId, remoteAddr: edge.remoteAddr, nowSeconds: Math.floor(deps.clock.now() / 1000) },
    deps.edgeSigning,
  );
  if (signed === undefined) return;
  headers.push(EDGE_QUERY_HEADER, signed.query, EDGE_SIGNATURE_HEADER, signed.signature, EDGE_EXPIRES_HEADER, String(signed.expires));
}
