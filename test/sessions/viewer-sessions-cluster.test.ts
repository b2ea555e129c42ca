import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { eventually, issueToken } from '../helpers/hook-client.js';
import { hashToken } from '../../src/tokens/opaque-token.js';
import { sessionIdFor } from '../../src/tokens/sessions/session-registry.js';
import type { RedisClusterGroup } from '../helpers/redis-topology.js';
import { servicesOnRedisCluster, type ServiceInstance } from '../helpers/service-instance.js';
import { allSessions, kickSession, listSessions, viewerTokens, watch } from '../helpers/session-client.js';
import { startWebhookReceiver, type WebhookReceiver } from '../helpers/webhook-receiver.js';
import { generateTestKeys, keyDir, mintJwt, seconds } from '../tokens/jwt/jwt-fixtures.js';

/**
 * REDIS_CLUSTER_NODES: the registry's `{sess}` keys live in one slot, other than the tokens'; a decision checks the
 * token, then decides the session, then takes the token's use (see README), and the per-viewer limit is still
 * exact. A session refusal spends nothing.
 */
const PREFIX = 'wta-sessions-cluster:';
const keys = generateTestKeys();
const files = keyDir();
after(() => files.cleanup());
const LIMIT = 3;
const WEBHOOK_SECRET = `whsec_${Buffer.from('a cluster secret of thirty-two b').toString('base64')}`;

describe('viewer sessions on Redis Cluster', { timeout: 120_000 }, () => {
  let cluster: RedisClusterGroup;
  let a: ServiceInstance;
  let b: ServiceInstance;
  let receiver: WebhookReceiver;

  // Before the instances start (hooks run in order): they are told its URL. Only token.exhausted is queued.
  before(async () => {
    receiver = await startWebhookReceiver();
  });
  after(async () => receiver.close());

  servicesOnRedisCluster(
    () => ({
      REDIS_KEY_PREFIX: PREFIX,
      STORE_TIMEOUT_MS: '3000',
      VIEWER_MAX_SESSIONS: String(LIMIT),
      JWT_KEYS: `ec:ES256=file:${files.write('ec.pem', keys.ec256.publicPem)}`,
      WEBHOOK_URL: receiver.url,
      WEBHOOK_SECRET,
      WEBHOOK_EVENTS: 'token.exhausted',
    }),
    (instances, started) => {
      [a, b] = instances;
      cluster = started;
      b.clock.set(a.clock.now());
    },
  );

  test('30 concurrent new sessions of one viewer over tokens on several masters leave exactly the limit; a kick holds on both instances', async () => {
    const tokens = await viewerTokens(a, 'cluster-viewer', 6);
    const answers = await Promise.all(
      Array.from({ length: 30 }, (_, i) => watch(i % 2 === 0 ? a : b, tokens[i % 6]!.token, `c-${i}`, tokens[i % 6]!.stream)),
    );
    assert.equal(answers.filter(([status]) => status === 200).length, LIMIT);
    assert.ok(answers.filter(([status]) => status === 403).every(([, reason]) => reason === 'viewer_session_limit'));
    const live = await allSessions(b, { viewerId: 'cluster-viewer' });
    assert.equal(live.length, LIMIT);

    const holding = [];
    for (const node of cluster.nodes) {
      if (((await node.client.call('KEYS', `${PREFIX}{sess}:*`)) as string[]).length > 0) holding.push(node.port);
    }
    assert.equal(holding.length, 1, 'every registry key is on the one node of the {sess} slot');

    // Which attempt is the first live session: its id is derived from the token and the media session.
    const target = live[0]!;
    const index = answers.findIndex((_, i) => sessionIdFor(hashToken(tokens[i % 6]!.token), `c-${i}`) === target.id);
    const owner = tokens[index % 6]!;
    assert.equal(await kickSession(a, target.id), 204);
    assert.deepEqual(await watch(b, owner.token, `c-${index}`, owner.stream), [403, 'session_ended']);
    assert.deepEqual(await watch(a, owner.token, `c-${index}`, owner.stream), [403, 'session_ended']);
    assert.ok((await listSessions(a, { tokenId: owner.id })).items.every((session) => session.id !== target.id));
    // The kick freed a place under the limit.
    assert.deepEqual(await watch(b, owner.token, 'c-new', owner.stream), [200, 'valid']);
  });

  test('an opaque token without a viewer still lists its session', async () => {
    const { token, id } = await issueToken(a.url, { streams: ['plain'] });
    assert.deepEqual(await watch(b, token, 'p-1', 'plain'), [200, 'valid']);
    assert.equal((await listSessions(a, { tokenId: id })).items.length, 1);
  });

  test('a decision refused for its viewer session spends nothing: no maxUses use, no one-time JWT claim', async () => {
    const viewer = 'cluster-refused-viewer';
    const held = await viewerTokens(a, viewer, LIMIT);
    for (const [i, token] of held.entries()) assert.deepEqual(await watch(a, token.token, `h-${i}`, token.stream), [200, 'valid']);
    const { token } = await issueToken(a.url, { streams: ['once'], viewerId: viewer, maxUses: 1 });
    const now = seconds(a.clock.now());
    const jwt = mintJwt('ES256', { iat: now, exp: now + 600, streams: ['once'], jti: `cluster-${now}`, once: true, vid: viewer }, keys.ec256.privateKey, { kid: 'ec' });
    assert.deepEqual(await watch(b, token, 'refused', 'once'), [403, 'viewer_session_limit']);
    assert.deepEqual(await watch(b, jwt, 'refused-jwt', 'once'), [403, 'viewer_session_limit']);
    const live = await allSessions(a, { viewerId: viewer });
    for (const session of live.slice(0, 2)) assert.equal(await kickSession(a, session.id), 204);
    assert.deepEqual(await watch(a, token, 'later', 'once'), [200, 'valid'], 'the maxUses use was not spent');
    assert.deepEqual(await watch(a, jwt, 'later-jwt', 'once'), [200, 'valid'], 'the one-time JWT was not claimed');
  });

  test('token.exhausted once, from the step that took the last use, whichever instance took it', async () => {
    const tokens = await Promise.all([1, 2, 3].map(() => issueToken(a.url, { streams: ['ex'], maxUses: 2 })));
    for (const [i, { token }] of tokens.entries()) {
      // Two viewers take the two uses on the two instances; a third is refused and queues nothing more.
      assert.deepEqual(await watch(i % 2 === 0 ? a : b, token, `e-${i}-1`, 'ex'), [200, 'valid']);
      assert.deepEqual(await watch(i % 2 === 0 ? b : a, token, `e-${i}-2`, 'ex'), [200, 'valid']);
      assert.deepEqual(await watch(a, token, `e-${i}-3`, 'ex'), [403, 'use_limit_reached']);
      // A session seen again takes no use, and its token gives no second event.
      assert.deepEqual(await watch(b, token, `e-${i}-2`, 'ex'), [200, 'valid']);
    }
    const ids = tokens.map(({ id }) => `evt_${id}_exhausted`).sort();
    const delivered = () => receiver.verifiedEvents(WEBHOOK_SECRET).filter((event) => ids.includes(event.id));
    await eventually(async () => delivered().length >= ids.length, 'token.exhausted delivered for each token');
    // The earlier tests' maxUses token gave its last use too: only this test's tokens are counted, each once.
    const events = delivered();
    assert.deepEqual(events.map((event) => event.id).sort(), ids);
    for (const event of events) {
      assert.equal(event.type, 'token.exhausted');
      assert.equal(event.data.maxUses, 2);
      assert.ok(tokens.some(({ id }) => id === event.data.tokenId));
    }
  });

  // Last: it breaks the registry's queue for a moment.
  test('a token.exhausted that Redis cannot queue is counted and logged as webhook_event_lost, and the decision that took the last use stands', async () => {
    const queueKey = `${PREFIX}{sess}:qd`;
    // The node that serves the {sess} slot answers TYPE; the others answer MOVED.
    const owners = [];
    for (const node of cluster.nodes) {
      if (await node.client.type(queueKey).then(() => true, () => false)) owners.push(node);
    }
    assert.equal(owners.length, 1);
    const owner = owners[0]!;
    await owner.client.del(queueKey);
    await owner.client.set(queueKey, 'not a hash');
    try {
      const { token, id } = await issueToken(a.url, { streams: ['lost'], maxUses: 1 });
      assert.deepEqual(await watch(a, token, 'l-1', 'lost'), [200, 'valid']);
      await eventually(async () => a.logs.lines.some((line) => line.event === 'webhook_event_lost' && line.tokenId === id), 'the lost event is logged');
      const line = a.logs.lines.find((entry) => entry.event === 'webhook_event_lost' && entry.tokenId === id)!;
      assert.equal(line.level, 40);
      assert.equal(line.type, 'token.exhausted');
      assert.equal(line.kind, 'other');
      assert.ok(!JSON.stringify(line).includes(token), 'the token itself is not logged');
      assert.equal(await a.metric('wcs_auth_webhook_events_lost_total', { type: 'token.exhausted' }), 1);
      assert.deepEqual(await watch(b, token, 'l-2', 'lost'), [403, 'use_limit_reached'], 'the use was taken');
    } finally {
      await owner.client.del(queueKey);
    }
  });
});
