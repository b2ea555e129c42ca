import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { hashToken } from '../../src/tokens/opaque-token.js';
import { MemoryJtiStore } from '../../src/tokens/jwt/memory-jti-store.js';
import { RedisJtiStore } from '../../src/tokens/jwt/redis-jti-store.js';
import type { JtiStore } from '../../src/tokens/jwt/jti-store.js';
import { MemoryTokenStore } from '../../src/tokens/memory-token-store.js';
import { MemorySessionRegistry } from '../../src/tokens/sessions/memory-session-registry.js';
import { RedisSessionRegistry } from '../../src/tokens/sessions/redis-session-registry.js';
import type { SessionRegistry, SessionSettings } from '../../src/tokens/sessions/session-registry.js';
import { RedisTokenStore } from '../../src/tokens/redis-token-store.js';
import type { TokenRecord } from '../../src/tokens/token-record.js';
import { PastDeadlineError, type PolicyCheck, type TokenStore } from '../../src/tokens/token-store.js';
import type { AccessRequest } from '../../src/tokens/token-verifier.js';
import { ManualClock } from '../helpers/manual-clock.js';
import { startTestRedis, type TestRedis } from '../helpers/redis-server.js';

/**
 * The write deadline as both stores implement it (the HTTP-level fault tests stall a real Redis; this pins the
 * rule itself, the same for memory and Redis): an allowed, consuming decision at or after its deadline writes
 * nothing and rejects with PastDeadlineError; refusals and non-consuming checks are answered as usual.
 */
const clock = new ManualClock();
const request: AccessRequest = { stream: 'test', appKey: undefined, action: 'play', clientIp: '10.0.0.1', viewerSessionId: 'A', consume: true };

function record(id: string, policies: Partial<TokenRecord> = {}): TokenRecord {
  const now = clock.now();
  return { id, streams: ['test'], appKeys: null, actions: ['play'], notBefore: null, expiresAt: now + 60_000, headers: {}, metadata: {}, createdAt: now, disabled: false, revokedAt: null, ...policies };
}

function check(writeDeadline: number | undefined): PolicyCheck {
  return { sessionId: 'A', clientIp: { text: '10.0.0.1', hex: '0000000000000000000000000a000001' } as PolicyCheck['clientIp'], now: clock.now(), viewerWindowMs: 60_000, recordedSessionsMax: 100, writeDeadline };
}

let redis: TestRedis;
let stores: { name: string; tokens: TokenStore; jtis: JtiStore; sessions: SessionRegistry; jtisWithSessions: JtiStore }[];
const settings: SessionSettings = { windowMs: 60_000, defaultMaxViewerSessions: 0, limitMode: 'refuse', events: [] };
before(async () => {
  redis = await startTestRedis();
  const redisStore = new RedisTokenStore({ url: redis.url, keyPrefix: redis.keyPrefix, commandTimeoutMs: 5000, retentionMs: 0, clock });
  const memorySessions = new MemorySessionRegistry(settings);
  const redisSessions = new RedisSessionRegistry(redisStore.redis, redis.keyPrefix, settings);
  stores = [
    {
      name: 'memory',
      tokens: new MemoryTokenStore(clock),
      jtis: new MemoryJtiStore(clock),
      sessions: memorySessions,
      jtisWithSessions: new MemoryJtiStore(clock, memorySessions),
    },
    {
      name: 'redis',
      tokens: redisStore,
      jtis: new RedisJtiStore({ redis: redisStore.redis, keyPrefix: redis.keyPrefix }),
      sessions: redisSessions,
      jtisWithSessions: new RedisJtiStore({ redis: redisStore.redis, keyPrefix: redis.keyPrefix, sessions: redisSessions }),
    },
  ];
});
after(async () => {
  for (const { tokens, jtis, jtisWithSessions } of stores) {
    await jtisWithSessions.close();
    await jtis.close();
    await tokens.close();
  }
  await redis.stop();
});

describe('a decision past its write deadline changes nothing, in both stores', () => {
  test('maxUses, bindIpOnFirstUse and maxViewers: rejected with PastDeadlineError, no use, no bound address', async () => {
    for (const { name, tokens } of stores) {
      const hash = hashToken(`wta_${name}_late`);
      await tokens.create(hash, record(`tok_${name}_late_____`.slice(0, 20), { maxUses: 1, maxViewers: 1, bindIpOnFirstUse: true }));
      await assert.rejects(tokens.authorize(hash, request, check(Date.now() - 1)), PastDeadlineError, name);
      const entry = await tokens.findEntryById(`tok_${name}_late_____`.slice(0, 20));
      assert.deepEqual(entry?.usage, { uses: 0, boundIp: null }, `${name}: nothing recorded`);
      const refused = await tokens.authorize(hash, { ...request, stream: 'other' }, check(Date.now() - 1));
      assert.equal(refused?.reason, 'stream_not_allowed', `${name}: a refusal is still answered`);
      const dryRun = await tokens.authorize(hash, { ...request, consume: false }, check(Date.now() - 1));
      assert.equal(dryRun?.reason, null, `${name}: a check that writes nothing is still answered`);
      const inTime = await tokens.authorize(hash, request, check(Date.now() + 60_000));
      assert.equal(inTime?.reason, null, `${name}: before the deadline it is allowed`);
      assert.equal((await tokens.findEntryById(`tok_${name}_late_____`.slice(0, 20)))?.usage.uses, 1, `${name}: and recorded`);
    }
  });

  test('a once JWT is not claimed after the deadline', async () => {
    for (const { name, jtis } of stores) {
      const use = { once: true, consume: true, sessionId: 'A', keepUntil: clock.now() + 60_000, now: clock.now() };
      await assert.rejects(jtis.check(`late-${name}`, { ...use, writeDeadline: Date.now() - 1 }), PastDeadlineError, name);
      assert.equal(await jtis.check(`late-${name}`, { ...use, sessionId: 'B', writeDeadline: Date.now() + 60_000 }), 'ok', `${name}: B may still claim it`);
      assert.equal(await jtis.check(`late-${name}`, { ...use, sessionId: 'A' }), 'used', `${name}: and owns it now`);
    }
  });

  test('the session of a JWT without jti is not recorded after the deadline', async () => {
    for (const { name, sessions } of stores) {
      const check = { id: `ses_${name}_late`, stream: 'test', appKey: '', clientIp: '10.0.0.1', method: 'playHLS' };
      const token = { id: `jwt-${name}`, viewerId: 'late-viewer', expiresAt: clock.now() + 60_000 };
      await assert.rejects(sessions.decide(check, token, true, clock.now(), Date.now() - 1), PastDeadlineError, name);
      assert.deepEqual((await sessions.list({ tokenId: token.id }, undefined, 10, clock.now())).items, [], `${name}: nothing recorded`);
      assert.equal((await sessions.decide(check, token, false, clock.now(), Date.now() - 1)).reason, null, `${name}: a check that writes nothing is answered`);
      assert.equal((await sessions.decide(check, token, true, clock.now(), Date.now() + 60_000)).started, true, `${name}: in time it starts`);
    }
  });

  test('a once JWT with its session part: after the deadline neither claimed nor recorded', async () => {
    for (const { name, sessions, jtisWithSessions } of stores) {
      const session = {
        check: { id: `ses_${name}_late_jti`, stream: 'test', appKey: '', clientIp: '10.0.0.1', method: 'playHLS' },
        token: { id: `late-jti-${name}`, viewerId: 'late-viewer-2', expiresAt: clock.now() + 60_000 },
      };
      const use = { once: true, consume: true, sessionId: 'A', keepUntil: clock.now() + 60_000, now: clock.now(), session };
      await assert.rejects(jtisWithSessions.check(`late-jti-${name}`, { ...use, writeDeadline: Date.now() - 1 }), PastDeadlineError, name);
      assert.deepEqual((await sessions.list({ tokenId: session.token.id }, undefined, 10, clock.now())).items, [], `${name}: no session`);
      assert.equal(await jtisWithSessions.check(`late-jti-${name}`, { ...use, sessionId: 'B' }), 'ok', `${name}: B may still claim it`);
      assert.equal((await sessions.list({ tokenId: session.token.id }, undefined, 10, clock.now())).items.length, 1, `${name}: and B's session is live`);
    }
  });
});

describe('jti state ends at its keepUntil by the service clock, in both stores alike', () => {
  test('a once claim past its keepUntil is gone: another session claims the jti, and a revocation counts as new', async () => {
    for (const { name, jtis } of stores) {
      // The Redis key's own TTL runs on Redis's clock, which the manual clock has left far behind: only the rule
      // in the script makes the two stores agree (the differential test found them apart here).
      const start = clock.now();
      const use = { once: true, consume: true, sessionId: 'A', keepUntil: start + 5_000, now: start };
      assert.equal(await jtis.check(`ends-${name}`, use), 'ok', `${name}: A claims it`);
      assert.equal(await jtis.check(`ends-${name}`, { ...use, sessionId: 'B', now: start + 4_999 }), 'used', `${name}: still A's just before`);
      const later = { ...use, sessionId: 'B', keepUntil: start + 600_000, now: start + 5_000 };
      assert.equal(await jtis.check(`ends-${name}`, later), 'ok', `${name}: at keepUntil it is gone, B claims it`);
      assert.equal(await jtis.check(`ends-${name}`, { ...later, sessionId: 'A' }), 'used', `${name}: and B owns it now`);

      assert.equal(await jtis.revoke(`gone-${name}`, start, start + 1_000), true, `${name}: first revocation`);
      assert.equal(await jtis.revoke(`gone-${name}`, start + 500, start + 1_000), false, `${name}: still revoked`);
      assert.equal(await jtis.check(`gone-${name}`, { ...use, once: false, now: start + 999 }), 'revoked', `${name}: revoked before its end`);
      assert.equal(await jtis.check(`gone-${name}`, { ...use, once: false, now: start + 1_000 }), 'ok', `${name}: forgotten at its end`);
      assert.equal(await jtis.revoke(`gone-${name}`, start + 1_000, start + 2_000), true, `${name}: a revocation after the end is new`);
    }
  });
});
