import type { Logger } from 'pino';
import type { Metrics } from '../observability/metrics.js';
import type { Clock } from '../shared/clock.js';
import type { AdminKey } from './admin-keys.js';
import type { AdminAuthLimit } from './require-admin.js';

/** What the /v1 routers that authenticate on their own are built from. */
export interface AdminRouterDeps {
  clock: Clock;
  logger: Logger;
  metrics: Metrics;
  adminKeys: readonly AdminKey[];
  storeTimeoutMs: number;
  bodyLimitBytes: number;
  /** Rate limit on failed authentication; absent = none. */
  adminAuthLimit?: AdminAuthLimit | undefined;
  /**
   * Called after a revocation (of a token or a JWT id) is stored, before the answer: drops cached decisions here and
   * tells the other instances. Never throws (the revocation itself is done). `timeoutMs`: what is left of the
   * request's store budget for telling other instances.
   */
  onRevoked?(tokenId: string, timeoutMs?: number): Promise<void>;
}
