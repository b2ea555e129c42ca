import { Router, type Request, type RequestHandler, type Response } from 'express';
import { jsonBody, requireJson, sendError } from '../shared/http.js';
import { issueToken, issueTokenSchema } from '../tokens/issue-token.js';
import type { TokenStore } from '../tokens/token-store.js';
import type { TokenVerifier } from '../tokens/token-verifier.js';
import { toTokenView } from '../tokens/token-view.js';
import { createAdminContext, sendInputError, sendValidationFailed, validationDetails, type AdminContext } from './admin-context.js';
import type { AdminRouterDeps } from './admin-router-deps.js';
import { createDecisionsRouter } from './decisions-router.js';
import { refuseUnknownQueryParams } from './query-params.js';
import type { IdempotencyStore } from './idempotency-store.js';
import { idempotentIssue } from './idempotent-issue.js';
import { authenticateAdmin, requireScope } from './require-admin.js';
import { createTokenBatchRouter } from './token-batch-router.js';
import { createTokenListRouter } from './token-list-router.js';
import { createTokenSessionsRouter } from './token-sessions-router.js';
import { createTokenUpdateRouter } from './token-update-router.js';
import { createSessionsRouter } from './sessions-router.js';
import type { SessionRegistry } from '../tokens/sessions/session-registry.js';

export interface TokensRouterDeps extends AdminRouterDeps {
  store: TokenStore;
  verifier: TokenVerifier;
  adminBatchBodyLimitBytes: number;
  tokenDefaultTtlSeconds: number;
  tokenMaxTtlSeconds: number;
  /** Answers `type: "jwt"` issue requests (signed, not stored). Absent: only opaque tokens are issued. */
  issueJwt?: (req: Request, res: Response) => Promise<void>;
  tokenQueryParam: string;
  viewerSessionWindowSeconds: number;
  /** Live sessions (GET /v1/sessions, /v1/streams, DELETE /v1/sessions/{id}); absent = those routes do not exist. */
  sessions?: SessionRegistry | undefined;
  /** Where Idempotency-Key answers are kept (the token store's Redis, or this process's memory). */
  idempotency: IdempotencyStore;
  /** Called after a PATCH is stored: drops cached decisions here and elsewhere; no revocation, live sessions go on. */
  onChanged?(tokenId: string, timeoutMs?: number): Promise<void>;
}

/**
 * `/v1`: the admin API. This file: issue, read and revoke one token; the other route groups live in their own
 * routers, mounted below after authentication. Every change writes one audit line (never a secret).
 */
export function createTokensRouter(deps: TokensRouterDeps): Router {
  const router = Router();
  const { metrics } = deps;
  const admin = createAdminContext(deps);

  router.use(authenticateAdmin(deps.adminKeys, { metrics, logger: deps.logger }, deps.adminAuthLimit));
  router.use(refuseUnknownQueryParams());

  const idempotency = { store: deps.idempotency, admin, logger: deps.logger };
  const issueOnce = idempotentIssue('POST /v1/tokens', idempotency);
  router.post('/tokens', requireScope('tokens:write', metrics), requireJson, jsonBody(deps.bodyLimitBytes), issueOnce, issueRoute(deps, admin));

  router.get('/tokens/:id', requireScope('tokens:read', metrics), async (req, res) => {
    const entry = await admin.storeCall(deps.store.findEntryById(admin.tokenIdParam(req)), res);
    if (!entry) return sendError(res, 'not_found', 'No token with this id');
    res.json(toTokenView(entry.record, deps.clock.now(), entry.usage));
  });

  router.delete('/tokens/:id', requireScope('tokens:write', metrics), async (req, res) => {
    const id = admin.tokenIdParam(req);
    const record = await admin.storeCall(deps.store.revoke(id, deps.clock.now()), res);
    if (!record) return sendError(res, 'not_found', 'No token with this id');
    await deps.onRevoked?.(record.id, admin.remainingMs(res));
    metrics.adminTokens.inc({ operation: 'revoke' });
    admin.audit(res, 'token.revoke', record.id);
    // Read again for the usage counters. The revocation is done by now, so a failing read must not turn the
    // answer into an error; the counters then read as zero.
    const entry = await admin.storeCall(deps.store.findEntryById(id), res).catch(() => undefined);
    res.json(toTokenView(record, deps.clock.now(), entry?.usage));
  });

  const groupDeps = { ...deps, admin, issueBatchOnce: idempotentIssue('POST /v1/tokens/batch', idempotency) };
  router.use(createTokenListRouter(groupDeps));
  router.use(createTokenUpdateRouter(groupDeps));
  router.use(createTokenBatchRouter(groupDeps));
  router.use(createTokenSessionsRouter(groupDeps));
  router.use(createDecisionsRouter(groupDeps));
  if (deps.sessions) router.use(createSessionsRouter({ ...groupDeps, sessions: deps.sessions }));
  return router;
}

/** `POST /v1/tokens`: an opaque token, stored (or a JWT through `issueJwt`); the token is in this answer only. */
function issueRoute(deps: TokensRouterDeps, admin: AdminContext): RequestHandler {
  return async (req, res) => {
    if (deps.issueJwt && (req.body as { type?: unknown } | null)?.type === 'jwt') return deps.issueJwt(req, res);
    const parsed = issueTokenSchema.safeParse(req.body);
    if (!parsed.success) return sendValidationFailed(res, validationDetails(parsed.error));
    let issued;
    try {
      issued = await admin.storeCall(
        issueToken(parsed.data, {
          store: deps.store,
          now: deps.clock.now(),
          defaultTtlSeconds: deps.tokenDefaultTtlSeconds,
          maxTtlSeconds: deps.tokenMaxTtlSeconds,
        }),
        res,
      );
    } catch (error) {
      return sendInputError(res, error);
    }
    deps.metrics.adminTokens.inc({ operation: 'issue' });
    admin.audit(res, 'token.issue', issued.record.id);
    res.status(201).setHeader('Cache-Control', 'no-store');
    res.location(`${req.baseUrl}/tokens/${issued.record.id}`);
    res.json({ token: issued.token, record: toTokenView(issued.record, deps.clock.now()) });
  };
}
