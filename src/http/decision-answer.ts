import type { ServerResponse } from 'node:http';
import type { ErrorCode } from '../shared/app-error.js';
import { ERROR_STATUS } from '../shared/app-error.js';
import type { HeaderEntries } from '../shared/http-headers.js';
import { errorBody, JSON_CONTENT_TYPE } from '../shared/http.js';
import type { RequestState } from '../shared/request-state.js';
import { NO_SNIFF_HEADER } from '../shared/security-headers.js';

/**
 * The answers of the decision routes, written with one `writeHead(status, headers)`: the headers go straight into
 * the head, without `setHeader`'s per-call work (name and value validation, a lower-cased copy of the name, the
 * header map the response keeps) that a handful of headers cost on every decision. What is on the wire is what
 * the `setHeader` calls wrote, in the same order: `X-Request-Id`, `X-Content-Type-Options`, the route's own
 * headers, then `Content-Type` and `Content-Length` (node adds `Date`, `Connection`, `Keep-Alive` after them).
 *
 * A header list is flat, `[name, value, name, value, …]`, as `writeHead` takes it. Every name and value here is
 * a constant, a request id (`requestIdFrom` accepts only token characters), or a pair that passed the header rule
 * where it entered (`tokenHeaderEntries`, `checkedHeaderEntries`); node still checks them while writing the head.
 */
export type AnswerHeaders = string[];

const [NO_SNIFF_NAME, NO_SNIFF_VALUE] = NO_SNIFF_HEADER;

/** The headers every answer starts with, as the front door set them on every request. */
export function answerHeaders(requestId: string): AnswerHeaders {
  return ['X-Request-Id', requestId, NO_SNIFF_NAME, NO_SNIFF_VALUE];
}

export function addEntries(headers: AnswerHeaders, entries: HeaderEntries): void {
  for (let i = 0; i < entries.length; i++) {
    const entry = entries[i] as readonly [string, string];
    headers.push(entry[0], entry[1]);
  }
}

/** A JSON answer, `Content-Type` and `Content-Length` as Express's res.json wrote them. */
export function endJson(res: ServerResponse, status: number, headers: AnswerHeaders, json: string | Buffer): void {
  const length = typeof json === 'string' ? Buffer.byteLength(json) : json.length;
  headers.push('Content-Type', JSON_CONTENT_TYPE, 'Content-Length', String(length));
  res.writeHead(status, headers);
  res.end(json);
}

/** The error answer of every route (`{error:{code,message,requestId,details?}}`). */
export function endError(res: ServerResponse, headers: AnswerHeaders, code: ErrorCode, message: string, requestId: string, details?: unknown): void {
  endJson(res, ERROR_STATUS[code], headers, errorBody(code, message, requestId, details));
}

/** An answer without a body (nginx's 204). */
export function endEmpty(res: ServerResponse, status: number, headers: AnswerHeaders): void {
  res.writeHead(status, headers);
  res.end();
}

/** A text answer (OPTIONS), headers in the order Express wrote them. */
export function endText(res: ServerResponse, status: number, headers: AnswerHeaders, text: string): void {
  headers.push('Content-Length', String(Buffer.byteLength(text)), 'Content-Type', 'text/plain');
  res.writeHead(status, headers);
  res.end(text);
}

/**
 * How a decision handler tells the front door it is done with a request: the front door then counts it in the HTTP
 * metrics (once, also when the caller left before the answer) and, on a failure, writes the last-resort 500.
 * Callbacks rather than a returned promise: a decision the memory store answers is written from inside the body's
 * 'end' listener (or, on nginx's route, the request listener itself) without a microtask turn. A handler calls one
 * of the two exactly once, and throws, if at all, only before it called either.
 */
export interface DecisionOutcome {
  answered(res: ServerResponse, state: RequestState): void;
  failed(res: ServerResponse, state: RequestState, error: unknown): void;
}

/** What a handler's work returns: nothing when the answer is written, a promise when it waits for the store. */
export type Pending = PromiseLike<void> | void;

/** Whether a value (a decision) is still to come; a Decision is a plain object without `then`. */
export function isPending<T>(value: T | PromiseLike<T>): value is PromiseLike<T> {
  return typeof (value as { then?: unknown }).then === 'function';
}

/**
 * Reports the end of a handler's work (what it returned without throwing) to `outcome`: at once when it wrote the
 * answer synchronously, when its promise settles otherwise; a rejection is a failure (the 500).
 */
export function settle(outcome: DecisionOutcome, res: ServerResponse, state: RequestState, pending: Pending): void {
  if (pending === undefined) return outcome.answered(res, state);
  pending.then(() => outcome.answered(res, state), (error: unknown) => outcome.failed(res, state, error));
}
