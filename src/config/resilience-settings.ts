import { z } from 'zod';
import { integerString, type EnvOf } from './env-values.js';

/** What decisions do when the store fails, and the limits on guessing tokens and admin keys. */
export const resilienceEnv = {
  STORE_FAILURE_POLICY: z.enum(['deny', 'allow', 'cached'], { message: 'must be deny or allow, or cached' }).default('deny'),
  DECISION_CACHE_TTL_SECONDS: integerString(1, 3600).default(30),
  DECISION_CACHE_MAX_ENTRIES: integerString(1, 1_000_000).default(10_000),
  BRUTE_FORCE_WINDOW_SECONDS: integerString(1, 86_400).default(60),
  BRUTE_FORCE_MAX_PER_IP: integerString(0, 1_000_000).default(20),
  BRUTE_FORCE_MAX_PER_STREAM: integerString(0, 1_000_000).default(0),
  ADMIN_AUTH_MAX_FAILURES: integerString(0, 1_000_000).default(10),
  ADMIN_AUTH_WINDOW_SECONDS: integerString(1, 86_400).default(300),
};

export function resilienceSettings(e: EnvOf<typeof resilienceEnv>) {
  return {
    storeFailurePolicy: e.STORE_FAILURE_POLICY,
    /** The in-process cache of recent allow decisions that STORE_FAILURE_POLICY=cached answers from. */
    decisionCacheSettings: { ttlSeconds: e.DECISION_CACHE_TTL_SECONDS, maxEntries: e.DECISION_CACHE_MAX_ENTRIES },
    /** Failed token guesses allowed per client IP / per stream and window; 0 turns a limit off. */
    bruteForce: {
      windowSeconds: e.BRUTE_FORCE_WINDOW_SECONDS,
      maxPerIp: e.BRUTE_FORCE_MAX_PER_IP,
      maxPerStream: e.BRUTE_FORCE_MAX_PER_STREAM,
    },
    /** Failed admin authentications allowed per client address and window; 0 turns the limit off. */
    adminAuthThrottle: { maxFailures: e.ADMIN_AUTH_MAX_FAILURES, windowSeconds: e.ADMIN_AUTH_WINDOW_SECONDS },
  };
}
