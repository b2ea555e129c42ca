import { randomUUID } from 'node:crypto';
import { Router, type RequestHandler } from 'express';
import { z } from 'zod';
import type { Metrics } from '../observability/metrics.js';
import type { Clock } from '../shared/clock.js';
import { jsonBody, requireJson } from '../shared/http.js';
import { BATCH_MAX_TOKENS, issueTokens, issueTokenSchema, type IssueTokenInput } from '../tokens/issue-token.js';
import type { TokenStore } from '../tokens/token-store.js';
import { toTokenView } from '../tokens/token-view.js';
import { sendInputError, sendValidationFailed, validationDetails, type AdminContext } from './admin-context.js';
import { requireScope } from './require-admin.js';

/** Either a list of issue requests, or one request to repeat `count` times (e.g. one-time tickets for an event). */
const batchSchema = z.union([
  z.object({ items: z.array(issueTokenSchema).min(1).max(BATCH_MAX_TOKENS) }).strict(),
  z.object({ template: issueTokenSchema, count: z.number().int().min(1).max(BATCH_MAX_TOKENS) }).strict(),
]);

/**
 * `POST /v1/tokens/batch`: up to BATCH_MAX_TOKENS tokens in one call, all or none. Each secret is in this one
 * answer only. One audit line per token, tied together by a batch id.
 */
export function createTokenBatchRouter(deps: {
  store: TokenStore;
  clock: Clock;
  metrics: Metrics;
  admin: AdminContext;
  adminBatchBodyLimitBytes: number;
  tokenDefaultTtlSeconds: number;
  tokenMaxTtlSeconds: number;
  /** Idempotency-Key handling (idempotent-issue.ts). */
  issueBatchOnce: RequestHandler;
}): Router {
  const router = Router();
  router.post(
    '/tokens/batch',
    requireScope('tokens:write', deps.metrics),
    requireJson,
    jsonBody(deps.adminBatchBodyLimitBytes),
    deps.issueBatchOnce,
    async (req, res) => {
      const parsed = batchSchema.safeParse(req.body);
      if (!parsed.success) return sendValidationFailed(res, batchProblems(req.body, parsed.error));
      const inputs: IssueTokenInput[] =
        'items' in parsed.data ? parsed.data.items : Array.from({ length: parsed.data.count }, () => (parsed.data as { template: IssueTokenInput }).template);
      const now = deps.clock.now();
      let issued;
      try {
        // No overall timeout: a batch abandoned half-way could not roll itself back. Each store command is bounded
        // by the store's own timeout, and a failure removes whatever the batch had written.
        issued = await deps.admin.storeCall(
          issueTokens(inputs, { store: deps.store, now, defaultTtlSeconds: deps.tokenDefaultTtlSeconds, maxTtlSeconds: deps.tokenMaxTtlSeconds }),
          null,
        );
      } catch (error) {
        return sendInputError(res, error);
      }
      const batchId = randomUUID();
      deps.metrics.adminTokens.inc({ operation: 'issue' }, issued.length);
      for (const { record } of issued) deps.admin.audit(res, 'token.issue', record.id, { batchId });
      res.status(201).setHeader('Cache-Control', 'no-store');
      res.json({ batchId, tokens: issued.map(({ token, record }) => ({ token, record: toTokenView(record, now) })) });
    },
  );
  return router;
}

/**
 * A union's error lists both alternatives; report against the one the body was meant to be, so the field named is
 * the one to fix (`items.3.streams`, `template.ttlSeconds`).
 */
function batchProblems(body: unknown, error: z.ZodError) {
  const meant = typeof body === 'object' && body !== null && 'template' in body ? 1 : 0;
  const alternative = batchSchema.options[meant];
  const again = alternative?.safeParse(body);
  return again && !again.success ? validationDetails(again.error) : validationDetails(error);
}
