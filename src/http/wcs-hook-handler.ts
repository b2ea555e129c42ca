import { isUtf8 } from 'node:buffer';
import type { IncomingMessage, ServerResponse } from 'node:http';
import getRawBody from 'raw-body';
import type { Logger } from 'pino';
import { recordDecision } from '../observability/decision-log.js';
import { wcsMethodLabel, type Metrics } from '../observability/metrics.js';
import type { ErrorCode } from '../shared/app-error.js';
import { isJsonRequest, NOT_JSON_MESSAGE, writeError, writeJson } from '../shared/http.js';
import { checkedHeaderEntries, setTokenHeaders } from '../shared/http-headers.js';
import { findUnsafeJson } from '../shared/json-safety.js';
import { authorizePlayback, type AuthorizeDeps } from '../playback/authorize-playback.js';
import { deny, type Decision } from '../playback/decision.js';
import type { MethodRule } from '../playback/enforced-methods.js';
import { readHookFields } from '../playback/wcs-hook-body.js';
import { isValidWcsSignature } from '../playback/wcs-signature.js';

export interface WcsHookDeps extends AuthorizeDeps {
  logger: Logger;
  metrics: Metrics;
  tokenQueryParam: string;
  signingSecret: string | undefined;
  allowHeaders: Readonly<Record<string, string>>;
  exposeDenyReason: boolean;
  bodyLimitBytes: number;
  /** Methods whose token is checked, and how (ENFORCED_METHODS). Every other method is echoed. */
  enforcedMethods: ReadonlyMap<string, MethodRule>;
}

/** Answers one hook request; `method` is the last path segment, `requestId` already set on the response. */
export type WcsHookHandler = (req: IncomingMessage, res: ServerResponse, method: string, requestId: string) => Promise<void>;

/**
 * `POST <base>/<method>`: WCS's REST hooks, answered by the front door (front-door.ts) on plain node:http objects,
 * whatever the spelling of the URL (decision-routes.ts). The body is read as raw bytes because the
 * signature covers the bytes as sent and the allow answer echoes them unchanged; JSON is parsed from those bytes
 * afterwards.
 */
export function createWcsHookHandler(deps: WcsHookDeps): WcsHookHandler {
  const secret = deps.signingSecret === undefined ? undefined : Buffer.from(deps.signingSecret, 'utf8');
  const allowHeaderEntries = checkedHeaderEntries(deps.allowHeaders);

  const answerDecision = (res: ServerResponse, decision: Decision, raw: Buffer, requestId: string) => {
    if (decision.allow) {
      for (const [name, value] of allowHeaderEntries) res.setHeader(name, value);
      setTokenHeaders(res, decision.headers);
      writeJson(res, 200, raw);
      return;
    }
    // The reason stays in our log: telling a caller why a token failed helps whoever is guessing tokens.
    if (deps.exposeDenyReason) res.setHeader('X-Deny-Reason', decision.reason);
    writeError(res, 'forbidden', 'Access denied', requestId);
  };

  return async (req, res, method, requestId) => {
    const started = process.hrtime.bigint();
    if (!isJsonRequest(req)) return writeError(res, 'unsupported_media_type', NOT_JSON_MESSAGE, requestId);
    const encoding = req.headers['content-encoding'];
    if (encoding !== undefined && encoding.toLowerCase() !== 'identity') {
      return writeError(res, 'unsupported_media_type', 'Content-Encoding is not supported: send the body uncompressed', requestId);
    }
    let raw: Buffer;
    try {
      raw = await getRawBody(req, { length: req.headers['content-length'], limit: deps.bodyLimitBytes });
    } catch (error) {
      return writeBodyError(res, error, requestId);
    }
    const rule = deps.enforcedMethods.get(method);
    const elapsedSeconds = () => Number(process.hrtime.bigint() - started) / 1e9;

    // Unsigned or wrongly signed requests did not come from our WCS: refuse them on every method.
    if (secret && !isValidWcsSignature(secret, raw, req.headers.authorization)) {
      const decision = deny('bad_signature');
      recordDecision(deps, decision, contextOf(method, requestId), elapsedSeconds());
      return answerDecision(res, decision, raw, requestId);
    }

    // Decoding would replace invalid bytes with U+FFFD: a token would then be compared in a form nobody sent.
    if (!isUtf8(raw)) return writeError(res, 'invalid_json', 'Request body is not valid UTF-8', requestId);
    let body: unknown;
    try {
      body = JSON.parse(raw.toString('utf8'));
    } catch {
      return writeError(res, 'invalid_json', 'Request body is not valid JSON', requestId);
    }
    if (rule === undefined) return writeJson(res, 200, raw);
    const unsafe = findUnsafeJson(body);
    if (unsafe) return writeError(res, 'validation_failed', `${unsafe.field}: ${unsafe.message}`, requestId, [unsafe]);

    const parsed = readHookFields(body, deps.tokenQueryParam, { streamRequired: rule.scope === 'stream' });
    if (!parsed.ok) {
      return writeError(res, 'validation_failed', `${parsed.field}: ${parsed.message}`, requestId, [
        { field: parsed.field, message: parsed.message },
      ]);
    }
    const { stream, appKey, token, clientIp, mediaSessionId } = parsed.fields;
    const decision = await authorizePlayback(
      token,
      {
        stream,
        appKey,
        action: rule.action,
        clientIp,
        viewerSessionId: mediaSessionId,
        consume: rule.scope === 'stream',
        peerAddress: req.socket.remoteAddress,
        method: wcsMethodLabel(method),
      },
      deps,
    );
    recordDecision(
      deps,
      decision,
      { ...contextOf(method, requestId), stream, appKey, clientIp, viewerSessionId: mediaSessionId },
      elapsedSeconds(),
    );
    answerDecision(res, decision, raw, requestId);
  };
}

/** raw-body's errors (http-errors with a `type`), as body-parser's were answered before. */
function writeBodyError(res: ServerResponse, error: unknown, requestId: string): void {
  const type = (error as { type?: unknown } | null)?.type;
  const [code, message]: [ErrorCode, string] =
    type === 'entity.too.large'
      ? ['payload_too_large', 'Request body is larger than the configured limit']
      : ['invalid_json', 'Request body could not be read'];
  // The rest of an oversized or broken body is not read: the connection cannot carry another request.
  res.setHeader('Connection', 'close');
  writeError(res, code, message, requestId);
}

function contextOf(method: string, requestId: string) {
  return {
    method: wcsMethodLabel(method),
    stream: undefined,
    appKey: undefined,
    clientIp: undefined,
    viewerSessionId: undefined,
    requestId,
  };
}
