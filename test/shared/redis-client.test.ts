import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { Redis } from 'ioredis';
import { closeRedisClient, createRedisClient, disconnectRedisClient } from '../../src/shared/redis-client.js';
import { eventually } from '../helpers/hook-client.js';
import { startTestRedis, type TestRedis } from '../helpers/redis-server.js';

/**
 * Puts a client into the state ioredis's Sentinel failover detector can leave it in: its connector is told to
 * disconnect while the client is connecting again, and ioredis ends the client ("Connection is closed.") instead of
 * retrying. Standalone has the same code path, so a single redis-server shows it deterministically.
 */
async function interruptReconnection(client: Redis): Promise<void> {
  const connector = (client as unknown as { connector: { connect(...args: unknown[]): Promise<unknown>; disconnect(): void } }).connector;
  const connect = connector.connect.bind(connector);
  connector.connect = (...args: unknown[]) => {
    connector.connect = connect;
    const connecting = connect(...args);
    // What the failover detector does on +switch-master, while the connector is still connecting.
    connector.disconnect();
    return connecting;
  };
  client.disconnect(true);
}

describe('Redis clients stay connected unless the service closes them', { timeout: 20_000 }, () => {
  let redis: TestRedis;
  before(async () => {
    redis = await startTestRedis();
  });
  after(() => redis.stop());

  const client = () => createRedisClient({ mode: 'standalone', url: redis.url }, { commandTimeoutMs: 1000 }) as Redis;

  test('a client that ioredis gives up while reconnecting connects again and answers', async () => {
    const c = client();
    try {
      await c.ping();
      // Not events.once: ioredis emits 'error' ("Connection is closed.") first, which would reject it.
      const ended = new Promise<void>((resolve) => c.once('end', () => resolve()));
      await interruptReconnection(c);
      await ended;
      assert.equal(c.status, 'end', 'ioredis ended the client: without keepConnected it would stay so');
      await eventually(async () => c.status === 'ready', 'the client is ready again', 50);
      assert.equal(await c.ping(), 'PONG');
    } finally {
      await closeRedisClient(c);
    }
  });

  test('a client closed by the service stays closed', async () => {
    const quit = client();
    await quit.ping();
    await closeRedisClient(quit);
    const dropped = client();
    await dropped.ping();
    disconnectRedisClient(dropped);
    await new Promise((resolve) => setTimeout(resolve, 400));
    assert.equal(quit.status, 'end');
    assert.equal(dropped.status, 'end');
    await assert.rejects(quit.ping(), /Connection is closed/);
  });
});
