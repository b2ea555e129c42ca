import { isUtf8 } from 'node:buffer';
import express, { Router, type Request, type Response } from 'express';
import type { Logger } from 'pino';
import { recordDecision } from '../observability/decision-log.js';
import { wcsMethodLabel, type Metrics } from '../observability/metrics.js';
import { requestIdOf, requireJson, sendError } from '../shared/http.js';
import { findUnsafeJson } from '../shared/json-safety.js';
import { authorizePlayback, type AuthorizeDeps } from './authorize-playback.js';
import { deny, type Decision } from './decision.js';
import type { MethodRule } from './enforced-methods.js';
import { readHookFields } from './wcs-hook-body.js';
import { isValidWcsSignature } from './wcs-signature.js';

export interface WcsHookDeps extends AuthorizeDeps {
  logger: Logger;
  metrics: Metrics;
  tokenQueryParam: string;
  signingSecret: string | undefined;
  allowHeaders: Readonly<Record<string, string>>;
  exposeDenyReason: boolean;
  bodyLimitBytes: number;
  /** Methods whose token is checked, and how (ENFORCED_METHODS). Every other method is echoed. */
  enforcedMethods: ReadonlyMap<string, MethodRule>;
}

/**
 * `POST <base>/<method>`: WCS's REST hooks. The body is read as raw bytes because the signature covers the bytes
 * as sent and the allow answer echoes them unchanged; JSON is parsed from those bytes afterwards.
 */
export function createWcsHookRouter(deps: WcsHookDeps): Router {
  const router = Router();
  const secret = deps.signingSecret === undefined ? undefined : Buffer.from(deps.signingSecret, 'utf8');
  const allowHeaderEntries = Object.entries(deps.allowHeaders);

  const answerDecision = (res: Response, decision: Decision, raw: Buffer) => {
    if (decision.allow) {
      for (const [name, value] of allowHeaderEntries) res.setHeader(name, value);
      for (const [name, value] of Object.entries(decision.headers)) res.setHeader(name, value);
      res.status(200).type('application/json').send(raw);
      return;
    }
    // The reason stays in our log: telling a caller why a token failed helps whoever is guessing tokens.
    if (deps.exposeDenyReason) res.setHeader('X-Deny-Reason', decision.reason);
    sendError(res, 'forbidden', 'Access denied');
  };

  router.post(
    '/:method',
    requireJson,
    express.raw({ type: () => true, limit: deps.bodyLimitBytes }),
    async (req: Request<{ method: string }>, res: Response) => {
      const started = process.hrtime.bigint();
      const raw = Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0);
      const method = req.params.method;
      const rule = deps.enforcedMethods.get(method);
      const elapsedSeconds = () => Number(process.hrtime.bigint() - started) / 1e9;

      // Unsigned or wrongly signed requests did not come from our WCS: refuse them on every method.
      if (secret && !isValidWcsSignature(secret, raw, req.get('authorization'))) {
        const decision = deny('bad_signature');
        recordDecision(deps, decision, contextOf(method, res), elapsedSeconds());
        return answerDecision(res, decision, raw);
      }

      // Decoding would replace invalid bytes with U+FFFD: a token would then be compared in a form nobody sent.
      if (!isUtf8(raw)) return sendError(res, 'invalid_json', 'Request body is not valid UTF-8');
      let body: unknown;
      try {
        body = JSON.parse(raw.toString('utf8'));
      } catch {
        return sendError(res, 'invalid_json', 'Request body is not valid JSON');
      }
      if (rule === undefined) {
        res.status(200).type('application/json').send(raw);
        return;
      }
      const unsafe = findUnsafeJson(body);
      if (unsafe) return sendError(res, 'validation_failed', `${unsafe.field}: ${unsafe.message}`, [unsafe]);

      const parsed = readHookFields(body, deps.tokenQueryParam, { streamRequired: rule.scope === 'stream' });
      if (!parsed.ok) {
        return sendError(res, 'validation_failed', `${parsed.field}: ${parsed.message}`, [
          { field: parsed.field, message: parsed.message },
        ]);
      }
      const { stream, appKey, token, clientIp, mediaSessionId } = parsed.fields;
      const decision = await authorizePlayback(
        token,
        { stream, appKey, action: rule.action, clientIp, viewerSessionId: mediaSessionId, consume: rule.scope === 'stream' },
        deps,
      );
      recordDecision(
        deps,
        decision,
        { ...contextOf(method, res), stream, appKey, clientIp, viewerSessionId: mediaSessionId },
        elapsedSeconds(),
      );
      answerDecision(res, decision, raw);
    },
  );
  return router;
}

function contextOf(method: string, res: Response) {
  return {
    method: wcsMethodLabel(method),
    stream: undefined,
    appKey: undefined,
    clientIp: undefined,
    viewerSessionId: undefined,
    requestId: requestIdOf(res),
  };
}
