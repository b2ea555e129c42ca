import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { Command, Redis } from 'ioredis';
import { createRedisClient, disconnectRedisClient } from '../../src/shared/redis-client.js';
import { defineScripts } from '../../src/shared/redis-commands.js';
import { ScriptSender } from '../../src/shared/redis-script-sender.js';
import { eventually } from '../helpers/hook-client.js';
import { startTestRedis, type TestRedis } from '../helpers/redis-server.js';

/**
 * Issue 15: the decision scripts go to the connection through ScriptSender instead of ioredis's defined commands.
 * What Redis receives must be what ioredis's Script sends: EVAL with the source on a connection that has not run
 * the script, EVALSHA afterwards, and after a NOSCRIPT answer the same command once more, as EVAL.
 */
const SPEC = { keys: 2, lua: `return {KEYS[1], KEYS[2], ARGV[1], ARGV[2], 'sender-test'}` };

describe('ScriptSender', { timeout: 30_000 }, () => {
  let redis: TestRedis;
  let base: Redis;
  let monitor: Redis;
  const seen: string[] = [];
  before(async () => {
    redis = await startTestRedis();
    base = new Redis(redis.url);
    monitor = await base.monitor();
    // Only this file's scripts: EVAL/EVALSHA lines carry the source or its SHA.
    monitor.on('monitor', (_time: string, args: string[]) => {
      const name = String(args[0]).toLowerCase();
      if (name === 'eval' || name === 'evalsha') seen.push(name);
    });
  });
  after(async () => {
    monitor.disconnect();
    base.disconnect();
    await redis.stop();
  });

  const client = () => createRedisClient({ mode: 'standalone', url: redis.url }, { commandTimeoutMs: 2000 }) as Redis;
  const sent = async (count: number) => {
    await eventually(async () => seen.length >= count, `${count} scripts seen by MONITOR`, 100, 20);
    return seen.splice(0, seen.length);
  };

  test('EVAL on a fresh connection, EVALSHA after it, and one resend as EVAL after NOSCRIPT', async () => {
    const c = client();
    try {
      defineScripts(c, { wtaSenderTest: SPEC });
      const sender = new ScriptSender(c, 'wtaSenderTest', SPEC);
      const reply = ['k"1', 'ké2', 'a\n"b"', '{"x":1}', 'sender-test'];
      assert.deepEqual(await sender.send(reply.slice(0, 4)), reply);
      assert.deepEqual(await sent(1), ['eval']);
      assert.deepEqual(await sender.send(reply.slice(0, 4)), reply);
      assert.deepEqual(await sent(1), ['evalsha']);
      await redis.client.script('FLUSH');
      assert.deepEqual(await sender.send(reply.slice(0, 4)), reply, 'a flushed script is sent again, not a failure');
      assert.deepEqual(await sent(2), ['evalsha', 'eval']);
      assert.deepEqual(await sender.send(reply.slice(0, 4)), reply);
      assert.deepEqual(await sent(1), ['evalsha']);
      // A new connection has run nothing: EVAL again, so a decision after a reconnect stays one round trip.
      c.disconnect(true);
      assert.deepEqual(await sender.send(reply.slice(0, 4)), reply);
      assert.deepEqual(await sent(1), ['eval']);
    } finally {
      disconnectRedisClient(c);
    }
  });

  test("a script's error is the caller's, without a resend", async () => {
    const c = client();
    try {
      const spec = { keys: 0, lua: `return redis.error_reply('ERR sender says no')` };
      const sender = new ScriptSender(c, 'wtaSenderError', spec);
      await assert.rejects(sender.send([]), /sender says no/);
      await assert.rejects(sender.send([]), /sender says no/);
      assert.deepEqual(await sent(2), ['eval', 'evalsha']);
    } finally {
      disconnectRedisClient(c);
    }
  });

  test('the prebuilt EVALSHA text is what ioredis frames', () => {
    const c = new Redis({ lazyConnect: true });
    const sender = new ScriptSender(c, 'wtaSenderFrame', SPEC);
    for (const args of [['k1', 'k2', 'a', 'b'], ['t:{é}', '', '["x\\u0000",1]', 'ü😀\r\n']]) {
      const all = [sender.sha, '2', ...args];
      assert.equal(sender.evalshaText(all), new Command('evalsha', all).toWritable({}));
    }
    c.disconnect();
  });

  test("with ioredis's keyPrefix the defined command runs (it prefixes the keys)", async () => {
    const c = new Redis(redis.url, { keyPrefix: 'kp:' });
    try {
      defineScripts(c, { wtaSenderPrefixed: SPEC });
      const sender = new ScriptSender(c, 'wtaSenderPrefixed', SPEC);
      assert.deepEqual(await sender.send(['a', 'b', '1', '2']), ['kp:a', 'kp:b', '1', '2', 'sender-test']);
    } finally {
      c.disconnect();
      seen.splice(0, seen.length);
    }
  });
});
