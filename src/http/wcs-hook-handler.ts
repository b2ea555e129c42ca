import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Logger } from 'pino';
import { recordDecision, type DecisionContext } from '../observability/decision-log.js';
import { wcsMethodLabel, type Metrics } from '../observability/metrics.js';
import { secondsSince, type RequestTiming } from '../shared/request-state.js';
import { parseStrictJson, readJsonBytes, unsafeJsonRefusal, type BodyRefusal } from '../shared/json-body.js';
import { checkedHeaderEntries, tokenHeaderEntries, type HeaderEntries } from '../shared/http-headers.js';
import { authorizePlayback, type AuthorizeDeps } from '../playback/authorize-playback.js';
import { deny, type Decision } from '../playback/decision.js';
import type { MethodRule } from '../playback/enforced-methods.js';
import { readHookFields, type HookFields } from '../playback/wcs-hook-body.js';
import { isValidWcsSignature } from '../playback/wcs-signature.js';
import { addEntries, answerHeaders, endError, endJson } from './decision-answer.js';

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

/** Answers one hook request; `method` is the decoded last path segment, the request id already set on the response. */
export type WcsHookHandler = (req: IncomingMessage, res: ServerResponse, method: string, request: RequestTiming) => Promise<void>;

/**
 * `POST <base>/<method>`: WCS's REST hooks, answered by the front door (front-door.ts) on plain node:http objects,
 * whatever the spelling of the URL (decision-routes.ts). The body is read as raw bytes because the
 * signature covers the bytes as sent and the allow answer echoes them unchanged; JSON is parsed from those bytes
 * afterwards.
 */
export function createWcsHookHandler(deps: WcsHookDeps): WcsHookHandler {
  const secret = deps.signingSecret === undefined ? undefined : Buffer.from(deps.signingSecret, 'utf8');
  const answers: AnswerSettings = { allowHeaderEntries: checkedHeaderEntries(deps.allowHeaders), exposeDenyReason: deps.exposeDenyReason };
  const readOptions = { limitBytes: deps.bodyLimitBytes, inflate: false };

  return async (req, res, method, { requestId, started }) => {
    const bytes = await readJsonBytes(req, readOptions);
    if (!bytes.ok) return writeRefusal(res, bytes.refusal, requestId);
    const raw = bytes.value;
    const rule = deps.enforcedMethods.get(method);

    // Unsigned or wrongly signed requests did not come from our WCS: refuse them on every method.
    if (secret && !isValidWcsSignature(secret, raw, req.headers.authorization)) {
      const decision = deny('bad_signature');
      recordDecision(deps, decision, contextOf(wcsMethodLabel(method), requestId, undefined), secondsSince(started));
      return writeHookAnswer(res, decision, undefined, requestId, answers);
    }

    const parsedBody = parseStrictJson(raw);
    if (!parsedBody.ok) return writeRefusal(res, parsedBody.refusal, requestId);
    const body = parsedBody.value;
    if (rule === undefined) return endJson(res, 200, answerHeaders(requestId), raw);
    const unsafe = unsafeJsonRefusal(body);
    if (unsafe) return writeRefusal(res, unsafe, requestId);

    const parsed = readHookFields(body, deps.tokenQueryParam, { streamRequired: rule.scope === 'stream' });
    if (!parsed.ok) {
      return endError(res, answerHeaders(requestId), 'validation_failed', `${parsed.field}: ${parsed.message}`, requestId, [
        { field: parsed.field, message: parsed.message },
      ]);
    }
    const fields = parsed.fields;
    const methodLabel = wcsMethodLabel(method);
    const decision = await authorizePlayback(
      fields.token,
      {
        stream: fields.stream,
        appKey: fields.appKey,
        action: rule.action,
        clientIp: fields.clientIp,
        viewerSessionId: fields.mediaSessionId,
        consume: rule.scope === 'stream',
        peerAddress: req.socket.remoteAddress,
        method: methodLabel,
      },
      deps,
    );
    recordDecision(deps, decision, contextOf(methodLabel, requestId, fields), secondsSince(started));
    writeHookAnswer(res, decision, raw, requestId, answers);
  };
}

interface AnswerSettings {
  allowHeaderEntries: HeaderEntries;
  exposeDenyReason: boolean;
}

/**
 * Allow: 200 with the body echoed as received, the received bytes themselves; deny: 403, the reason only in
 * X-Deny-Reason if configured. The bytes, not the decoded text: `res.end` corks the socket and adds an empty
 * final chunk, so the answer is one `writev` either way, and a text body would be encoded back to UTF-8 there.
 */
function writeHookAnswer(res: ServerResponse, decision: Decision, echo: Buffer | undefined, requestId: string, settings: AnswerSettings): void {
  const headers = answerHeaders(requestId);
  // An allow always has the parsed body: bad_signature, decided before the parse, is a deny.
  if (decision.allow && echo !== undefined) {
    addEntries(headers, settings.allowHeaderEntries);
    addEntries(headers, tokenHeaderEntries(decision.headers));
    return endJson(res, 200, headers, echo);
  }
  // The reason stays in our log: telling a caller why a token failed helps whoever is guessing tokens.
  if (settings.exposeDenyReason) headers.push('X-Deny-Reason', decision.reason);
  endError(res, headers, 'forbidden', 'Access denied', requestId);
}

function writeRefusal(res: ServerResponse, refusal: BodyRefusal, requestId: string): void {
  const headers = answerHeaders(requestId);
  // The rest of an oversized or broken body is not read: the connection cannot carry another request.
  if (refusal.unread) headers.push('Connection', 'close');
  endError(res, headers, refusal.code, refusal.message, requestId, refusal.details);
}

/** The decision line's context, in one object literal (one shape for every line). */
function contextOf(method: string, requestId: string, fields: HookFields | undefined): DecisionContext {
  return {
    method,
    stream: fields?.stream,
    appKey: fields?.appKey,
    clientIp: fields?.clientIp,
    viewerSessionId: fields?.mediaSessionId,
    requestId,
  };
}
