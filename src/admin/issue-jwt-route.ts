import type { Request, Response } from 'express';
import type { Logger } from 'pino';
import type { Metrics } from '../observability/metrics.js';
import type { Clock } from '../shared/clock.js';
import { requestIdOf } from '../shared/http.js';
import { issueJwt, issueJwtSchema } from '../tokens/jwt/issue-jwt.js';
import type { KeyRing } from '../tokens/jwt/key-ring.js';
import type { AdminKey } from './admin-keys.js';
import { sendInputError, sendValidationFailed, validationDetails } from './admin-context.js';

export interface IssueJwtRouteDeps {
  keys: Pick<KeyRing, 'signingKey'>;
  clock: Clock;
  logger: Logger;
  metrics: Metrics;
  tokenDefaultTtlSeconds: number;
  tokenMaxTtlSeconds: number;
  issuer: string;
  audience: string | undefined;
}

/**
 * `POST /v1/tokens` with `type: "jwt"` (the tokens router dispatches here after authentication and body parsing).
 * Nothing is stored, so there is no record to read back: the answer carries the token, its jti and its claims.
 */
export function createIssueJwtRoute(deps: IssueJwtRouteDeps) {
  return async (req: Request, res: Response): Promise<void> => {
    const signingKey = deps.keys.signingKey;
    if (!signingKey) {
      return sendValidationFailed(res, [{ field: 'type', message: 'JWT issuing is not configured (set JWT_SIGNING_KEYS)' }]);
    }
    const parsed = issueJwtSchema.safeParse(req.body);
    if (!parsed.success) return sendValidationFailed(res, validationDetails(parsed.error));
    let issued;
    try {
      issued = issueJwt(parsed.data, {
        signingKey,
        now: deps.clock.now(),
        defaultTtlSeconds: deps.tokenDefaultTtlSeconds,
        maxTtlSeconds: deps.tokenMaxTtlSeconds,
        issuer: deps.issuer,
        audience: deps.audience,
      });
    } catch (error) {
      return sendInputError(res, error);
    }
    deps.metrics.adminTokens.inc({ operation: 'issue_jwt' });
    deps.logger.info(
      { event: 'audit', action: 'token.issue_jwt', tokenId: issued.jti, adminKeyId: (res.locals.adminKey as AdminKey).id, requestId: requestIdOf(res) },
      'admin change',
    );
    res.status(201).setHeader('Cache-Control', 'no-store');
    res.json({ type: 'jwt', ...issued });
  };
}
