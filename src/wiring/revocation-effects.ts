import type { Logger } from 'pino';
import { storeErrorKind } from '../observability/timed-store-operation.js';
import type { Metrics } from '../observability/metrics.js';
import type { DecisionCache } from '../playback/decision-cache.js';
import type { Clock } from '../shared/clock.js';
import { withTimeout } from '../shared/with-timeout.js';
import type { SessionRegistry } from '../tokens/sessions/session-registry.js';

export interface RevocationEffectsDeps {
  decisionCache: DecisionCache | undefined;
  sessions: SessionRegistry;
  /** Tells the other instances about a revocation; absent = single instance. */
  channel: { publish(tokenId: string): Promise<void> } | undefined;
  clock: Clock;
  logger: Logger;
  metrics: Metrics;
  storeTimeoutMs: number;
}

/**
 * What follows a revocation beyond the store: here (an admin revoked) and when another instance tells us; and what
 * follows a PATCH, which shares the cache-dropping half of it.
 */
export interface RevocationEffects {
  /** A revocation made here: the cached allows go, the token's live sessions end, the other instances are told. */
  revokedHere(tokenId: string, timeoutMs?: number): Promise<void>;
  /**
   * A PATCH made here: it may narrow what the token allows, so its cached allows go, here and (through the same
   * channel) on the other instances. It is no revocation: no token.revoked, and its live sessions go on, each check
   * deciding by the new record (a disabled token's checks are refused, so its sessions end as idle).
   */
  changedHere(tokenId: string, timeoutMs?: number): Promise<void>;
  /** Another instance's revocation (its message, or the log replayed on a resync). */
  dropCached(tokenId: string, source: 'message' | 'resync'): number;
}

export function createRevocationEffects(deps: RevocationEffectsDeps): RevocationEffects {
  const { decisionCache, metrics, logger } = deps;

  // token.revoked, and the token's live sessions end (session.ended, cause token_revoked). Should the store fail
  // here, the revocation still stands (every check reads it) and those sessions end as idle later.
  async function endSessions(tokenId: string): Promise<void> {
    try {
      const ended = await deps.sessions.tokenRevoked(tokenId, deps.clock.now());
      if (ended > 0) metrics.sessionsEnded.inc({ cause: 'token_revoked' }, ended);
    } catch (error) {
      logger.warn({ event: 'revoked_sessions_failed', tokenId, kind: storeErrorKind(error) }, 'could not end the sessions of a revoked token');
    }
  }

  async function publish(channel: NonNullable<RevocationEffectsDeps['channel']>, tokenId: string, timeoutMs: number): Promise<void> {
    try {
      await withTimeout(channel.publish(tokenId), timeoutMs);
      metrics.revocationMessages.inc({ event: 'published' });
    } catch (error) {
      // The revocation is stored, and every instance reads the store for each decision; only a cached allow
      // elsewhere can outlive it, until its TTL ends or that instance's subscription resyncs.
      metrics.revocationMessages.inc({ event: 'publish_failed' });
      logger.warn({ event: 'revocation_publish_failed', tokenId, kind: storeErrorKind(error) }, 'could not tell other instances about a revocation');
    }
  }

  function dropCachedHere(tokenId: string): void {
    const dropped = decisionCache?.invalidateToken(tokenId) ?? 0;
    if (dropped > 0) metrics.decisionCacheInvalidations.inc({ source: 'local' }, dropped);
  }

  return {
    revokedHere: async (tokenId, timeoutMs = deps.storeTimeoutMs) => {
      dropCachedHere(tokenId);
      await endSessions(tokenId);
      if (deps.channel) await publish(deps.channel, tokenId, timeoutMs);
    },
    changedHere: async (tokenId, timeoutMs = deps.storeTimeoutMs) => {
      dropCachedHere(tokenId);
      if (deps.channel) await publish(deps.channel, tokenId, timeoutMs);
    },
    dropCached: (tokenId, source) => {
      const dropped = decisionCache?.invalidateToken(tokenId) ?? 0;
      if (dropped > 0 && source === 'message') metrics.decisionCacheInvalidations.inc({ source }, dropped);
      return dropped;
    },
  };
}
