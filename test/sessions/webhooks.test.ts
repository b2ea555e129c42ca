import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { eventually, issueToken, revokeToken } from '../helpers/hook-client.js';
import { startTestRedis, type TestRedis } from '../helpers/redis-server.js';
import { startServiceInstance, type ServiceInstance } from '../helpers/service-instance.js';
import { kickSession, listSessions, watch } from '../helpers/session-client.js';
import { startWebhookReceiver, type WebhookReceiver } from '../helpers/webhook-receiver.js';

const SECRET = `whsec_${Buffer.from('a test secret of thirty-two bytes').toString('base64')}`;
const RETRY_MS = 200;

function webhookEnv(receiver: WebhookReceiver, extra: Record<string, string> = {}): Record<string, string> {
  return {
    WEBHOOK_URL: receiver.url,
    WEBHOOK_SECRET: SECRET,
    WEBHOOK_RETRY_INITIAL_MS: String(RETRY_MS),
    WEBHOOK_TIMEOUT_MS: '2000',
    STORE_TIMEOUT_MS: '5000',
    ...extra,
  };
}

/** Moves the instances' clocks forward while waiting: retries are due by the injected clock, not by sleeping. */
async function eventuallyAdvancing(instances: readonly ServiceInstance[], check: () => boolean, what: string): Promise<void> {
  await eventually(
    async () => {
      for (const instance of instances) instance.clock.advance(RETRY_MS);
      return check();
    },
    what,
    150,
  );
}

function idsOf(receiver: WebhookReceiver): Map<string, number> {
  const counts = new Map<string, number>();
  for (const item of receiver.received) counts.set(item.id, (counts.get(item.id) ?? 0) + 1);
  return counts;
}

async function sumMetric(instances: readonly ServiceInstance[], name: string, labels: Record<string, string>): Promise<number> {
  let total = 0;
  for (const instance of instances) total += await instance.metric(name, labels);
  return total;
}

for (const store of ['redis', 'memory'] as const) {
  describe(`webhooks (${store} store)`, { timeout: 120_000 }, () => {
    let redis: TestRedis | undefined;
    let receiver: WebhookReceiver;
    const opened: ServiceInstance[] = [];
    let n = 0;

    /** Two instances on one Redis (one instance for the memory store, which cannot be shared). */
    async function instances(env: Record<string, string> = {}): Promise<ServiceInstance[]> {
      const prefix = `${redis?.keyPrefix ?? ''}${++n}:`;
      const start = () =>
        startServiceInstance({ TOKEN_STORE: store, ...(redis ? { REDIS_URL: redis.url, REDIS_KEY_PREFIX: prefix } : {}), ...webhookEnv(receiver, env) });
      const list = store === 'redis' ? [await start(), await start()] : [await start()];
      for (const instance of list) instance.clock.set(list[0]!.clock.now());
      opened.push(...list);
      return list;
    }

    before(async () => {
      if (store === 'redis') redis = await startTestRedis();
      receiver = await startWebhookReceiver();
    });
    after(async () => {
      for (const instance of opened) await instance.close();
      await receiver?.close();
      await redis?.stop();
    });

    test('a receiver answering 500 then 200 receives each event once more, with the same id, body and a valid Standard Webhooks signature', async () => {
      receiver.received.length = 0;
      receiver.answer = (_id, seenBefore) => (seenBefore === 0 ? 500 : 200);
      const group = await instances();
      const a = group[0]!;
      const b = group.at(-1)!;
      const { token, id } = await issueToken(a.url, { streams: ['live'], viewerId: 'subscriber-7' });
      assert.deepEqual(await watch(a, token, 'w-1', 'live'), [200, 'valid']);
      const [session] = (await listSessions(b, { tokenId: id })).items;
      assert.equal(await kickSession(b, session!.id), 204);
      assert.equal((await revokeToken(a.url, id)).status, 200);

      await eventuallyAdvancing(group, () => receiver.verifiedEvents(SECRET).length === 3, 'three events delivered');
      const counts = idsOf(receiver);
      assert.deepEqual([...counts.values()], [2, 2, 2], 'each event id twice: the 500 and the retry');
      for (const id of counts.keys()) {
        const bodies = receiver.received.filter((item) => item.id === id).map((item) => item.body);
        assert.equal(bodies[0], bodies[1], 'the retry carries the same body');
      }
      const events = receiver.verifiedEvents(SECRET);
      assert.deepEqual(events.map((event) => event.type).sort(), ['session.ended', 'session.started', 'token.revoked']);
      const ended = events.find((event) => event.type === 'session.ended')!;
      assert.deepEqual([ended.data.id, ended.data.cause, ended.data.viewerId, ended.data.tokenId, ended.data.stream], [session!.id, 'kicked', 'subscriber-7', id, 'live']);
      const started = events.find((event) => event.type === 'session.started')!;
      assert.deepEqual([started.data.method, started.data.clientIp, started.data.appKey], ['playHLS', '192.168.1.100', 'defaultApp']);
      assert.equal(events.find((event) => event.type === 'token.revoked')!.data.tokenId, id);

      // The 200s settle the events (just after the receiver saw them): nothing is left to arrive a third time.
      await eventually(async () => (await a.services.sessions.queueDepth()) === 0, 'the queue is empty');
      assert.deepEqual([...idsOf(receiver).values()], [2, 2, 2]);
      assert.equal(await sumMetric(group, 'wcs_auth_webhook_deliveries_total', { result: 'failed' }), 3);
      assert.equal(await sumMetric(group, 'wcs_auth_webhook_deliveries_total', { result: 'delivered' }), 3);
    });

    test('idle sessions end once across instances (not once per instance), after the window, by the sweep', async () => {
      receiver.received.length = 0;
      receiver.answer = () => 200;
      const group = await instances({ VIEWER_SESSION_WINDOW_SECONDS: '30', SESSION_SWEEP_INTERVAL_SECONDS: '1', WEBHOOK_EVENTS: 'session.ended' });
      const { token } = await issueToken(group[0]!.url, { streams: ['s'] });
      for (let i = 0; i < 5; i++) assert.equal((await watch(group[i % group.length]!, token, `idle-${i}`, 's'))[0], 200);
      for (const instance of group) instance.clock.advance(29_000);
      for (const instance of group) await instance.services.sessions.sweep(instance.clock.now(), 1000);
      assert.equal(receiver.received.length, 0, 'not idle before the window has passed');

      for (const instance of group) instance.clock.advance(1_001);
      await eventually(async () => receiver.verifiedEvents(SECRET).length >= 5, 'five session.ended events');
      // Two more sweep intervals on every instance: a second sweep must find nothing.
      await new Promise((resolve) => setTimeout(resolve, 2500));
      const events = receiver.verifiedEvents(SECRET);
      assert.equal(events.length, 5);
      assert.ok(events.every((event) => event.type === 'session.ended' && event.data.cause === 'idle'));
      assert.equal(new Set(events.map((event) => event.data.id)).size, 5);
      assert.equal(await sumMetric(group, 'wcs_auth_sessions_ended_total', { cause: 'idle' }), 5);
      assert.equal((await listSessions(group[0]!)).items.length, 0);
    });

    test('token.exhausted when a maxUses token gives its last use; WEBHOOK_EVENTS filters the rest', async () => {
      receiver.received.length = 0;
      receiver.answer = () => 200;
      const group = await instances({ WEBHOOK_EVENTS: 'token.exhausted' });
      const { token, id } = await issueToken(group[0]!.url, { streams: ['s'], maxUses: 2 });
      await watch(group[0]!, token, 'u-1', 's');
      await watch(group.at(-1)!, token, 'u-1', 's');
      await watch(group.at(-1)!, token, 'u-2', 's');
      await watch(group[0]!, token, 'u-3', 's');
      await eventually(async () => receiver.received.length >= 1, 'token.exhausted delivered');
      const events = receiver.verifiedEvents(SECRET);
      assert.deepEqual(events.map((event) => [event.id, event.type, event.data.tokenId]), [[`evt_${id}_exhausted`, 'token.exhausted', id]]);
    });

    test('a delivery held open by the receiver does not hold up decisions', async () => {
      receiver.received.length = 0;
      let release: (status: number) => void = () => undefined;
      const held = new Promise<number>((resolve) => (release = resolve));
      receiver.answer = () => held;
      const group = await instances();
      const { token } = await issueToken(group[0]!.url, { streams: ['s'] });
      assert.equal((await watch(group[0]!, token, 'h-1', 's'))[0], 200);
      // The first event's delivery is now in flight and the receiver does not answer; decisions go on.
      await eventually(async () => receiver.inFlight === 1, 'a delivery in flight');
      for (let i = 2; i <= 4; i++) assert.equal((await watch(group[0]!, token, `h-${i}`, 's'))[0], 200);
      // Still held while those decisions were answered. With Redis the group's second instance may claim the later
      // events meanwhile and hold its own deliveries open too (the receiver answers none): one or more, never none.
      if (store === 'memory') assert.equal(receiver.inFlight, 1, 'still held while those decisions were answered');
      else assert.ok(receiver.inFlight >= 1, `still held while those decisions were answered (${receiver.inFlight} open)`);
      release(200);
      await eventually(async () => receiver.verifiedEvents(SECRET).length >= 4, 'all four session.started delivered');
    });
  });
}

describe('webhooks on Redis: across a restart, and events the store fails to queue', { timeout: 120_000 }, () => {
  let redis: TestRedis;
  let receiver: WebhookReceiver;
  before(async () => {
    redis = await startTestRedis();
    receiver = await startWebhookReceiver();
  });
  after(async () => {
    await receiver?.close();
    await redis?.stop();
  });

  test('an instance restarted while an event waits for its retry loses nothing: the next one delivers it, same id, valid signature', async () => {
    receiver.answer = () => 500;
    const env = { TOKEN_STORE: 'redis', REDIS_URL: redis.url, REDIS_KEY_PREFIX: redis.keyPrefix, ...webhookEnv(receiver) };
    const first = await startServiceInstance(env);
    const { token } = await issueToken(first.url, { streams: ['s'], viewerId: 'v' });
    await watch(first, token, 'r-1', 's');
    await eventually(async () => receiver.received.length >= 1, 'the first attempt failed');
    const stoppedAt = first.clock.now();
    await first.close();
    const attempts = receiver.received.length;

    receiver.answer = () => 200;
    const second = await startServiceInstance(env);
    try {
      second.clock.set(stoppedAt);
      // The registry lives in the store: the new process lists the session the old one started.
      assert.equal((await listSessions(second, { viewerId: 'v' })).items.length, 1);
      await eventuallyAdvancing([second], () => receiver.verifiedEvents(SECRET).length === 1, 'the restarted service delivers the event');
      const [event] = receiver.verifiedEvents(SECRET);
      assert.equal(event?.type, 'session.started');
      assert.equal(event?.id, receiver.received[0]?.id, 'the same event id as the failed attempt');
      await eventually(async () => (await second.services.sessions.queueDepth()) === 0, 'the queue is empty');
      assert.equal(receiver.received.length, attempts + 1);
    } finally {
      await second.close();
    }
  });

  test('a revocation whose token.revoked Redis cannot queue still stands; the lost event is counted and logged', async () => {
    const prefix = `${redis.keyPrefix}lost:`;
    const instance = await startServiceInstance({ TOKEN_STORE: 'redis', REDIS_URL: redis.url, REDIS_KEY_PREFIX: prefix, ...webhookEnv(receiver, { WEBHOOK_EVENTS: 'token.revoked' }) });
    try {
      const { token, id } = await issueToken(instance.url, { streams: ['s'] });
      assert.deepEqual(await watch(instance, token, 'x-1', 's'), [200, 'valid']);
      // The queue's hash is a string now: Redis fails the event's script (WRONGTYPE), as it would any broken write.
      await redis.client.set(`${prefix}{sess}:qd`, 'not a hash');
      assert.equal((await revokeToken(instance.url, id)).status, 200);
      assert.deepEqual(await watch(instance, token, 'x-2', 's'), [403, 'revoked'], 'the revocation stands');
      const lost = () => instance.metric('wcs_auth_webhook_events_lost_total', { type: 'token.revoked' });
      await eventually(async () => (await lost()) === 1, 'the lost event is counted');
      const lines = instance.logs.lines.filter((line) => line.tokenId === id);
      assert.ok(lines.some((line) => line.event === 'webhook_event_lost' && line.type === 'token.revoked' && line.level === 40));
      assert.ok(lines.some((line) => line.event === 'revoked_sessions_failed'), 'and that the sessions were not ended');
      assert.ok(!instance.logs.text().includes(token), 'the token itself is not logged');
      assert.equal(await instance.metric('wcs_auth_webhook_events_lost_total', { type: 'token.exhausted' }), 0);
    } finally {
      await instance.close();
    }
  });
});
