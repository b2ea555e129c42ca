import { Router } from 'express';
import type { Metrics } from '../observability/metrics.js';
import type { Clock } from '../shared/clock.js';
import { jsonBody, requireJson, sendError } from '../shared/http.js';
import type { TokenStore } from '../tokens/token-store.js';
import { toTokenView } from '../tokens/token-view.js';
import { updateToken, updateTokenSchema } from '../tokens/update-token.js';
import { sendInputError, sendValidationFailed, validationDetails, type AdminContext } from './admin-context.js';
import { requireScope } from './require-admin.js';

/**
 * `PATCH /v1/tokens/{id}`: disable/enable, expiry, limits, IP rules, headers, metadata. A revoked token is final
 * (409). The audit line names the fields changed, not their values (headers and metadata may carry viewer data).
 */
export function createTokenUpdateRouter(deps: {
  store: TokenStore;
  clock: Clock;
  metrics: Metrics;
  admin: AdminContext;
  bodyLimitBytes: number;
  tokenMaxTtlSeconds: number;
  /**
   * A change may narrow what the token allows: cached allow decisions of it are dropped everywhere. No revocation:
   * its live sessions go on. `timeoutMs`: what is left of the request's store budget for telling other instances.
   */
  onChanged?(tokenId: string, timeoutMs?: number): Promise<void>;
}): Router {
  const router = Router();
  router.patch('/tokens/:id', requireScope('tokens:write', deps.metrics), requireJson, jsonBody(deps.bodyLimitBytes), async (req, res) => {
    const id = deps.admin.tokenIdParam(req);
    const parsed = updateTokenSchema.safeParse(req.body);
    if (!parsed.success) return sendValidationFailed(res, validationDetails(parsed.error));
    const now = deps.clock.now();
    let entry;
    try {
      entry = await deps.admin.storeCall(updateToken(id, parsed.data, { store: deps.store, now, maxTtlSeconds: deps.tokenMaxTtlSeconds }), res);
    } catch (error) {
      return sendInputError(res, error);
    }
    if (!entry) return sendError(res, 'not_found', 'No token with this id');
    await deps.onChanged?.(id, deps.admin.remainingMs(res));
    deps.metrics.adminTokens.inc({ operation: 'update' });
    deps.admin.audit(res, 'token.update', id, { changes: Object.keys(parsed.data).sort() });
    res.json(toTokenView(entry.record, now, entry.usage));
  });
  return router;
}
