import type { Action } from '../tokens/token-record.js';

export interface MethodRule {
  action: Action;
  /**
   * `stream`: the body names the stream (`name`) and the request starts or continues a viewer session, so it
   * consumes (maxUses, maxViewers). `session`: WCS `connect` opens a connection before any stream is chosen, so
   * only the token itself is checked (state, time, action, appKey, IP) and nothing is consumed; the playStream
   * or publishStream that follows is the session start.
   */
  scope: 'stream' | 'session';
}

/**
 * The WCS methods that can be refused (WCS REST hooks: `connect`, `playStream` and `publishStream` carry the
 * client's `custom` object like playHLS does). Events (`*Event`) and everything else are always echoed.
 */
export const ENFORCEABLE_METHODS: Readonly<Record<string, MethodRule>> = Object.freeze({
  playHLS: { action: 'play', scope: 'stream' },
  playStream: { action: 'play', scope: 'stream' },
  publishStream: { action: 'publish', scope: 'stream' },
  connect: { action: 'play', scope: 'session' },
});

export function enforcedMethodRules(methods: readonly string[]): ReadonlyMap<string, MethodRule> {
  return new Map(
    methods.map((method) => {
      const rule = ENFORCEABLE_METHODS[method];
      if (!rule) throw new Error(`${method} cannot be enforced`);
      return [method, rule] as const;
    }),
  );
}
