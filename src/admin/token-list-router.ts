import { Router } from 'express';
import { z } from 'zod';
import type { Metrics } from '../observability/metrics.js';
import type { Clock } from '../shared/clock.js';
import { decodeCursor, LIST_LIMIT_DEFAULT, LIST_LIMIT_MAX, listTokens } from '../tokens/token-list.js';
import { TOKEN_STATES } from '../tokens/token-record.js';
import type { TokenStore } from '../tokens/token-store.js';
import { toTokenView } from '../tokens/token-view.js';
import { sendValidationFailed, validationDetails, type AdminContext } from './admin-context.js';
import { requireScope } from './require-admin.js';

const listQuerySchema = z
  .object({
    limit: z
      .string()
      .regex(/^\d+$/, { message: 'must be a whole number' })
      .transform(Number)
      .pipe(z.number().int().min(1).max(LIST_LIMIT_MAX))
      .optional(),
    cursor: z.string().optional(),
    stream: z.string().min(1).max(256).optional(),
    appKey: z.string().min(1).max(128).optional(),
    state: z.enum(TOKEN_STATES).optional(),
  })
  .strict();

/** `GET /v1/tokens`: newest first, filtered, paged by an opaque cursor. Records only: never a secret. */
export function createTokenListRouter(deps: { store: TokenStore; clock: Clock; metrics: Metrics; admin: AdminContext }): Router {
  const router = Router();
  router.get('/tokens', requireScope('tokens:read', deps.metrics), async (req, res) => {
    const parsed = listQuerySchema.safeParse(req.query);
    if (!parsed.success) return sendValidationFailed(res, validationDetails(parsed.error));
    const { limit = LIST_LIMIT_DEFAULT, cursor, stream, appKey, state } = parsed.data;
    const after = cursor === undefined ? undefined : decodeCursor(cursor);
    if (cursor !== undefined && after === undefined) {
      return sendValidationFailed(res, [{ field: 'cursor', message: 'is not a cursor from a previous page' }]);
    }
    const now = deps.clock.now();
    const page = await deps.admin.storeCall(listTokens(deps.store, { limit, after, stream, appKey, state }, now), res);
    res.json({ items: page.items.map((entry) => toTokenView(entry.record, now, entry.usage)), nextCursor: page.nextCursor });
  });
  return router;
}
