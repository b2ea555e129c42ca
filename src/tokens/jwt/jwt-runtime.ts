import type { RedisClient } from '../redis-client.js';
import type { MemorySessionRegistry } from '../sessions/memory-session-registry.js';
import type { RedisSessionRegistry } from '../sessions/redis-session-registry.js';
import type { Logger } from 'pino';
import { timedStoreOperation } from '../../observability/instrumented-token-store.js';
import { createJwtMetrics } from '../../observability/jwt-metrics.js';
import type { Metrics } from '../../observability/metrics.js';
import type { Clock } from '../../shared/clock.js';
import type { JtiStore } from './jti-store.js';
import { JwksCache, type JwksOptions } from './jwks-cache.js';
import type { JwtKeySpec } from './jwt-key-spec.js';
import { JwtTokenVerifier } from './jwt-token-verifier.js';
import { KeyRing } from './key-ring.js';
import { MemoryJtiStore } from './memory-jti-store.js';
import { RedisJtiStore } from './redis-jti-store.js';
import { VerifiedJwtCache } from './verified-jwt-cache.js';

/** The JWT settings (see config.ts and README's configuration table). */
export interface JwtConfig {
  enabled: boolean;
  keys: JwtKeySpec[];
  signingKeys: JwtKeySpec[];
  jwks: JwksOptions | undefined;
  keysReloadIntervalSeconds: number;
  unknownKidWaitMs: number;
  clockSkewSeconds: number;
  requireExp: boolean;
  issuers: string[] | null;
  audiences: string[] | null;
  signingIssuer: string;
  signingAudience: string | undefined;
  viewerIdHeader: string | null;
  /** JWT_VERIFIED_CACHE_SIZE: tokens whose signature check is remembered (0 = every request checks it). */
  verifiedCacheSize: number;
}

export interface JwtRuntime {
  config: JwtConfig;
  keys: KeyRing;
  jwks: JwksCache | undefined;
  jtis: JtiStore;
  /** undefined when JWT verification is turned off (JWT_ENABLED=false). */
  verifier: JwtTokenVerifier | undefined;
  /** First JWKS fetch (never rejects), then background refresh and key file watching. */
  start(): Promise<void>;
  /** Re-reads the key files now (SIGHUP). */
  reloadKeys(): Promise<boolean>;
  close(): Promise<void>;
}

export interface JwtRuntimeDeps {
  clock: Clock;
  logger: Logger;
  metrics: Metrics;
  /** With TOKEN_STORE=redis: the token store's connection, so revocations are shared by every instance. */
  redis: { client: RedisClient; keyPrefix: string } | undefined;
  /** Live sessions across tokens (the token store's registry); absent = JWT decisions do not take part. */
  sessions?: MemorySessionRegistry | RedisSessionRegistry | undefined;
}

/** Times jti operations in the store metrics, like the token store's own operations. */
function instrumentJtiStore(store: JtiStore, metrics: Metrics): JtiStore {
  return {
    kind: store.kind,
    check: timedStoreOperation(metrics, store.kind, 'jti_check', (jti: string, use: Parameters<JtiStore['check']>[1]) =>
      store.check(jti, use),
    ),
    revoke: timedStoreOperation(metrics, store.kind, 'jti_revoke', (jti: string, at: number, until: number) =>
      store.revoke(jti, at, until),
    ),
    close: () => store.close(),
  };
}

/**
 * Builds the JWT parts from the config, once: keys are parsed here (a bad key throws JwtKeyError, which stops the
 * service naming the variable), never per request.
 */
export function createJwtRuntime(config: JwtConfig, deps: JwtRuntimeDeps): JwtRuntime {
  const jwtMetrics = createJwtMetrics(deps.metrics.registry);
  const keys = new KeyRing({ verify: config.keys, signing: config.signingKeys }, deps.logger);
  const jwks =
    config.jwks &&
    new JwksCache(config.jwks, {
      clock: deps.clock,
      logger: deps.logger,
      onFetch: (trigger, result) => jwtMetrics.jwksFetches.inc({ trigger, result }),
    });
  // The jti store decides a JWT's session part with its jti, in one step: it needs the registry of its own kind.
  const { sessions } = deps;
  const rawJtis: JtiStore = deps.redis
    ? new RedisJtiStore({ redis: deps.redis.client, keyPrefix: deps.redis.keyPrefix, sessions: sessions?.kind === 'redis' ? sessions : undefined })
    : new MemoryJtiStore(deps.clock, sessions?.kind === 'memory' ? sessions : undefined);
  const jtis = instrumentJtiStore(rawJtis, deps.metrics);
  const verifier = config.enabled
    ? new JwtTokenVerifier({
        keys,
        jwks,
        jtis,
        clock: deps.clock,
        sessions: deps.sessions,
        verified: new VerifiedJwtCache(config.verifiedCacheSize),
        onVerifiedCacheLookup: (hit) => jwtMetrics.verifiedCache.inc({ result: hit ? 'hit' : 'miss' }),
        options: {
          requireExp: config.requireExp,
          clockSkewSeconds: config.clockSkewSeconds,
          issuers: config.issuers,
          audiences: config.audiences,
          unknownKidWaitMs: config.unknownKidWaitMs,
          viewerIdHeader: config.viewerIdHeader,
        },
      })
    : undefined;
  const reloadKeys = async () => {
    const ok = await keys.reload();
    jwtMetrics.keyReloads.inc({ result: ok ? 'ok' : 'error' });
    return ok;
  };
  return {
    config,
    keys,
    jwks,
    jtis,
    verifier,
    reloadKeys,
    start: async () => {
      keys.watch(config.keysReloadIntervalSeconds * 1000, (ok) => jwtMetrics.keyReloads.inc({ result: ok ? 'ok' : 'error' }));
      await jwks?.start();
    },
    close: async () => {
      keys.close();
      jwks?.close();
      await jtis.close();
    },
  };
}
