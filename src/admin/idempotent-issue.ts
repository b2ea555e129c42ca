import { randomUUID } from 'node:crypto';
import type { RequestHandler, Response } from 'express';
import type { Logger } from 'pino';
import { sendError } from '../shared/http.js';
import { withTimeout } from '../shared/with-timeout.js';
import { sendValidationFailed, type AdminContext } from './admin-context.js';
import type { AdminKey } from './admin-keys.js';
import { IDEMPOTENCY_KEY, idempotencySealer } from './idempotency-seal.js';
import type { IdempotencyStore } from './idempotency-store.js';

/** How long the first answer is replayed for a retry with the same key. */
const IDEMPOTENCY_KEEP_MS = 24 * 3600_000;
/**
 * How long a claim holds while its request is being answered. A request that dies half-way (process killed)
 * leaves a claim that ends by itself after this long; until then a retry gets 409 and retries later.
 */
const IDEMPOTENCY_PENDING_MS = 60_000;

export interface IdempotentIssueDeps {
  store: IdempotencyStore;
  admin: Pick<AdminContext, 'storeCall' | 'remainingMs'>;
  logger: Logger;
}

/**
 * `Idempotency-Key` on an issuing route (after authentication and body parsing, before the handler). Without the
 * header the request passes untouched. With it:
 * - first use: the key is claimed, the handler runs, and a 201 answer is sealed and kept for 24 h before it is
 *   sent; any other answer (nothing was issued) releases the key;
 * - same key, same body, answered: the first answer again, with `Idempotent-Replayed: true` (nothing is issued);
 * - same key, same body, still being answered: 409 `idempotency_in_progress` with `Retry-After: 1`;
 * - same key, another body: 422 `idempotency_key_reused`.
 * Keys are per admin key and route: another admin key, or the batch route, with the same key is another request.
 */
export function idempotentIssue(route: string, deps: IdempotentIssueDeps): RequestHandler {
  return async (req, res, next) => {
    const header = req.get('idempotency-key');
    if (header === undefined) return next();
    // Node joins a repeated header with ", ", which the pattern refuses too.
    if (!IDEMPOTENCY_KEY.test(header)) {
      return sendValidationFailed(res, [
        { field: 'Idempotency-Key', message: 'must be 1-255 characters of letters, digits, _ - . : (a UUID fits)' },
      ]);
    }
    const sealer = idempotencySealer(res.locals.adminKey as AdminKey, route, header);
    const fingerprint = sealer.fingerprint(req.body);
    const owner = randomUUID();
    let claim;
    try {
      claim = await deps.admin.storeCall(deps.store.claim(sealer.lookupId, fingerprint, owner, IDEMPOTENCY_PENDING_MS), res);
    } catch (error) {
      // A claim we stopped waiting for may still be carried out when the store answers again; the release queued
      // behind it on the same connection undoes it, so the caller's retry is not held off by a claim nobody owns.
      deps.store.release(sealer.lookupId, owner).catch(() => undefined);
      throw error;
    }
    if (claim.kind !== 'claimed') {
      if (claim.fingerprint !== fingerprint) {
        return sendError(res, 'idempotency_key_reused', 'This Idempotency-Key was used with another request body; use a new key');
      }
      if (claim.kind === 'pending') {
        res.setHeader('Retry-After', '1');
        return sendError(res, 'idempotency_in_progress', 'A request with this Idempotency-Key is still being answered; retry shortly');
      }
      const answer = sealer.open(claim.sealed);
      res.status(answer.status).setHeader('Cache-Control', 'no-store');
      res.setHeader('Idempotent-Replayed', 'true');
      if (answer.location !== undefined) res.setHeader('Location', answer.location);
      return void res.json(answer.body);
    }
    keepAnswer(res, { ...deps, id: sealer.lookupId, owner, seal: sealer.seal });
    next();
  };
}

/**
 * Seals the handler's 201 answer into the claimed entry before sending it; a finished answer of any other status
 * releases the claim. A client that gave up waiting does not release it: the handler may still issue, and the
 * retry must then find that answer (or, if the handler failed, wait for the claim to run out).
 */
function keepAnswer(
  res: Response,
  deps: IdempotentIssueDeps & { id: string; owner: string; seal: ReturnType<typeof idempotencySealer>['seal'] },
): void {
  let settled = false;
  const send = res.json.bind(res);
  res.json = (body: unknown) => {
    if (settled || res.statusCode !== 201) return send(body);
    settled = true;
    const location = res.get('Location');
    const sealed = deps.seal({ status: 201, location, body });
    // The tokens are issued whatever happens here: a failure to keep the answer is logged, never turned into an
    // error (the secrets are in this answer only). A retry then waits for the claim to end and issues again.
    // Keeping it shares the request's one STORE_TIMEOUT_MS budget, so a stalled store never holds the answer longer.
    withTimeout(deps.store.complete(deps.id, deps.owner, sealed, IDEMPOTENCY_KEEP_MS), Math.max(1, deps.admin.remainingMs(res)))
      .then((kept) => {
        if (!kept) deps.logger.warn({ event: 'idempotency_not_kept', reason: 'claim_expired' }, 'idempotent answer not kept: the claim had run out');
      })
      .catch((error: unknown) => deps.logger.warn({ event: 'idempotency_not_kept', err: error }, 'idempotent answer not kept: the store failed'))
      .finally(() => send(body));
    return res;
  };
  res.on('finish', () => {
    if (settled) return;
    settled = true;
    deps.store.release(deps.id, deps.owner).catch(() => undefined);
  });
}
