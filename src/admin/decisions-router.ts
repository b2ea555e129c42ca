import { Router } from 'express';
import { z } from 'zod';
import type { Metrics } from '../observability/metrics.js';
import { ENFORCEABLE_METHODS } from '../playback/enforced-methods.js';
import { readHookFields } from '../playback/wcs-hook-body.js';
import { jsonBody, requireJson } from '../shared/http.js';
import type { TokenVerifier } from '../tokens/token-verifier.js';
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
    if (token === undefined) return void res.json({ allow: false, reason: 'missing_token', tokenId: null, headers: {} });
    if (token === null) return void res.json({ allow: false, reason: 'malformed_token', tokenId: null, headers: {} });
    const verdict = await deps.admin.storeCall(
      deps.verifier.verify(token, { stream, appKey, action: rule.action, clientIp, viewerSessionId: mediaSessionId, consume: false }),
      res,
    );
    res.json(
      verdict.valid
        ? { allow: true, reason: 'valid', tokenId: verdict.tokenId, headers: verdict.headers }
        : { allow: false, reason: verdict.reason, tokenId: verdict.tokenId, headers: {} },
    );
  });
  return router;
}
