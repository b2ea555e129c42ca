import { Router } from 'express';
import type { Metrics } from '../observability/metrics.js';
import type { Clock } from '../shared/clock.js';
import { sendError } from '../shared/http.js';
import type { TokenStore } from '../tokens/token-store.js';
import { toSessionView } from '../tokens/token-view.js';
import type { AdminContext } from './admin-context.js';
import { requireScope } from './require-admin.js';

/** `GET /v1/tokens/{id}/sessions`: the viewer sessions a token started, oldest first. */
export function createTokenSessionsRouter(deps: {
  store: TokenStore;
  clock: Clock;
  metrics: Metrics;
  admin: AdminContext;
  viewerSessionWindowSeconds: number;
}): Router {
  const router = Router();
  router.get('/tokens/:id/sessions', requireScope('tokens:read', deps.metrics), async (req, res) => {
    const id = deps.admin.tokenIdParam(req);
    const sessions = await deps.admin.storeCall(deps.store.listSessions(id), res);
    if (!sessions) return sendError(res, 'not_found', 'No token with this id');
    const now = deps.clock.now();
    const windowMs = deps.viewerSessionWindowSeconds * 1000;
    res.json({ tokenId: id, sessions: sessions.map((session) => toSessionView(session, now, windowMs)) });
  });
  return router;
}
