import type { RequestHandler } from 'express';
import type { Logger } from 'pino';
import { FailureGate, type GateTicket } from '../abuse/failure-gate.js';
import type { FailureLimiter, LimitKey } from '../abuse/failure-limiter.js';
import type { Metrics } from '../observability/metrics.js';
import { requestIdOf, sendError } from '../shared/http.js';
import { canonicalIp } from '../shared/ip-address.js';
import { sha256Hex } from '../shared/secrets.js';
import { withTimeout } from '../shared/with-timeout.js';
import { chargeStoreTime, remainingStoreMs } from './admin-deadline.js';
import { findAdminKey, type AdminKey, type AdminScope } from './admin-keys.js';

/** Failed authentications allowed per client address in a window, counted in `limiter`. */
export interface AdminAuthLimit {
  limiter: FailureLimiter;
  maxFailures: number;
  windowSeconds: number;
  /** The limiter lives in the token store: its check shares the request's store budget (STORE_TIMEOUT_MS). */
  timeoutMs: number;
}

/** One gate per limit, shared by every router that authenticates with it. */
const gates = new WeakMap<AdminAuthLimit, FailureGate>();

function gateOf(limit: AdminAuthLimit): FailureGate {
  let gate = gates.get(limit);
  if (gate === undefined) {
    gate = new FailureGate(limit.limiter);
    gates.set(limit, gate);
  }
  return gate;
}

/**
 * Bearer authentication against the configured admin keys; the key's id is kept for the audit log. With a limit,
 * an address that sent `maxFailures` wrong keys within the window gets 429 for everything until the window ends,
 * before its key is even compared, so guessing keys online gets a handful of tries per window — also when the
 * guesses come in parallel (FailureGate). When the limiter's store does not answer within the request's store
 * budget, the request gets 503 store_unavailable (the limit fails closed): whether the address may still try is
 * unknown, and every admin route but JWT issuing needs that store anyway.
 */
export function authenticateAdmin(
  keys: readonly AdminKey[],
  { metrics, logger }: { metrics: Metrics; logger: Pick<Logger, 'warn'> },
  limit?: AdminAuthLimit,
): RequestHandler {
  // Without any configured key every request is refused anyway: there is nothing to guess and nothing to count.
  const limitKeysFor = (address: string | undefined): LimitKey[] =>
    limit && limit.maxFailures > 0 && keys.length > 0 ? [{ key: `a:${sha256Hex(canonicalIp(address) ?? 'unknown').slice(0, 32)}`, max: limit.maxFailures }] : [];

  return async (req, res, next) => {
    // The TCP peer, not X-Forwarded-For: a header a guesser writes itself cannot be what limits it.
    const limitKeys = limitKeysFor(req.socket.remoteAddress);
    let ticket: GateTicket | undefined;
    if (limit && limitKeys.length > 0) {
      const gate = gateOf(limit);
      const admitted = await chargeStoreTime(res, () => admitWithin(gate, limitKeys, remainingStoreMs(res, limit.timeoutMs)));
      if (admitted === 'unknown') {
        // Not an authentication failure: the store outage is counted by the store metrics (and alerted on there);
        // counting it as `throttled` would page for a brute force that is not happening. The line says why this
        // request was refused before its key was even looked at.
        logger.warn(
          { event: 'admin_auth_limit_unavailable', requestId: requestIdOf(res) },
          'admin request refused: the failed-authentication limit could not be checked within the store budget',
        );
        return sendError(res, 'store_unavailable', 'The token store is unavailable; try again');
      }
      if (admitted === 'limited') {
        metrics.adminAuthFailures.inc({ reason: 'throttled' });
        res.setHeader('Retry-After', String(limit.windowSeconds));
        return sendError(res, 'too_many_requests', 'Too many failed authentications from this address; retry later');
      }
      ticket = admitted;
    }
    const header = req.get('authorization');
    const match = header === undefined ? null : /^Bearer\s+(\S+)\s*$/i.exec(header);
    const key = match?.[1] ? findAdminKey(keys, match[1]) : undefined;
    // Not awaited: the gate keeps the failure counted while it is recorded, and the answer need not wait for it.
    ticket?.finish(Boolean(match?.[1]) && !key).catch(() => undefined);
    if (!match?.[1]) {
      metrics.adminAuthFailures.inc({ reason: 'missing' });
      res.setHeader('WWW-Authenticate', 'Bearer');
      return sendError(res, 'unauthorized', 'Authorization: Bearer <admin API key> is required');
    }
    if (!key) {
      metrics.adminAuthFailures.inc({ reason: 'invalid' });
      res.setHeader('WWW-Authenticate', 'Bearer error="invalid_token"');
      return sendError(res, 'unauthorized', 'The admin API key is not valid');
    }
    res.locals.adminKey = key;
    next();
  };
}

/** gate.admit within `ms`; 'unknown' past it or when the store fails. A ticket that comes too late is given back. */
async function admitWithin(gate: FailureGate, keys: readonly LimitKey[], ms: number): Promise<GateTicket | 'limited' | 'unknown'> {
  const admitting = gate.admit(keys);
  try {
    return await withTimeout(admitting, ms);
  } catch {
    admitting.then((late) => (late === 'limited' ? undefined : late.finish(false))).catch(() => undefined);
    return 'unknown';
  }
}

export function requireScope(scope: AdminScope, metrics: Metrics): RequestHandler {
  return (_req, res, next) => {
    const key = res.locals.adminKey as AdminKey | undefined;
    if (key?.scopes.has(scope)) return next();
    metrics.adminAuthFailures.inc({ reason: 'forbidden' });
    sendError(res, 'forbidden', `This admin API key lacks the ${scope} scope`);
  };
}
