import type { Request, Response } from 'express';
import type { Logger } from 'pino';
import type { ZodError } from 'zod';
import { AppError } from '../shared/app-error.js';
import { requestIdOf, sendError } from '../shared/http.js';
import { withTimeout } from '../shared/with-timeout.js';
import { TokenInputError } from '../tokens/issue-token.js';
import { TokenConflictError } from '../tokens/token-store.js';
import { remainingStoreMs } from './admin-deadline.js';
import type { AdminKey } from './admin-keys.js';

const TOKEN_ID = /^tok_[A-Za-z0-9_-]{16}$/;

export interface FieldProblem {
  field: string;
  message: string;
}

export function validationDetails(error: ZodError, prefix = ''): FieldProblem[] {
  return error.issues.map((issue) => ({ field: prefix + (issue.path.join('.') || 'body'), message: issue.message }));
}

export function sendValidationFailed(res: Response, details: FieldProblem[]): void {
  sendError(res, 'validation_failed', details.map((d) => `${d.field}: ${d.message}`).join('; '), details);
}

/** 400 for a TokenInputError (a value that only fails against the current time or record); rethrows the rest. */
export function sendInputError(res: Response, error: unknown): void {
  if (!(error instanceof TokenInputError)) throw error;
  sendValidationFailed(res, [{ field: error.field, message: error.message }]);
}

/** What every admin route uses: store calls with the admin failure answer, audit lines, the token id parameter. */
export function createAdminContext(deps: { logger: Logger; storeTimeoutMs: number }) {
  /**
   * The admin API has no failure policy: when the store does not answer, the caller is told so (503) and can
   * retry. `bound` is the request's response: the call gets what is left of its store budget (admin-deadline.ts),
   * so the whole request stays within STORE_TIMEOUT_MS; a number is a timeout of its own; `null` leaves bounding
   * to the store's own command timeouts (for calls that must not be abandoned half-way, such as a batch that rolls
   * itself back).
   */
  const storeCall = async <T>(call: Promise<T>, bound: number | null | Response = deps.storeTimeoutMs): Promise<T> => {
    const timeoutMs = bound !== null && typeof bound === 'object' ? remainingStoreMs(bound, deps.storeTimeoutMs) : bound;
    try {
      return timeoutMs === null ? await call : await withTimeout(call, timeoutMs);
    } catch (error) {
      if (error instanceof AppError || error instanceof TokenInputError) throw error;
      if (error instanceof TokenConflictError) throw new AppError('conflict', error.message);
      deps.logger.warn({ err: error }, 'token store failed during an admin request');
      throw new AppError('store_unavailable', 'The token store is unavailable; try again');
    }
  };

  /** One line per change: who (admin key id), what (action, token, changed fields), when (the line's time). */
  const audit = (res: Response, action: string, tokenId: string, extra: Record<string, unknown> = {}) =>
    deps.logger.info(
      { event: 'audit', action, tokenId, adminKeyId: (res.locals.adminKey as AdminKey).id, requestId: requestIdOf(res), ...extra },
      'admin change',
    );

  const tokenIdParam = (req: Request) => {
    const id = req.params.id;
    if (typeof id !== 'string' || !TOKEN_ID.test(id)) throw new AppError('not_found', 'No token with this id');
    return id;
  };

  /** What is left of the request's store budget (STORE_TIMEOUT_MS when it has none). */
  const remainingMs = (res: Response) => remainingStoreMs(res, deps.storeTimeoutMs);

  return { storeCall, audit, tokenIdParam, remainingMs };
}

export type AdminContext = ReturnType<typeof createAdminContext>;
