import { Router, type Request, type Response } from 'express';
import type { Logger } from 'pino';
import type { ZodError } from 'zod';
import type { Metrics } from '../observability/metrics.js';
import { AppError } from '../shared/app-error.js';
import type { Clock } from '../shared/clock.js';
import { jsonBody, requestIdOf, requireJson, sendError } from '../shared/http.js';
import { withTimeout } from '../shared/with-timeout.js';
import { issueToken, issueTokenSchema, TokenInputError } from '../tokens/issue-token.js';
import type { TokenStore } from '../tokens/token-store.js';
import { toTokenView } from '../tokens/token-view.js';
import type { AdminKey } from './admin-keys.js';
import { authenticateAdmin, requireScope } from './require-admin.js';

export interface TokensRouterDeps {
  store: TokenStore;
  clock: Clock;
  logger: Logger;
  metrics: Metrics;
  adminKeys: readonly AdminKey[];
  storeTimeoutMs: number;
  bodyLimitBytes: number;
  tokenDefaultTtlSeconds: number;
  tokenMaxTtlSeconds: number;
  /** Answers `type: "jwt"` issue requests (signed, not stored). Absent: only opaque tokens are issued. */
  issueJwt?: (req: Request, res: Response) => Promise<void>;
}

const TOKEN_ID = /^tok_[A-Za-z0-9_-]{16}$/;

export function validationDetails(error: ZodError) {
  return error.issues.map((issue) => ({ field: issue.path.join('.') || 'body', message: issue.message }));
}

/** `/v1/tokens`: issue, read and revoke opaque tokens. Every change writes one audit line (never a secret). */
export function createTokensRouter(deps: TokensRouterDeps): Router {
  const router = Router();
  const { metrics } = deps;

  // The admin API has no failure policy: when the store does not answer, the caller is told so and can retry.
  const storeCall = async <T>(call: Promise<T>): Promise<T> => {
    try {
      return await withTimeout(call, deps.storeTimeoutMs);
    } catch (error) {
      if (error instanceof AppError || error instanceof TokenInputError) throw error;
      deps.logger.warn({ err: error }, 'token store failed during an admin request');
      throw new AppError('store_unavailable', 'The token store is unavailable; try again');
    }
  };
  const audit = (res: Response, action: string, tokenId: string) =>
    deps.logger.info({ event: 'audit', action, tokenId, adminKeyId: (res.locals.adminKey as AdminKey).id, requestId: requestIdOf(res) }, 'admin change');
  const tokenIdParam = (req: Request) => {
    const id = req.params.id;
    if (typeof id !== 'string' || !TOKEN_ID.test(id)) throw new AppError('not_found', 'No token with this id');
    return id;
  };

  router.use(authenticateAdmin(deps.adminKeys, metrics));

  router.post('/tokens', requireScope('tokens:write', metrics), requireJson, jsonBody(deps.bodyLimitBytes), async (req, res) => {
    if (deps.issueJwt && (req.body as { type?: unknown } | null)?.type === 'jwt') return deps.issueJwt(req, res);
    const parsed = issueTokenSchema.safeParse(req.body);
    if (!parsed.success) {
      const details = validationDetails(parsed.error);
      return sendError(res, 'validation_failed', details.map((d) => `${d.field}: ${d.message}`).join('; '), details);
    }
    let issued;
    try {
      issued = await storeCall(
        issueToken(parsed.data, {
          store: deps.store,
          now: deps.clock.now(),
          defaultTtlSeconds: deps.tokenDefaultTtlSeconds,
          maxTtlSeconds: deps.tokenMaxTtlSeconds,
        }),
      );
    } catch (error) {
      if (!(error instanceof TokenInputError)) throw error;
      return sendError(res, 'validation_failed', `${error.field}: ${error.message}`, [{ field: error.field, message: error.message }]);
    }
    metrics.adminTokens.inc({ operation: 'issue' });
    audit(res, 'token.issue', issued.record.id);
    res.status(201).setHeader('Cache-Control', 'no-store');
    res.location(`${req.baseUrl}/tokens/${issued.record.id}`);
    res.json({ token: issued.token, record: toTokenView(issued.record, deps.clock.now()) });
  });

  router.get('/tokens/:id', requireScope('tokens:read', metrics), async (req, res) => {
    const record = await storeCall(deps.store.findById(tokenIdParam(req)));
    if (!record) return sendError(res, 'not_found', 'No token with this id');
    res.json(toTokenView(record, deps.clock.now()));
  });

  router.delete('/tokens/:id', requireScope('tokens:write', metrics), async (req, res) => {
    const record = await storeCall(deps.store.revoke(tokenIdParam(req), deps.clock.now()));
    if (!record) return sendError(res, 'not_found', 'No token with this id');
    metrics.adminTokens.inc({ operation: 'revoke' });
    audit(res, 'token.revoke', record.id);
    res.json(toTokenView(record, deps.clock.now()));
  });

  return router;
}
