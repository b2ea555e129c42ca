import type { Logger } from 'pino';
import type { Config } from '../config.js';
import type { Metrics } from '../observability/metrics.js';
import { DecisionCache } from '../playback/decision-cache.js';
import type { Clock } from '../shared/clock.js';
import type { RedisRevocationChannel } from '../tokens/revocation-channel.js';
import type { RevocationEffects } from './revocation-effects.js';

/** The cache of allows behind STORE_FAILURE_POLICY=cached; absent with any other policy. */
export function buildDecisionCache(config: Config, clock: Clock, metrics: Metrics): DecisionCache | undefined {
  if (config.storeFailurePolicy !== 'cached') return undefined;
  return new DecisionCache({
    ttlMs: config.decisionCacheSettings.ttlSeconds * 1000,
    maxEntries: config.decisionCacheSettings.maxEntries,
    clock,
    onSizeChange: (size) => metrics.decisionCacheEntries.set(size),
  });
}

/**
 * Listens for other instances' revocations (Redis only) and drops the allows they make stale. Resolves once
 * subscribed, which during a Redis outage is when Redis is back; never rejects.
 */
export async function subscribeToRevocations(
  channel: RedisRevocationChannel | undefined,
  deps: { effects: RevocationEffects; decisionCache: DecisionCache | undefined; logger: Logger; metrics: Metrics },
): Promise<void> {
  if (!channel) return;
  const { effects, decisionCache, logger, metrics } = deps;
  try {
    await channel.subscribe({
      onRevoked: (tokenId) => {
        metrics.revocationMessages.inc({ event: 'received' });
        effects.dropCached(tokenId, 'message');
      },
      onResync: (missed) => {
        // Missed messages are in the log; without it, nothing cached can be trusted.
        let dropped = 0;
        if (missed) for (const tokenId of missed) dropped += effects.dropCached(tokenId, 'resync');
        else dropped = decisionCache?.clear() ?? 0;
        metrics.decisionCacheInvalidations.inc({ source: 'resync' }, dropped);
        logger.info(
          { event: 'revocations_resync', missed: missed?.length ?? null, dropped },
          missed ? 'revocation channel reconnected: applied the revocations it missed' : 'revocation channel reconnected: cleared the decision cache',
        );
      },
    });
  } catch (error) {
    // ioredis keeps retrying the subscription in the background; until then only local revocations reach the
    // cache, and the reconnection clears it.
    logger.warn({ event: 'revocations_subscribe_failed', err: error }, 'could not subscribe to revocations yet');
  }
}
