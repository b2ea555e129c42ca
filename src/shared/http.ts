import { randomUUID } from 'node:crypto';
import type { ServerResponse } from 'node:http';
import type { ErrorRequestHandler, NextFunction, Request, RequestHandler, Response } from 'express';
import type { Logger } from 'pino';
import { AppError, ERROR_STATUS, type ErrorCode } from './app-error.js';
import { declaredUtfCharset, drain, isJsonRequest, NOT_JSON_MESSAGE, parseJsonBytes, readJsonBytes, unsafeJsonRefusal, UNSUPPORTED_ENCODING, type BodyRefusal } from './json-body.js';
import { requestStateOf, setRequestState } from './request-state.js';
import { ADMIN_SECURITY_HEADERS, NO_SNIFF_HEADER } from './security-headers.js';

const INCOMING_REQUEST_ID = /^[A-Za-z0-9._:-]{1,128}$/;

/** A caller's X-Request-Id when it is sane (so WCS or nginx logs can be joined with ours), else a new one. */
export function requestIdFrom(incoming: string | string[] | undefined): string {
  return typeof incoming === 'string' && INCOMING_REQUEST_ID.test(incoming) ? incoming : randomUUID();
}

/**
 * The request id alone, for an Express app without the front door (the METRICS_PORT app): the front door gives
 * every other request its id itself.
 */
export const requestId: RequestHandler = (req, res, next) => {
  const id = requestIdFrom(req.headers['x-request-id']);
  setRequestState(res, { requestId: id, started: 0, method: req.method, route: undefined });
  res.setHeader('X-Request-Id', id);
  next();
};

/** The request id the front door gave this request (X-Request-Id), for error bodies and log lines. */
export function requestIdOf(res: ServerResponse): string {
  return requestStateOf(res)?.requestId ?? '';
}

export function sendError(res: Response, code: ErrorCode, message: string, details?: unknown): void {
  writeError(res, code, message, requestIdOf(res), details);
}

/** `Retry-After` of a 503 store_unavailable answer. */
const STORE_RETRY_AFTER_SECONDS = '1';

/** The error answer of every route, `{error:{code,message,requestId,details?}}`, on a plain node:http response. */
export function writeError(res: ServerResponse, code: ErrorCode, message: string, requestId: string, details?: unknown): void {
  // A store that did not answer may well answer the next try: say when, rather than leave clients to guess (or to
  // retry at once, in a loop, against a store that is struggling).
  if (code === 'store_unavailable') res.setHeader('Retry-After', STORE_RETRY_AFTER_SECONDS);
  writeJson(res, ERROR_STATUS[code], errorBody(code, message, requestId, details));
}

/** The body of an error answer. */
export function errorBody(code: ErrorCode, message: string, requestId: string, details?: unknown): string {
  return JSON.stringify({ error: { code, message, requestId, ...(details ? { details } : {}) } });
}

export const JSON_CONTENT_TYPE = 'application/json; charset=utf-8';

/** What Express's res.json writes (status, `application/json; charset=utf-8`, Content-Length), without Express. */
export function writeJson(res: ServerResponse, status: number, json: string | Buffer): void {
  res.statusCode = status;
  res.setHeader('Content-Type', JSON_CONTENT_TYPE);
  res.setHeader('Content-Length', typeof json === 'string' ? Buffer.byteLength(json) : json.length);
  res.end(json);
}

/** 415 unless the request says it carries JSON. */
export const requireJson: RequestHandler = (req, res, next) => {
  if (isJsonRequest(req)) return next();
  sendError(res, 'unsupported_media_type', NOT_JSON_MESSAGE);
};

/**
 * The admin API's JSON body, read by the same reader as the hook's (json-body.ts) and left in `req.body`. As
 * Express's own parser did: UTF charsets only, compressed bodies inflated, an oversized body read to its end
 * before the answer (so the connection can carry the next request).
 */
export function jsonBody(limitBytes: number): RequestHandler {
  return async (req, res, next) => {
    const charset = declaredUtfCharset(req);
    if (charset === undefined) return sendRefusal(res, UNSUPPORTED_ENCODING);
    const bytes = await readJsonBytes(req, { limitBytes, inflate: true });
    if (!bytes.ok) {
      if (bytes.refusal.unread) await drain(req);
      return sendRefusal(res, bytes.refusal);
    }
    const parsed = parseJsonBytes(bytes.value, { lenient: true, charset });
    if (!parsed.ok) return sendRefusal(res, parsed.refusal);
    const unsafe = unsafeJsonRefusal(parsed.value);
    if (unsafe) return sendRefusal(res, unsafe);
    req.body = parsed.value;
    next();
  };
}

function sendRefusal(res: Response, refusal: BodyRefusal): void {
  sendError(res, refusal.code, refusal.message, refusal.details);
}

/** Headers this service's own front door and middleware set before a route runs; an error answer keeps only these. */
const OWN_HEADERS = new Set(['x-request-id', NO_SNIFF_HEADER[0], ...ADMIN_SECURITY_HEADERS.map(([name]) => name)].map((name) => name.toLowerCase()));

/**
 * Writes an error answer after a route failed part-way, and never throws. Headers the route set (a token's headers
 * on an allow that failed while being written) are dropped first: if one of them made node throw, writing the error
 * with it would throw again, and a throw here would escape every handler and end the process. When even that fails,
 * or the answer had already started, the connection is closed.
 */
function writeErrorSafely(res: ServerResponse, code: ErrorCode, message: string, requestId: string): void {
  try {
    // A complete answer stands (a decision's log line or metrics failed after it went out): the failure is logged,
    // and destroying the socket would only cut the caller's keep-alive connection, or a write still in flight.
    if (res.writableEnded) return;
    if (res.headersSent) {
      res.destroy();
      return;
    }
    for (const name of res.getHeaderNames()) if (!OWN_HEADERS.has(name)) res.removeHeader(name);
    writeError(res, code, message, requestId);
  } catch {
    res.destroy();
  }
}

/** Maps any error to the error table. 5xx bodies say nothing about internals; the log line keeps the details. */
export function errorHandler(logger: Logger): ErrorRequestHandler {
  return (error: unknown, req: Request, res: Response, _next: NextFunction) => {
    // After the answer started, the last-resort path decides: logged, then the socket closed, or left alone when the
    // answer was complete (writeErrorSafely).
    if (res.headersSent) return answerUnhandled(logger, res, error, req.route?.path);
    if (error instanceof AppError) return writeErrorSafely(res, error.code, error.message, requestIdOf(res));
    // The router decodes path parameters; a malformed %-escape in them is the client's URL, not our failure.
    if (error instanceof URIError) {
      return writeErrorSafely(res, 'validation_failed', 'The URL path is not valid percent-encoded UTF-8', requestIdOf(res));
    }
    answerUnhandled(logger, res, error, req.route?.path);
  };
}

/** The last-resort answer to a failure nothing else answered: logged with its details, answered without them. */
export function answerUnhandled(logger: Logger, res: ServerResponse, error: unknown, route: string | undefined): void {
  const requestId = requestIdOf(res);
  logger.error({ err: error, requestId, route }, 'unhandled error');
  writeErrorSafely(res, 'internal', 'Internal error', requestId);
}
