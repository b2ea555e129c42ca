import assert from 'node:assert/strict';
import { createHash, randomUUID } from 'node:crypto';
import { after, describe, test } from 'node:test';
import request from 'supertest';
import { hashToken } from '../../src/tokens/opaque-token.js';
import { issueViaApi } from '../helpers/admin-client.js';
import type { TestRedis } from '../helpers/redis-server.js';
import { ADMIN_KEY, oneAppPerBlock, type TestApp } from '../helpers/test-app.js';
import { newerPlayHlsBody, pretty } from '../helpers/wcs-bodies.js';
import { generateTestKeys, keyDir, mintJwt, seconds } from '../tokens/jwt/jwt-fixtures.js';

/**
 * Issue 13, item 3: a decision answered without the store (Redis stalled by SIGSTOP, STORE_TIMEOUT_MS passed) must
 * not change state when Redis resumes and runs the script that was queued. For every state-changing policy the
 * stalled request is refused (or allowed by STORE_FAILURE_POLICY=allow), Redis resumes, and then another viewer
 * must get exactly the answer it would have got had the stalled request never been made; nothing is in Redis.
 */
const STORE_TIMEOUT_MS = 300;
const keys = generateTestKeys();
const files = keyDir();

function hook(t: TestApp, token: string, options: { session: string; ip?: string }) {
  const body = newerPlayHlsBody(
    { name: 'test', sessionId: `/${options.ip ?? '192.168.1.100'}:59473/192.168.1.5:8445`, mediaSessionId: options.session },
    { token },
  );
  return request(t.app).post('/wcs/playHLS').set('content-type', 'application/json').send(pretty(body));
}

function reasonOf(t: TestApp, res: request.Response): unknown {
  return t.logs.decisions().find((line) => line.requestId === res.headers['x-request-id'])?.reason;
}

interface Case {
  name: string;
  /** A token with the policy, and the Redis keys its first use would write. */
  setUp(t: TestApp, redis: TestRedis): Promise<{ token: string; id?: string; keys: string[] }>;
  /** Another viewer after the stall: what it must get if the stalled request changed nothing. */
  next: { session: string; ip?: string };
}

const recordKeys = (redis: TestRedis, token: string) => {
  const base = `${redis.keyPrefix}t:{${hashToken(token)}}`;
  return [`${base}:s`, `${base}:a`];
};

const cases: Case[] = [
  {
    name: 'maxUses 1: the token is not exhausted by the refused request',
    setUp: async (t, redis) => {
      const { token, record } = await issueViaApi(t.app, { streams: ['test'], maxUses: 1 });
      return { token, id: record.id, keys: recordKeys(redis, token) };
    },
    next: { session: 'B' },
  },
  {
    name: 'bindIpOnFirstUse: the token is not bound to the refused caller',
    setUp: async (t, redis) => {
      const { token, record } = await issueViaApi(t.app, { streams: ['test'], bindIpOnFirstUse: true });
      return { token, id: record.id, keys: recordKeys(redis, token) };
    },
    next: { session: 'B', ip: '10.9.8.7' },
  },
  {
    name: 'maxViewers 1: the refused request does not hold the only viewer slot',
    setUp: async (t, redis) => {
      const { token, record } = await issueViaApi(t.app, { streams: ['test'], maxViewers: 1 });
      return { token, id: record.id, keys: recordKeys(redis, token) };
    },
    next: { session: 'B' },
  },
  {
    name: 'once JWT: the refused request does not claim the token',
    setUp: async (t, redis) => {
      const now = seconds(t.clock.now());
      const jti = randomUUID();
      const token = mintJwt('ES256', { iat: now, exp: now + 600, jti, once: true, streams: ['test'] }, keys.ec256.privateKey, { kid: 'ec' });
      return { token, keys: [`${redis.keyPrefix}j:{${createHash('sha256').update(jti).digest('hex')}}`] };
    },
    next: { session: 'B' },
  },
];

for (const policy of ['deny', 'allow'] as const) {
  describe(`a decision answered during a Redis stall changes nothing afterwards (STORE_FAILURE_POLICY=${policy})`, { timeout: 120_000 }, () => {
    let redis: TestRedis;
    let t: TestApp;
    const env = {
      STORE_TIMEOUT_MS: String(STORE_TIMEOUT_MS),
      STORE_FAILURE_POLICY: policy,
      JWT_KEYS: `ec:ES256=file:${files.write(`ec-${policy}.pem`, keys.ec256.publicPem)}`,
    };
    oneAppPerBlock('redis', env, (app, started) => {
      t = app;
      redis = started!;
    });

    for (const c of cases) {
      test(c.name, async (tc) => {
        if (!redis.owned) return tc.skip('needs a Redis the tests started');
        const { token, id, keys: written } = await c.setUp(t, redis);
        redis.stall();
        let stalled: request.Response;
        try {
          stalled = await hook(t, token, { session: 'A' });
        } finally {
          redis.resume();
        }
        assert.deepEqual(
          [stalled.status, reasonOf(t, stalled)],
          [policy === 'deny' ? 403 : 200, 'store_unavailable'],
          'the stalled request gets the failure policy',
        );
        // The service's connection runs the queued script first, then this read: after it, the script has run.
        const read = id === undefined ? undefined : await request(t.app).get(`/v1/tokens/${id}`).set('authorization', `Bearer ${ADMIN_KEY}`);
        await redis.client.ping();
        if (read) {
          assert.equal(read.status, 200);
          assert.deepEqual([read.body.state, read.body.uses, read.body.boundIp ?? null], ['active', 0, null], 'no use, no bound address');
        }
        for (const key of written) assert.equal(await redis.client.exists(key), 0, `nothing written under ${key}`);
        const next = await hook(t, token, c.next);
        assert.deepEqual([next.status, reasonOf(t, next)], [200, 'valid'], 'the next viewer is let in as if the stalled request never happened');
      });
    }
  });
}

describe('whenever Redis resumes around the timeout, the answer and the state agree', { timeout: 120_000 }, () => {
  let redis: TestRedis;
  let t: TestApp;
  oneAppPerBlock('redis', { STORE_TIMEOUT_MS: String(STORE_TIMEOUT_MS) }, (app, started) => {
    t = app;
    redis = started!;
  });

  // Resumed well before, just before, at and after the timeout: allowed and counted, or refused and not counted.
  for (const share of [0.3, 0.85, 0.95, 1, 1.05, 1.5]) {
    test(`resumed after ${share} × STORE_TIMEOUT_MS (maxUses 1)`, async (tc) => {
      if (!redis.owned) return tc.skip('needs a Redis the tests started');
      const { token, record } = await issueViaApi(t.app, { streams: ['test'], maxUses: 1 });
      redis.stall();
      const resumed = new Promise((resolve) => setTimeout(resolve, STORE_TIMEOUT_MS * share)).then(() => redis.resume());
      let answer: request.Response;
      try {
        answer = await hook(t, token, { session: 'A' });
      } finally {
        await resumed;
      }
      const read = await request(t.app).get(`/v1/tokens/${record.id}`).set('authorization', `Bearer ${ADMIN_KEY}`);
      const next = await hook(t, token, { session: 'B' });
      if (answer.status === 200) {
        assert.equal(reasonOf(t, answer), 'valid');
        assert.equal(read.body.uses, 1, 'an allowed request used the token');
        assert.deepEqual([next.status, reasonOf(t, next)], [403, 'use_limit_reached']);
      } else {
        assert.equal(reasonOf(t, answer), 'store_unavailable');
        assert.equal(read.body.uses, 0, 'a refused request used nothing');
        assert.deepEqual([next.status, reasonOf(t, next)], [200, 'valid']);
      }
    });
  }
});

after(() => files.cleanup());
