import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { describe, test } from 'node:test';
import { eventually, issueToken, playHls, revokeToken, timedRequest, unknownToken, type TimedAnswer } from '../helpers/hook-client.js';
import type { RedisClusterGroup } from '../helpers/redis-topology.js';
import { servicesOnRedisCluster, type ServiceInstance } from '../helpers/service-instance.js';
import { ADMIN_KEY } from '../helpers/test-app.js';

/**
 * REDIS_CLUSTER_NODES: a real 3-master Redis Cluster (redis-cli --cluster create) with a password. Issue, decide,
 * revoke, throttling and revocation messages work with keys spread over the masters.
 */
const STORE_TIMEOUT_MS = 500;
const PREFIX = 'wta-cluster-test:';

function reasonOf(instance: ServiceInstance, answer: TimedAnswer): unknown {
  return instance.logs.decisions().find((line) => line.requestId === answer.requestId)?.reason;
}

describe('Redis Cluster', { timeout: 120_000 }, () => {
  let cluster: RedisClusterGroup;
  let a: ServiceInstance;
  let b: ServiceInstance;

  servicesOnRedisCluster(
    { REDIS_KEY_PREFIX: PREFIX, STORE_TIMEOUT_MS: String(STORE_TIMEOUT_MS), STORE_FAILURE_POLICY: 'cached', BRUTE_FORCE_MAX_PER_IP: '2' },
    (instances, started) => {
      [a, b] = instances;
      cluster = started;
    },
  );

  test('tokens issued through one instance spread over the masters and are decided by the other; revoke works', async () => {
    const issued = [];
    for (let i = 0; i < 12; i++) issued.push(await issueToken(a.url, { streams: [`stream-${i}`] }));

    const nodesHoldingRecords = [];
    for (const node of cluster.nodes) {
      const keys = (await node.client.call('KEYS', `${PREFIX}t:*`)) as string[];
      if (keys.length > 0) nodesHoldingRecords.push(node.port);
    }
    assert.ok(nodesHoldingRecords.length >= 2, `records live on several masters (${nodesHoldingRecords.length})`);

    for (const [i, { token }] of issued.entries()) {
      const allowed = await playHls(b.url, token, { stream: `stream-${i}` });
      assert.deepEqual([allowed.status, reasonOf(b, allowed)], [200, 'valid']);
      const wrong = await playHls(b.url, token, { stream: 'elsewhere' });
      assert.deepEqual([wrong.status, reasonOf(b, wrong)], [403, 'stream_not_allowed']);
    }
    const read = await timedRequest(`${b.url}/v1/tokens/${issued[3]!.id}`, { headers: { authorization: `Bearer ${ADMIN_KEY}` } });
    assert.equal(read.status, 200);
    assert.equal(JSON.parse(read.text).id, issued[3]!.id);

    const received = await b.metric('wcs_auth_revocation_messages_total', { event: 'received' });
    assert.equal((await revokeToken(a.url, issued[0]!.id)).status, 200);
    const refused = await playHls(b.url, issued[0]!.token, { stream: 'stream-0' });
    assert.deepEqual([refused.status, reasonOf(b, refused)], [403, 'revoked']);
    await eventually(
      async () => (await b.metric('wcs_auth_revocation_messages_total', { event: 'received' })) > received,
      'the revocation message crosses the cluster',
    );
  });

  test('guess counters are shared through the cluster', async () => {
    for (let i = 0; i < 2; i++) {
      const answer = await playHls(i ? a.url : b.url, unknownToken(), { clientIp: '10.9.0.1' });
      assert.equal(reasonOf(i ? a : b, answer), 'unknown_token');
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
    const throttled = await playHls(a.url, unknownToken(), { clientIp: '10.9.0.1' });
    assert.deepEqual([throttled.status, reasonOf(a, throttled)], [403, 'throttled']);
  });

  test('a master dies: answers stay bounded and follow the policy (cached tokens still allowed, unknown refused)', async () => {
    const doomed = cluster.nodes[2]!;
    const onDoomed: string[] = [];
    const elsewhere: string[] = [];
    // Tokens until two records live on the master that will die (slots are spread evenly: a few tries suffice).
    for (let i = 0; i < 60 && onDoomed.length < 2; i++) {
      const issued = await issueToken(a.url, { streams: ['live'] });
      assert.equal((await playHls(b.url, issued.token, { stream: 'live' })).status, 200);
      const key = `${PREFIX}t:{${createHash('sha256').update(issued.token).digest('hex')}}`;
      const here = await doomed.client.exists(key).catch(() => 0);
      (here ? onDoomed : elsewhere).push(issued.token);
    }
    assert.equal(onDoomed.length, 2);
    await doomed.kill();
    for (let round = 0; round < 3; round++) {
      for (const token of [...onDoomed, ...elsewhere.slice(0, 2)]) {
        const answer = await playHls(b.url, token, { stream: 'live', clientIp: '10.9.1.1' });
        assert.ok(answer.elapsedMs < STORE_TIMEOUT_MS + 1000, `answered in ${Math.round(answer.elapsedMs)} ms`);
        assert.equal(answer.status, 200);
        const reason = reasonOf(b, answer);
        // The dead master's slots cannot be read: its tokens are allowed from the cache.
        if (onDoomed.includes(token)) assert.equal(reason, 'cached');
        else assert.ok(['valid', 'cached'].includes(String(reason)));
      }
      const unknown = await playHls(b.url, unknownToken(), { clientIp: `10.9.2.${round}` });
      assert.ok(unknown.elapsedMs < STORE_TIMEOUT_MS + 1000);
      assert.equal(unknown.status, 403);
    }
  });
});
