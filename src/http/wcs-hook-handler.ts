import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Logger } from 'pino';
import { recordDecision, type DecisionContext } from '../observability/decision-log.js';
import { wcsMethodLabel, type Metrics } from '../observability/metrics.js';
import { secondsSince, type RequestState, type RequestTiming } from '../shared/request-state.js';
import { parseStrictJson, readJsonBytesThen, unsafeJsonRefusal, type BodyRefusal } from '../shared/json-body.js';
import { checkedHeaderEntries, tokenHeaderEntries, type HeaderEntries } from '../shared/http-headers.js';
import { mayHoldUnsafeJson } from '../shared/json-safety.js';
import { authorizePlayback, type AuthorizeDeps } from '../playback/authorize-playback.js';
import { deny, type Decision } from '../playback/decision.js';
import type { MethodRule } from '../playback/enforced-methods.js';
import { readHookFields, type HookFields } from '../playback/wcs-hook-body.js';
import { isValidWcsSignature } from '../playback/wcs-signature.js';
import { addEntries, answerHeaders, endError, endJson, isPending, settle, type DecisionOutcome, type Pending } from './decision-answer.js';

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

/**
 * Answers one hook request; `method` is the decoded last path segment. Reports to `outcome` once done (see
 * DecisionOutcome): from inside the body's 'end' listener when the decision needed no promise.
 */
export type WcsHookHandler = (req: IncomingMessage, res: ServerResponse, method: string, state: RequestState, outcome: DecisionOutcome) => void;

/**
 * `POST <base>/<method>`: WCS's REST hooks, answered by the front door (front-door.ts) on plain node:http objects,
 * whatever the spelling of the URL (decision-routes.ts). The body is read as raw bytes because the
 * signature covers the bytes as sent and the allow answer echoes them unchanged; JSON is parsed from those bytes
 * afterwards.
 */
export function createWcsHookHandler(deps: WcsHookDeps): WcsHookHandler {
  const hook: Hook = {
    deps,
    secret: deps.signingSecret === undefined ? undefined : Buffer.from(deps.signingSecret, 'utf8'),
    answers: { allowHeaderEntries: checkedHeaderEntries(deps.allowHeaders), exposeDenyReason: deps.exposeDenyReason },
  };
  const readOptions = { limitBytes: deps.bodyLimitBytes, inflate: false };

  return (req, res, method, state, outcome) => {
    readJsonBytesThen(req, readOptions, (bytes) => {
      // Inside the body's 'end' listener: a throw must become the 500 here, not an uncaught exception.
      let pending: Pending;
      try {
        pending = bytes.ok ? answerBody(hook, req, res, method, state, bytes.value) : writeRefusal(res, bytes.refusal, state.requestId);
      } catch (error) {
        return outcome.failed(res, state, error);
      }
      settle(outcome, res, state, pending);
    });
  };
}

/** A hook handler's settings, made once. */
interface Hook {
  deps: WcsHookDeps;
  secret: Buffer | undefined;
  answers: AnswerSettings;
}

/** Everything after the body was read; a promise only while the decision waits for the store. */
function answerBody(hook: Hook, req: IncomingMessage, res: ServerResponse, method: string, request: RequestTiming, raw: Buffer): Pending {
  const { deps, secret } = hook;
  const { requestId } = request;
  // Unsigned or wrongly signed requests did not come from our WCS: refuse them on every method.
  if (secret && !isValidWcsSignature(secret, raw, req.headers.authorization)) {
    const decision = deny('bad_signature');
    const durationSeconds = secondsSince(request.started);
    writeHookAnswer(res, decision, undefined, requestId, hook.answers);
    return recordDecision(deps, decision, contextOf(wcsMethodLabel(method), requestId, undefined), durationSeconds);
  }

  const parsedBody = parseStrictJson(raw);
  if (!parsedBody.ok) return writeRefusal(res, parsedBody.refusal, requestId);
  const body = parsedBody.value;
  const rule = deps.enforcedMethods.get(method);
  if (rule === undefined) return endJson(res, 200, answerHeaders(requestId), raw);
  // The walk over the parsed body only when its text could hold what it looks for (mayHoldUnsafeJson).
  const unsafe = mayHoldUnsafeJson(parsedBody.text) ? unsafeJsonRefusal(body) : undefined;
  if (unsafe) return writeRefusal(res, unsafe, requestId);

  const parsed = readHookFields(body, deps.tokenQueryParam, { streamRequired: rule.scope === 'stream' });
  if (!parsed.ok) {
    return endError(res, answerHeaders(requestId), 'validation_failed', `${parsed.field}: ${parsed.message}`, requestId, [
      { field: parsed.field, message: parsed.message },
    ]);
  }
  const fields = parsed.fields;
  const methodLabel = wcsMethodLabel(method);
  const decision = authorizePlayback(
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
  // A plain Decision (the memory store answered at once) is answered now; a promise when it settles.
  if (isPending(decision)) return decision.then((settled) => answerDecision(hook, res, raw, request, methodLabel, fields, settled));
  return answerDecision(hook, res, raw, request, methodLabel, fields, decision);
}

/**
 * The answer goes out first, the decision's log line and metrics after it: they are not part of the answer, and on a
 * caller that waits for each answer (one connection) their cost would otherwise add to every request's latency.
 * The duration recorded is still the decision's, up to the answer.
 */
function answerDecision(hook: Hook, res: ServerResponse, raw: Buffer, request: RequestTiming, method: string, fields: HookFields, decision: Decision): void {
  const durationSeconds = secondsSince(request.started);
  writeHookAnswer(res, decision, raw, request.requestId, hook.answers);
  recordDecision(hook.deps, decision, contextOf(method, request.requestId, fields), durationSeconds);
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
