import { Router } from 'express';
import { z } from 'zod';
import type { Metrics } from '../observability/metrics.js';
import { authorizePlayback } from '../playback/authorize-playback.js';
import type { Decision } from '../playback/decision.js';
import { ENFORCEABLE_METHODS } from '../playback/enforced-methods.js';
import { readHookFields } from '../playback/wcs-hook-body.js';
import { jsonBody, requireJson } from '../shared/http.js';
import type { AccessRequest, TokenVerifier } from '../tokens/token-verifier.js';
import { sendValidationFailed, validationDetails, type AdminContext } from './admin-context.js';
import { requireScope } from './require-admin.js';

const METHODS = Object.keys(ENFORCEABLE_METHODS) as [string, ...string[]];

const decisionSchema = z
  .object({
    method: z.enum(METHODS).default('playHLS'),
    body: z.record(z.string(), z.unknown()),
  })
  .strict();

/**
 * `POST /v1/decisions`: what the hook would decide for a WCS body, without consuming anything (no use spent, no
 * session recorded, no IP bound). This is the one place that shows a deny reason, and only to an admin key.
 * The method is evaluated as if enforced, whatever ENFORCED_METHODS says; the signature is not part of it.
 */
export function createDecisionsRouter(deps: {
  verifier: TokenVerifier;
  metrics: Metrics;
  admin: AdminContext;
  bodyLimitBytes: number;
  tokenQueryParam: string;
}): Router {
  const router = Router();
  router.post('/decisions', requireScope('tokens:read', deps.metrics), requireJson, jsonBody(deps.bodyLimitBytes), async (req, res) => {
    const parsed = decisionSchema.safeParse(req.body);
    if (!parsed.success) return sendValidationFailed(res, validationDetails(parsed.error));
    const { method, body } = parsed.data;
    const rule = ENFORCEABLE_METHODS[method];
    if (!rule) return sendValidationFailed(res, [{ field: 'method', message: 'is not a method that can be enforced' }]);
    const fields = readHookFields(body, deps.tokenQueryParam, { streamRequired: rule.scope === 'stream' });
    if (!fields.ok) return sendValidationFailed(res, [{ field: `body.${fields.field}`, message: fields.message }]);
    const { token, stream, appKey, clientIp, mediaSessionId } = fields.fields;
    const request: AccessRequest = { stream, appKey, action: rule.action, clientIp, viewerSessionId: mediaSessionId, consume: false };
    const decision = await deps.admin.storeCall(dryRun(token, request, deps.verifier, deps.admin.remainingMs(res)), res);
    res.json({ allow: decision.allow, reason: decision.reason, tokenId: decision.tokenId, headers: decision.allow ? decision.headers : {} });
  });
  return router;
}

/**
 * The hook's own decision (missing and malformed tokens included), without throttle or decision cache. The admin
 * API has no failure policy: a store failure is rethrown, and storeCall answers 503 instead of a policy's answer.
 */
async function dryRun(token: string | undefined | null, request: AccessRequest, verifier: TokenVerifier, storeTimeoutMs: number): Promise<Decision> {
  let failure: { error: unknown } | undefined;
  const decision = await authorizePlayback(token, request, {
    verifier,
    storeTimeoutMs,
    storeFailurePolicy: 'deny',
    onStoreFailure: (error) => {
      failure = { error };
    },
  });
  if (failure) throw failure.error;
  return decision;
}
