import { Router, type Request } from 'express';
import { z } from 'zod';
import type { Metrics } from '../observability/metrics.js';
import type { Clock } from '../shared/clock.js';
import { AppError } from '../shared/app-error.js';
import { SESSION_ID_PATTERN, type LiveSession, type SessionRegistry } from '../tokens/sessions/session-registry.js';
import { viewerIdSchema } from '../tokens/sessions/viewer-id.js';
import { sendValidationFailed, validationDetails, type AdminContext } from './admin-context.js';
import { requireScope } from './require-admin.js';

const LIMIT_DEFAULT = 50;
const LIMIT_MAX = 200;

const limitSchema = z
  .string()
  .regex(/^\d+$/, { message: 'must be a whole number' })
  .transform(Number)
  .pipe(z.number().int().min(1).max(LIMIT_MAX))
  .optional();

const sessionsQuerySchema = z
  .object({
    limit: limitSchema,
    cursor: z.string().regex(SESSION_ID_PATTERN, { message: 'is not a cursor from a previous page' }).optional(),
    stream: z.string().min(1).max(256).optional(),
    appKey: z.string().min(1).max(128).optional(),
    viewerId: viewerIdSchema.optional(),
    tokenId: z.string().min(1).max(256).optional(),
  })
  .strict();

const streamsQuerySchema = z
  .object({ limit: limitSchema, cursor: z.string().regex(/^\d{1,9}$/, { message: 'is not a cursor from a previous page' }).optional() })
  .strict();

const iso = (ms: number) => new Date(ms).toISOString();

function toLiveSessionView(session: LiveSession) {
  return { ...session, startedAt: iso(session.startedAt), lastSeenAt: iso(session.lastSeenAt) };
}

/**
 * `/v1/sessions` and `/v1/streams`: who is watching what right now, across tokens and instances (the registry
 * lives in the store), and `DELETE /v1/sessions/{id}` to end one session: its next check is refused
 * (`session_ended`) on every instance. Scopes sessions:read and sessions:write.
 */
export function createSessionsRouter(deps: {
  sessions: SessionRegistry;
  clock: Clock;
  metrics: Metrics;
  admin: AdminContext;
}): Router {
  const router = Router();
  const { admin, metrics } = deps;

  router.get('/sessions', requireScope('sessions:read', metrics), async (req, res) => {
    const parsed = sessionsQuerySchema.safeParse(req.query);
    if (!parsed.success) return sendValidationFailed(res, validationDetails(parsed.error));
    const { limit = LIMIT_DEFAULT, cursor, ...filter } = parsed.data;
    const page = await admin.storeCall(deps.sessions.list(filter, cursor, limit, deps.clock.now()));
    res.json({ items: page.items.map(toLiveSessionView), nextCursor: page.nextCursor });
  });

  router.get('/streams', requireScope('sessions:read', metrics), async (req, res) => {
    const parsed = streamsQuerySchema.safeParse(req.query);
    if (!parsed.success) return sendValidationFailed(res, validationDetails(parsed.error));
    const { limit = LIMIT_DEFAULT, cursor } = parsed.data;
    res.json(await admin.storeCall(deps.sessions.streams(cursor, limit)));
  });

  router.delete('/sessions/:id', requireScope('sessions:write', metrics), async (req, res) => {
    const id = sessionIdParam(req);
    const tokenId = await admin.storeCall(deps.sessions.end(id, 'kicked', deps.clock.now()));
    if (tokenId === undefined) throw new AppError('not_found', 'No live session with this id');
    metrics.sessionsEnded.inc({ cause: 'kicked' });
    admin.audit(res, 'session.end', tokenId, { sessionId: id });
    res.status(204).end();
  });
  return router;
}

function sessionIdParam(req: Request): string {
  const id = req.params.id;
  if (typeof id !== 'string' || !SESSION_ID_PATTERN.test(id)) throw new AppError('not_found', 'No live session with this id');
  return id;
}
