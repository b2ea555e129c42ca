import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { Redis } from 'ioredis';
import { startTestRedis, type TestRedis } from '../helpers/redis-server.js';
import { RedisSessionRegistry } from '../../src/tokens/sessions/redis-session-registry.js';
import type { SessionSettings, WebhookEventType } from '../../src/tokens/sessions/session-registry.js';

/**
 * Redis Cluster queues token.exhausted after the decision that took the last use (RedisTokenDecision's steps):
 * RedisSessionRegistry.tokenExhausted, against a real Redis. Queued once per token, only when configured, and a
 * Redis that fails there is reported, never thrown: the use is taken and the decision stands.
 */
function settings(events: readonly WebhookEventType[]): SessionSettings {
  return { windowMs: 30_000, defaultMaxViewerSessions: 0, limitMode: 'refuse', events };
}

describe('events queued outside the decision script: token.exhausted (Redis Cluster path) and token.revoked', { timeout: 60_000 }, () => {
  let redis: TestRedis;
  const clients: Redis[] = [];
  /** A client of its own per registry, closed before the server stops. */
  const client = () => {
    const made = redis.client.duplicate();
    clients.push(made);
    return made;
  };
  before(async () => {
    redis = await startTestRedis();
  });
  after(async () => {
    for (const made of clients) made.disconnect();
    await redis.stop();
  });

  test('queued once with its id, type and data, however often it is asked', async () => {
    const prefix = `${redis.keyPrefix}once:`;
    const registry = new RedisSessionRegistry(client(), prefix, settings(['token.exhausted']), false);
    const lost: unknown[] = [];
    registry.onEventLost = (...args) => lost.push(args);
    await registry.tokenExhausted('tok_a', 3, 1_000);
    await registry.tokenExhausted('tok_a', 3, 2_000);
    assert.equal(await registry.queueDepth(), 1);
    const [event] = await registry.claim(5_000, 10, 1_000);
    assert.deepEqual(event, { id: 'evt_tok_a_exhausted', type: 'token.exhausted', at: 1_000, data: { tokenId: 'tok_a', maxUses: 3, at: 1_000 }, attempt: 0 });
    assert.deepEqual(lost, []);
  });

  test('nothing is queued when WEBHOOK_EVENTS leaves token.exhausted out (or no WEBHOOK_URL is set)', async () => {
    for (const events of [[], ['session.started', 'token.revoked']] as const) {
      const registry = new RedisSessionRegistry(client(), `${redis.keyPrefix}off${events.length}:`, settings(events), false);
      await registry.tokenExhausted('tok_b', 1, 1_000);
      assert.equal(await registry.queueDepth(), 0);
    }
  });

  test('not configured, it sends nothing at all: no round trip for an event that would be dropped', async () => {
    // A closed client fails any command at once, so a command sent would show in onEventLost.
    const closed = client();
    closed.disconnect();
    const lost = (events: readonly WebhookEventType[]) => {
      const registry = new RedisSessionRegistry(closed, `${redis.keyPrefix}closed:`, settings(events), false);
      const seen: unknown[] = [];
      registry.onEventLost = (...args) => seen.push(args);
      return registry.tokenExhausted('tok_d', 1, 1_000).then(() => seen.length);
    };
    assert.equal(await lost(['session.started']), 0);
    assert.equal(await lost(['token.exhausted']), 1, 'the same client reports a command it was given');
  });

  test('a Redis that fails the write is reported to onEventLost, and the call still resolves', async () => {
    // The queue's hash is a string here: Redis fails the script (WRONGTYPE), as it would any broken write.
    const prefix = `${redis.keyPrefix}broken:`;
    await redis.client.set(`${prefix}{sess}:qd`, 'not a hash');
    const registry = new RedisSessionRegistry(client(), prefix, settings(['token.exhausted']), false);
    const lost: [WebhookEventType, string, unknown][] = [];
    registry.onEventLost = (...args) => lost.push(args);
    await registry.tokenExhausted('tok_c', 2, 1_000);
    assert.equal(lost.length, 1);
    assert.deepEqual(lost[0]!.slice(0, 2), ['token.exhausted', 'tok_c']);
    assert.match(String(lost[0]![2]), /WRONGTYPE/);
  });

  test('token.revoked that Redis fails to queue is reported to onEventLost and rejects; not configured, nothing is lost', async () => {
    const prefix = `${redis.keyPrefix}revoked:`;
    await redis.client.set(`${prefix}{sess}:qd`, 'not a hash');
    const lostWith = async (events: readonly WebhookEventType[]) => {
      const registry = new RedisSessionRegistry(client(), prefix, settings(events), false);
      const lost: [WebhookEventType, string, unknown][] = [];
      registry.onEventLost = (...args) => lost.push(args);
      const result = await registry.tokenRevoked('tok_r', 1_000).then(
        (ended) => ({ ended }),
        (error: unknown) => ({ error }),
      );
      return { lost, result };
    };
    const configured = await lostWith(['token.revoked']);
    assert.deepEqual(configured.lost.map((args) => args.slice(0, 2)), [['token.revoked', 'tok_r']]);
    assert.match(String('error' in configured.result ? configured.result.error : ''), /WRONGTYPE/);
    // Not configured, the event is not sent, so the broken queue costs nothing: no sessions, none ended.
    assert.deepEqual(await lostWith(['token.exhausted']), { lost: [], result: { ended: 0 } });
  });
});
