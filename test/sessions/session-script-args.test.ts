import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Redis } from 'ioredis';
import { RedisSessionRegistry } from '../../src/tokens/sessions/redis-session-registry.js';

/**
 * Issue 15: the JSON a decision hands the session scripts is written by hand on the hot path (no intermediate
 * objects); it must decode to the object the scripts have always read (session-scripts.ts), with any character in
 * the strings, for stored tokens and JWTs, and equal the general builder's (the Cluster step's, with `dl`).
 */
test('a decision sends the session scripts the object they read, whatever its strings hold', () => {
  // Never connects: defineCommand only registers the scripts.
  const redis = new Redis({ lazyConnect: true });
  const prefix = 'p:"\\{x}:';
  const registry = new RedisSessionRegistry(redis, prefix, {
    windowMs: 30_000,
    defaultMaxViewerSessions: 2,
    limitMode: 'replace',
    events: ['session.started', 'session.ended'],
  });
  const settings = { p: prefix, win: 30_000, dmvs: 2, mode: 'replace', ev: { 'session.started': true, 'session.ended': true } };
  const checks = [
    { id: 'ls_1', stream: 'live/cam', appKey: 'defaultApp', clientIp: '192.0.2.7', method: 'playHLS' },
    { id: 'ls_"2"\\', stream: 'stré\u2028am\n"x"\u0000', appKey: '', clientIp: '', method: 'nginx' },
    { id: 'ls_3', stream: 'lone\ud800 😀', appKey: 'a\u001fb', clientIp: '2001:db8::1', method: 'play' },
  ];
  const tokens = [{ id: 'tok_1', viewerId: 'v"1', maxViewerSessions: 3, expiresAt: 1_796_000_600_000 }, { id: 'tok_2', expiresAt: 5 }];
  const now = 1_796_000_000_123;
  for (const check of checks) {
    for (const consume of [true, false]) {
      // A lone surrogate arrives as U+FFFD, as Redis stores it: Lua's cjson cannot decode it escaped.
      const stream = check.stream.replace(/\p{Cs}/gu, '\uFFFD');
      const decision = { ...settings, now, id: check.id, c: consume ? 1 : 0, st: stream, ak: check.appKey, ip: check.clientIp, m: check.method };
      assert.deepEqual(JSON.parse(registry.recordDecisionArgs(check, consume, now)), decision);
      for (const token of tokens) {
        // No viewer id or limit of its own: left out (the scripts read absent as none).
        const jwt = {
          ...decision,
          tid: token.id,
          ...(token.viewerId !== undefined && { vid: token.viewerId }),
          ...(token.maxViewerSessions !== undefined && { mvs: token.maxViewerSessions }),
          exp: token.expiresAt,
        };
        assert.deepEqual(JSON.parse(registry.tokenDecisionArgs({ check, token }, consume, now)), jwt);
        assert.deepEqual(JSON.parse(registry.tokenDecisionArgs({ check, token }, consume, now, { dl: '7' })), { ...jwt, dl: '7' });
      }
    }
  }
  redis.disconnect();
});

test('settings at their defaults are left out of the decision JSON (the scripts read absent as the default)', () => {
  const redis = new Redis({ lazyConnect: true });
  const registry = new RedisSessionRegistry(redis, 'wta:', { windowMs: 60_000, defaultMaxViewerSessions: 0, limitMode: 'refuse', events: [] });
  const check = { id: 'ls_1', stream: 's1', appKey: 'defaultApp', clientIp: '192.0.2.7', method: 'playHLS' };
  const now = 1_796_000_000_123;
  const decision = { p: 'wta:', win: 60_000, now, id: 'ls_1', c: 1, st: 's1', ak: 'defaultApp', ip: '192.0.2.7', m: 'playHLS' };
  assert.deepEqual(JSON.parse(registry.recordDecisionArgs(check, true, now)), decision);
  const token = { id: 'tok_1', viewerId: '', maxViewerSessions: 0, expiresAt: 5 };
  assert.deepEqual(JSON.parse(registry.tokenDecisionArgs({ check, token }, true, now)), { ...decision, tid: 'tok_1', exp: 5 });
  redis.disconnect();
});
