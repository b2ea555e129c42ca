import { Router } from 'express';
import { z } from 'zod';
import { AppError } from '../shared/app-error.js';
import { jsonBody, requestIdOf, requireJson } from '../shared/http.js';
import { withTimeout } from '../shared/with-timeout.js';
import { chargeStoreTime, remainingStoreMs } from './admin-deadline.js';
import type { JtiStore } from '../tokens/jwt/jti-store.js';
import type { AdminKey } from './admin-keys.js';
import type { AdminRouterDeps } from './admin-router-deps.js';
import { refuseUnknownQueryParams } from './query-params.js';
import { authenticateAdmin, requireScope } from './require-admin.js';
import { sendValidationFailed, validationDetails } from './admin-context.js';

/** NumericDate seconds, as in the token; beyond year 9999 is not a date anyone means. */
const MAX_EXP_SECONDS = 253_402_300_799;

export const revocationSchema = z
  .object({
    jti: z.string().min(1).max(256),
    exp: z.number().int().positive().max(MAX_EXP_SECONDS),
  })
  .strict();

export interface RevocationsRouterDeps extends AdminRouterDeps {
  jtis: Pick<JtiStore, 'revoke'>;
  clockSkewSeconds: number;
  /** A revocation is kept until the token's exp: no longer than a token may live (TOKEN_MAX_TTL_SECONDS). */
  tokenMaxTtlSeconds: number;
}

/**
 * `POST /v1/revocations`: puts a JWT id on the denylist until the token could no longer be accepted anyway (its exp
 * plus the clock skew), so the list never grows beyond the tokens still alive. Idempotent.
 */
export function createRevocationsRouter(deps: RevocationsRouterDeps): Router {
  const router = Router();
  const { metrics } = deps;
  // Authentication per route, not router.use(): this router is mounted on /v1 next to others.
  router.post(
    '/revocations',
    authenticateAdmin(deps.adminKeys, { metrics, logger: deps.logger }, deps.adminAuthLimit),
    refuseUnknownQueryParams(),
    requireScope('tokens:write', metrics),
    requireJson,
    jsonBody(deps.bodyLimitBytes),
    async (req, res) => {
      const parsed = revocationSchema.safeParse(req.body);
      if (!parsed.success) {
        return sendValidationFailed(res, validationDetails(parsed.error));
      }
      const { jti, exp } = parsed.data;
      const now = deps.clock.now();
      // Each revocation is a Redis key that lives until exp: without a cap, one call with a year-9999 exp would
      // keep a key forever. No token of this service lives longer than TOKEN_MAX_TTL_SECONDS (the skew allows for
      // the issuer's clock); a longer-lived JWT from another issuer is retired by rotating its key instead.
      const maxExpSeconds = Math.floor(now / 1000) + deps.tokenMaxTtlSeconds + deps.clockSkewSeconds;
      if (exp > maxExpSeconds) {
        return sendValidationFailed(res, [{ field: 'exp', message: `must be at most ${deps.tokenMaxTtlSeconds} seconds from now (TOKEN_MAX_TTL_SECONDS)` }]);
      }
      const revokedUntil = (exp + deps.clockSkewSeconds) * 1000;
      // A token already past exp + skew is refused as expired: there is nothing to remember.
      if (revokedUntil > now) {
        try {
          await chargeStoreTime(res, () => withTimeout(deps.jtis.revoke(jti, now, revokedUntil), remainingStoreMs(res, deps.storeTimeoutMs)));
        } catch (error) {
          deps.logger.warn({ err: error }, 'token store failed during a revocation');
          throw new AppError('store_unavailable', 'The token store is unavailable; the jti is not revoked, try again');
        }
      }
      await deps.onRevoked?.(jti, remainingStoreMs(res, deps.storeTimeoutMs));
      metrics.adminTokens.inc({ operation: 'revoke_jti' });
      deps.logger.info(
        { event: 'audit', action: 'jwt.revoke', tokenId: jti, adminKeyId: (res.locals.adminKey as AdminKey).id, requestId: requestIdOf(res) },
        'admin change',
      );
      res.json({ jti, exp, revokedUntil: new Date(revokedUntil).toISOString() });
    },
  );
  return router;
}
