import { parseAdminKeys } from '../admin/admin-keys.js';
import { booleanString, integerString, parsedWith, secret, type EnvOf, type ReportProblem } from './env-values.js';

const MAX_TTL_SECONDS = 10 * 365 * 86_400;

/** Tokens as the admin API issues and keeps them, and who may call it. */
export const adminEnv = {
  TOKEN_DEFAULT_TTL_SECONDS: integerString(1, MAX_TTL_SECONDS).default(3600),
  TOKEN_MAX_TTL_SECONDS: integerString(1, MAX_TTL_SECONDS).default(30 * 86_400),
  TOKEN_RETENTION_SECONDS: integerString(0, 365 * 86_400).default(86_400),
  OPAQUE_TOKENS_ENABLED: booleanString.default(true),
  VIEWER_SESSION_WINDOW_SECONDS: integerString(1, 86_400).default(60),
  TOKEN_SESSIONS_RECORDED_MAX: integerString(0, 10_000).default(1000),
  ADMIN_BATCH_BODY_LIMIT_BYTES: integerString(1024, 50 * 1024 * 1024).default(1024 * 1024),
  // parseAdminKeys' messages never repeat a credential.
  ADMIN_API_KEYS: secret(parsedWith(parseAdminKeys).optional(), 'admin-keys'),
};

export function adminSettings(e: EnvOf<typeof adminEnv>, report: ReportProblem) {
  if (e.TOKEN_DEFAULT_TTL_SECONDS > e.TOKEN_MAX_TTL_SECONDS) report('TOKEN_DEFAULT_TTL_SECONDS', 'must not exceed TOKEN_MAX_TTL_SECONDS');
  return {
    tokenDefaultTtlSeconds: e.TOKEN_DEFAULT_TTL_SECONDS,
    tokenMaxTtlSeconds: e.TOKEN_MAX_TTL_SECONDS,
    /** How long records are kept after expiry (decisions then say `expired`, admin reads say state=expired). */
    tokenRetentionSeconds: e.TOKEN_RETENTION_SECONDS,
    /** false: opaque tokens are refused without a store lookup. */
    opaqueTokensEnabled: e.OPAQUE_TOKENS_ENABLED,
    /** A viewer session counts as active (maxViewers) for this long after its last check. */
    viewerSessionWindowSeconds: e.VIEWER_SESSION_WINDOW_SECONDS,
    /** Viewer sessions recorded per token without maxUses (GET /v1/tokens/{id}/sessions). */
    tokenSessionsRecordedMax: e.TOKEN_SESSIONS_RECORDED_MAX,
    adminBatchBodyLimitBytes: e.ADMIN_BATCH_BODY_LIMIT_BYTES,
    /** undefined: none configured (main.ts decides what that means for the store in use). */
    adminKeys: e.ADMIN_API_KEYS,
  };
}
