import type { RequestHandler } from 'express';
import type { FailureLimiter, LimitKey } from '../abuse/failure-limiter.js';
import type { Metrics } from '../observability/metrics.js';
import { sendError } from '../shared/http.js';
import { sha256Hex } from '../shared/secrets.js';
import { withTimeout } from '../shared/with-timeout.js';
import { findAdminKey, type AdminKey, type AdminScope } from './admin-keys.js';

/** Failed authentications allowed per client address in a window, counted in `limiter`. */
export interface AdminAuthLimit {
  limiter: FailureLimiter;
  maxFailures: number;
  windowSeconds: number;
  /** The limiter lives in the token store: it gets the store's deadline, and fails open past it. */
  timeoutMs: number;
}

/**
 * Bearer authentication against the configured admin keys; the key's id is kept for the audit log. With a limit,
 * an address that sent `maxFailures` wrong keys within the window gets 429 for everything until the window ends,
 * before its key is even compared, so guessing keys online gets a handful of tries per window.
 */
export function authenticateAdmin(keys: readonly AdminKey[], metrics: Metrics, limit?: AdminAuthLimit): RequestHandler {
  const limitKeysFor = (address: string | undefined): LimitKey[] =>
    limit && limit.maxFailures > 0 ? [{ key: `a:${sha256Hex(address ?? 'unknown').slice(0, 32)}`, max: limit.maxFailures }] : [];

  return async (req, res, next) => {
    // The TCP peer, not X-Forwarded-For: a header a guesser writes itself cannot be what limits it.
    const limitKeys = limitKeysFor(req.socket.remoteAddress);
    if (limit && limitKeys.length > 0) {
      // When the store cannot say, the limit fails open: the key check below still stands on its own.
      const limited = await withTimeout(limit.limiter.isLimited(limitKeys), limit.timeoutMs).catch(() => false);
      if (limited) {
        metrics.adminAuthFailures.inc({ reason: 'throttled' });
        res.setHeader('Retry-After', String(limit.windowSeconds));
        return sendError(res, 'too_many_requests', 'Too many failed authentications from this address; retry later');
      }
    }
    const header = req.get('authorization');
    const match = header === undefined ? null : /^Bearer\s+(\S+)\s*$/i.exec(header);
    if (!match?.[1]) {
      metrics.adminAuthFailures.inc({ reason: 'missing' });
      res.setHeader('WWW-Authenticate', 'Bearer');
      return sendError(res, 'unauthorized', 'Authorization: Bearer <admin API key> is required');
    }
    const key = findAdminKey(keys, match[1]);
    if (!key) {
      metrics.adminAuthFailures.inc({ reason: 'invalid' });
      if (limit && limitKeys.length > 0) {
        await withTimeout(limit.limiter.recordFailure(limitKeys), limit.timeoutMs).catch(() => undefined);
      }
      res.setHeader('WWW-Authenticate', 'Bearer error="invalid_token"');
      return sendError(res, 'unauthorized', 'The admin API key is not valid');
    }
    res.locals.adminKey = key;
    next();
  };
}

export function requireScope(scope: AdminScope, metrics: Metrics): RequestHandler {
  return (_req, res, next) => {
    const key = res.locals.adminKey as AdminKey | undefined;
    if (key?.scopes.has(scope)) return next();
    metrics.adminAuthFailures.inc({ reason: 'forbidden' });
    sendError(res, 'forbidden', `This admin API key lacks the ${scope} scope`);
  };
}
