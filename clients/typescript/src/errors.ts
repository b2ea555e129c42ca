import type { components } from './generated/openapi.js';

/** Every error code the API documents (openapi.yaml, `Error.error.code`). */
export type ApiErrorCode = components['schemas']['Error']['error']['code'];

export interface FieldProblem {
  field: string;
  message: string;
}

/**
 * An error answer of the API (4xx/5xx), carrying its `code` for programs to branch on. The message is the API's own,
 * safe to show; it never holds a secret.
 */
export class ApiError extends Error {
  override readonly name = 'ApiError';
  constructor(
    readonly status: number,
    /** The API's error code; `unknown` for an answer that was not the API's error shape (e.g. from a proxy). */
    readonly code: ApiErrorCode | 'unknown',
    message: string,
    readonly requestId: string | undefined,
    readonly details: FieldProblem[] = [],
    /** Seconds the server asked to wait (`Retry-After`), when it said. */
    readonly retryAfterSeconds: number | undefined = undefined,
  ) {
    super(message);
  }
}

/** The service could not be reached, or did not answer in time. */
export class ConnectionError extends Error {
  override readonly name = 'ConnectionError';
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
  }
}

interface ErrorBody {
  error?: { code?: unknown; message?: unknown; requestId?: unknown; details?: unknown };
}

/** Builds the ApiError for an answer whose body openapi-fetch has already parsed (or left as text). */
export function apiErrorFrom(response: Response, body: unknown): ApiError {
  const error = (typeof body === 'object' && body !== null ? (body as ErrorBody).error : undefined) ?? {};
  const code = typeof error.code === 'string' ? (error.code as ApiErrorCode) : 'unknown';
  const message = typeof error.message === 'string' ? error.message : `HTTP ${response.status} ${response.statusText}`.trim();
  const requestId = typeof error.requestId === 'string' ? error.requestId : (response.headers.get('x-request-id') ?? undefined);
  const details = Array.isArray(error.details) ? (error.details as FieldProblem[]) : [];
  return new ApiError(response.status, code, message, requestId, details, retryAfterSeconds(response.headers.get('retry-after')));
}

/** `Retry-After` as seconds: delta-seconds or an HTTP date; undefined when absent or unreadable. */
export function retryAfterSeconds(value: string | null, now = Date.now()): number | undefined {
  if (value === null) return undefined;
  if (/^\d+$/.test(value.trim())) return Number(value.trim());
  const date = Date.parse(value);
  return Number.isNaN(date) ? undefined : Math.max(0, Math.ceil((date - now) / 1000));
}
