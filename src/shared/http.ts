import { isUtf8 } from 'node:buffer';
import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import typeis from 'type-is';
import type { ErrorRequestHandler, NextFunction, Request, RequestHandler, Response } from 'express';
import express from 'express';
import type { Logger } from 'pino';
import { AppError, ERROR_STATUS, type ErrorCode } from './app-error.js';
import { findUnsafeJson } from './json-safety.js';
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
  setRequestState(res, { requestId: id, started: 0n, method: req.method, route: undefined });
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

/** The error answer of every route, `{error:{code,message,requestId,details?}}`, on a plain node:http response. */
export function writeError(res: ServerResponse, code: ErrorCode, message: string, requestId: string, details?: unknown): void {
  writeJson(res, ERROR_STATUS[code], JSON.stringify({ error: { code, message, requestId, ...(details ? { details } : {}) } }));
}

/** What Express's res.json writes (status, `application/json; charset=utf-8`, Content-Length), without Express. */
export function writeJson(res: ServerResponse, status: number, json: string | Buffer): void {
  res.statusCode = status;
  res.setHeader('Content-Type', 'application/json; charset=utf-8');
  res.setHeader('Content-Length', typeof json === 'string' ? Buffer.byteLength(json) : json.length);
  res.end(json);
}

const JSON_MEDIA_TYPES = ['application/json', 'application/*+json'];

/** Whether a request says it carries JSON; false also for a request without a body (no Content-Length, no chunks). */
export function isJsonRequest(req: IncomingMessage): boolean {
  return Boolean(typeis(req, JSON_MEDIA_TYPES));
}

export const NOT_JSON_MESSAGE = 'Content-Type must be application/json';

/** 415 unless the request says it carries JSON. */
export const requireJson: RequestHandler = (req, res, next) => {
  if (isJsonRequest(req)) return next();
  sendError(res, 'unsupported_media_type', NOT_JSON_MESSAGE);
};

const INVALID_UTF8 = 'encoding.invalid_utf8';

/**
 * The JSON body parser for the admin API. Express's parser answers too-large and malformed bodies with errors that
 * the error handler below turns into 413 and 400. Bytes that are not UTF-8 are refused rather than silently
 * replaced, and parsed bodies that nest too deep or carry `__proto__` keys are refused before any route sees them.
 */
export function jsonBody(limitBytes: number): RequestHandler {
  const parse = express.json({
    limit: limitBytes,
    strict: true,
    type: ['application/json', 'application/*+json'],
    verify: (_req, _res, buffer) => {
      if (!isUtf8(buffer)) throw Object.assign(new Error('body is not UTF-8'), { type: INVALID_UTF8 });
    },
  });
  return (req, res, next) =>
    parse(req, res, (error?: unknown) => {
      if (error) return next(error);
      const problem = findUnsafeJson(req.body);
      if (problem) return sendError(res, 'validation_failed', `${problem.field}: ${problem.message}`, [problem]);
      next();
    });
}

interface BodyParserError {
  type?: string;
  status?: number;
}

/** Headers this service's own front door and middleware set before a route runs; an error answer keeps only these. */
const OWN_HEADERS = new Set(['x-request-id', NO_SNIFF_HEADER[0], ...ADMIN_SECURITY_HEADERS.map(([name]) => name)].map((name) => name.toLowerCase()));

/**
 * Writes an error answer after a route failed part-way, and never throws. Headers the route set (a token's headers
 * on an allow that failed while being written) are dropped first: if one of them made node throw, writing the error
 * with it would throw again, and a throw here would escape every handler and end the process. When even that fails,
 * or the answer had already started, the connection is closed.
 */
export function writeErrorSafely(res: ServerResponse, code: ErrorCode, message: string, requestId: string): void {
  try {
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
    if (res.headersSent) {
      res.destroy();
      return;
    }
    if (error instanceof AppError) return writeErrorSafely(res, error.code, error.message, requestIdOf(res));
    // The router decodes path parameters; a malformed %-escape in them is the client's URL, not our failure.
    if (error instanceof URIError) {
      return writeErrorSafely(res, 'validation_failed', 'The URL path is not valid percent-encoded UTF-8', requestIdOf(res));
    }
    const type = (error as BodyParserError | null)?.type;
    switch (type) {
      case 'entity.too.large':
        return sendError(res, 'payload_too_large', 'Request body is larger than the configured limit');
      case 'entity.parse.failed':
        return sendError(res, 'invalid_json', 'Request body is not valid JSON');
      case INVALID_UTF8:
        return sendError(res, 'invalid_json', 'Request body is not valid UTF-8');
      case 'encoding.unsupported':
      case 'charset.unsupported':
        return sendError(res, 'unsupported_media_type', 'Unsupported body encoding or charset');
      case 'request.aborted':
      case 'request.size.invalid':
      case 'stream.encoding.set':
        return sendError(res, 'invalid_json', 'Request body could not be read');
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
