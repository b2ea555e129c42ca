import type { RequestHandler } from 'express';
import type { Metrics } from '../observability/metrics.js';
import { sendError } from '../shared/http.js';
import { findAdminKey, type AdminKey, type AdminScope } from './admin-keys.js';

/** Bearer authentication against the configured admin keys; the key's id is kept for the audit log. */
export function authenticateAdmin(keys: readonly AdminKey[], metrics: Metrics): RequestHandler {
  return (req, res, next) => {
    const header = req.get('authorization');
    const match = header === undefined ? null : /^Bearer\s+(\S+)\s*$/i.exec(header);
    if (!match?.[1]) {
      metrics.adminAuthFailures.inc({ reason: 'missing' });
      res.setHeader('WWW-Authenticate', 'Bearer');
      return sendError(res, 'unauthorized', 'Authorization: Bearer <admin API key> is required');
    }
    const key = findAdminKey(keys, match[1]);
    if (!key) {
      metrics.adminAuthFailures.inc({ reason: 'invalid' });
      res.setHeader('WWW-Authenticate', 'Bearer error="invalid_token"');
      return sendError(res, 'unauthorized', 'The admin API key is not valid');
    }
    res.locals.adminKey = key;
    next();
  };
}

export function requireScope(scope: AdminScope, metrics: Metrics): RequestHandler {
  return (_req, res, next) => {
    const key = res.locals.adminKey as AdminKey | undefined;
    if (key?.scopes.has(scope)) return next();
    metrics.adminAuthFailures.inc({ reason: 'forbidden' });
    sendError(res, 'forbidden', `This admin API key lacks the ${scope} scope`);
  };
}
