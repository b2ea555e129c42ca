import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { eventually, issueToken, playHls, revokeToken, timedRequest, unknownToken, type TimedAnswer } from '../helpers/hook-client.js';
import { startSentinelGroup, type SentinelGroup } from '../helpers/redis-topology.js';
import { startServiceInstance, type ServiceInstance } from '../helpers/service-instance.js';
import { ADMIN_KEY } from '../helpers/test-app.js';

/**
 * REDIS_SENTINELS: a real master, replica and three sentinels on loopback. The master is killed; Sentinel promotes
 * the replica; the service follows without a restart, and nothing issued or revoked before (with
 * REDIS_WAIT_REPLICAS=1) is lost.
 */
const STORE_TIMEOUT_MS = 500;
const ANSWER_BOUND_MS = STORE_TIMEOUT_MS + 1000;

function reasonOf(instance: ServiceInstance, answer: TimedAnswer): unknown {
  return instance.logs.decisions().find((line) => line.requestId === answer.requestId)?.reason;
}

describe('Redis Sentinel', { timeout: 120_000 }, () => {
  let group: SentinelGroup;
  let a: ServiceInstance;
  let b: ServiceInstance;

  before(async () => {
    group = await startSentinelGroup();
    const env = (policy: string) => ({
      TOKEN_STORE: 'redis',
      REDIS_SENTINELS: group.sentinelList,
      REDIS_SENTINEL_NAME: group.masterName,
      REDIS_KEY_PREFIX: 'wta-sentinel-test:',
      REDIS_WAIT_REPLICAS: '1',
      REDIS_WAIT_TIMEOUT_MS: '250',
      STORE_TIMEOUT_MS: String(STORE_TIMEOUT_MS),
      STORE_FAILURE_POLICY: policy,
      BRUTE_FORCE_MAX_PER_IP: '0',
    });
    a = await startServiceInstance(env('deny'));
    b = await startServiceInstance(env('cached'));
  });
  after(async () => {
    await a?.close();
    await b?.close();
    await group?.stop();
  });

  test('an issue the replica does not acknowledge in time is refused with 503 (never reported done, so never lost)', async () => {
    group.replica.stall();
    try {
      const answer = await timedRequest(`${a.url}/v1/tokens`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${ADMIN_KEY}` },
        body: JSON.stringify({ streams: ['test'] }),
      });
      assert.equal(answer.status, 503);
      assert.equal(JSON.parse(answer.text).error.code, 'store_unavailable');
    } finally {
      group.replica.resume();
    }
  });

  test('the master is killed: decisions stay bounded during the failover, then work again on the promoted replica with nothing lost', async () => {
    const kept: { token: string; id: string }[] = [];
    for (let i = 0; i < 5; i++) kept.push(await issueToken(a.url, { streams: ['test'] }));
    const revoked = await issueToken(a.url, { streams: ['test'] });
    assert.equal((await revokeToken(a.url, revoked.id)).status, 200);
    for (const instance of [a, b]) {
      for (const { token } of kept) assert.equal((await playHls(instance.url, token)).status, 200);
      assert.equal(reasonOf(instance, await playHls(instance.url, revoked.token)), 'revoked');
    }
    const oldMaster = group.master.port;
    await group.master.kill();

    // Until Sentinel has promoted the replica, each instance answers its policy, never later than the bound.
    const duringFailover: [string, number, unknown][] = [];
    await eventually(
      async () => {
        for (const instance of [a, b]) {
          const known = await playHls(instance.url, kept[0]!.token);
          const unknown = await playHls(instance.url, unknownToken());
          for (const answer of [known, unknown]) {
            assert.ok(answer.elapsedMs < ANSWER_BOUND_MS, `answered in ${Math.round(answer.elapsedMs)} ms during the failover`);
          }
          duringFailover.push([instance === a ? 'deny' : 'cached', known.status, reasonOf(instance, known)]);
          assert.equal(unknown.status, 403, 'an unknown token is never allowed during a failover');
        }
        return (await group.masterPort()) !== oldMaster;
      },
      'Sentinel promotes the replica',
      300,
    );
    for (const [policy, status, reason] of duringFailover) {
      const expected = policy === 'deny' ? [[200, 'valid'], [403, 'store_unavailable']] : [[200, 'valid'], [200, 'cached']];
      assert.ok(expected.some(([s, r]) => s === status && r === reason), `${policy} answered ${status} ${String(reason)} during the failover`);
    }
    assert.equal(await group.masterPort(), group.replica.port);

    for (const instance of [a, b]) {
      await eventually(async () => reasonOf(instance, await playHls(instance.url, kept[0]!.token)) === 'valid', 'decisions from the new master', 150);
      for (const { token } of kept) {
        const answer = await playHls(instance.url, token);
        assert.deepEqual([answer.status, reasonOf(instance, answer)], [200, 'valid'], 'a token issued before the failover is still there');
      }
      const again = await playHls(instance.url, revoked.token);
      assert.deepEqual([again.status, reasonOf(instance, again)], [403, 'revoked'], 'a revocation made before the failover is still there');
      const read = await timedRequest(`${instance.url}/v1/tokens/${kept[1]!.id}`, { headers: { authorization: `Bearer ${ADMIN_KEY}` } });
      assert.equal(read.status, 200);
    }
  });

  test('after the failover: writes are refused until a replica acknowledges them again (the old master rejoins as one)', async () => {
    // The new master has no replica yet: an issue cannot be acknowledged, so it is refused rather than risked.
    const unacknowledged = await timedRequest(`${a.url}/v1/tokens`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${ADMIN_KEY}` },
      body: JSON.stringify({ streams: ['test'] }),
    });
    assert.equal(unacknowledged.status, 503);

    // Sentinel would reconfigure the old master by itself on its next INFO round (up to 10 s); say it at once.
    await group.master.start();
    await group.master.client.call('REPLICAOF', '127.0.0.1', String(group.replica.port));
    let issued: { token: string; id: string } | undefined;
    await eventually(
      async () => {
        issued = await issueToken(a.url, { streams: ['after'] });
        return true;
      },
      'the old master rejoins as a replica and acknowledges writes',
      200,
    );
    assert.ok(issued);
    const answer = await playHls(b.url, issued.token, { stream: 'after' });
    assert.deepEqual([answer.status, reasonOf(b, answer)], [200, 'valid']);
    assert.equal((await revokeToken(a.url, issued.id)).status, 200);
    const refused = await playHls(b.url, issued.token, { stream: 'after' });
    assert.deepEqual([refused.status, reasonOf(b, refused)], [403, 'revoked']);
  });
});
