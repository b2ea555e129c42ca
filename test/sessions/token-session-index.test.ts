import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import type { Redis } from 'ioredis';
import { startTestRedis, type TestRedis } from '../helpers/redis-server.js';
import { RedisSessionRegistry } from '../../src/tokens/sessions/redis-session-registry.js';
import type { SessionCheck, SessionSettings } from '../../src/tokens/sessions/session-registry.js';

/**
 * Redis keeps each token's live session ids in a sorted set of its own (`{sess}:t:<sha1 of the token id>`), so that a
 * revocation ends the token's sessions without reading every session in the registry.
 */
const WINDOW_MS = 30_000;
const settings: SessionSettings = { windowMs: WINDOW_MS, defaultMaxViewerSessions: 0, limitMode: 'refuse', events: [] };
const sha1 = (text: string) => createHash('sha1').update(text, 'utf8').digest('hex');
/** A sorted set's members, all scores 0: in lexical order. */
const members = (redis: TestRedis, key: string) => redis.client.zrange(key, 0, -1);
const check = (id: string): SessionCheck => ({ id, stream: 'live', appKey: 'app', clientIp: '192.0.2.1', method: 'playHLS' });

describe("a token's set of live sessions (Redis)", { timeout: 60_000 }, () => {
  let redis: TestRedis;
  const clients: Redis[] = [];
  let n = 0;
  /** A registry on a prefix of its own, and the key of one token's set under it. */
  const registry = () => {
    const client = redis.client.duplicate();
    clients.push(client);
    const prefix = `${redis.keyPrefix}idx${++n}:`;
    return { sessions: new RedisSessionRegistry(client, prefix, settings, false), setOf: (tokenId: string) => `${prefix}{sess}:t:${sha1(tokenId)}` };
  };
  before(async () => {
    redis = await startTestRedis();
  });
  after(async () => {
    for (const client of clients) client.disconnect();
    await redis.stop();
  });

  test('follows the sessions: a start adds, a kick, an idle sweep and a revocation take away; it has a TTL and goes with its last member', async () => {
    const { sessions, setOf } = registry();
    const now = 1_000_000;
    // A JWT's jti may hold any character: the script's sha1 and this one hash the same UTF-8 bytes.
    const a = { id: 'jti-é-流-🎥', expiresAt: now + 600_000 };
    const b = { id: 'tok_b', expiresAt: now + 600_000 };
    for (const id of ['a1', 'a2', 'a3']) assert.equal((await sessions.decide(check(id), a, true, now)).started, true);
    await sessions.decide(check('b1'), b, true, now);
    assert.deepEqual(await members(redis, setOf(a.id)), ['a1', 'a2', 'a3']);
    assert.deepEqual(await members(redis, setOf(b.id)), ['b1']);
    assert.ok((await redis.client.pttl(setOf(a.id))) > 0, 'the set expires');

    assert.equal(await sessions.end('a1', 'kicked', now), a.id);
    assert.deepEqual(await members(redis, setOf(a.id)), ['a2', 'a3']);
    // a2 is checked again; a3 is not and ends idle in the sweep after the window.
    await sessions.decide(check('a2'), a, true, now + WINDOW_MS - 1_000);
    await sessions.decide(check('b1'), b, true, now + WINDOW_MS - 1_000);
    assert.equal(await sessions.sweep(now + WINDOW_MS + 1, 100), 1);
    assert.deepEqual(await members(redis, setOf(a.id)), ['a2']);

    assert.equal(await sessions.tokenRevoked(a.id, now + WINDOW_MS + 2), 1);
    assert.equal(await redis.client.exists(setOf(a.id)), 0, 'the set goes with its last member');
    assert.deepEqual(await members(redis, setOf(b.id)), ['b1'], "another token's set is untouched");
    const listed = await sessions.list({}, undefined, 10, now + WINDOW_MS + 2);
    assert.deepEqual(listed.items.map((session) => session.id), ['b1']);
  });

  test("the set lasts as long as its token could keep a session going (two days at the least, 400 days at most)", async () => {
    const { sessions, setOf } = registry();
    const now = Date.now();
    const DAY = 86_400_000;
    const ttlDays = async (expiresAt: number, id: string) => {
      assert.equal((await sessions.decide(check(`${id}-s`), { id, expiresAt }, true, now)).started, true);
      return (await redis.client.pttl(setOf(id))) / DAY;
    };
    const short = await ttlDays(now + 600_000, 'tok_short');
    assert.ok(short > 2 && short <= 2 + WINDOW_MS / DAY, `a 10-minute token's set: the registry's two days (${short})`);
    const long = await ttlDays(now + 10 * DAY, 'tok_long');
    assert.ok(long > 10 && long <= 10 + WINDOW_MS / DAY, `a 10-day token's set outlives its token (${long})`);
    const far = await ttlDays(now + 1e15, 'tok_far');
    assert.ok(far > 399 && far <= 400, `an expiry far out is held to 400 days (${far})`);
  });

  test('a revocation ends every session of the token, over several batches, and none of another token', async () => {
    const { sessions, setOf } = registry();
    const now = 2_000_000;
    const many = { id: 'tok_many', expiresAt: now + 600_000 };
    const other = { id: 'tok_other', expiresAt: now + 600_000 };
    for (let i = 0; i < 450; i++) await sessions.decide(check(`m${i}`), many, true, now);
    await sessions.decide(check('o1'), other, true, now);
    // Listed by token, in pages that follow the cursor: all 450 in id order, and none of the other token.
    const listed: string[] = [];
    let cursor: string | undefined;
    do {
      const page = await sessions.list({ tokenId: many.id }, cursor, 100, now + 1);
      listed.push(...page.items.map((session) => session.id));
      cursor = page.nextCursor ?? undefined;
    } while (cursor !== undefined);
    assert.deepEqual(listed, Array.from({ length: 450 }, (_, i) => `m${i}`).sort());
    assert.equal(await sessions.tokenRevoked(many.id, now + 1), 450);
    assert.equal(await redis.client.exists(setOf(many.id)), 0);
    assert.deepEqual((await sessions.list({}, undefined, 500, now + 1)).items.map((session) => session.id), ['o1']);
    assert.deepEqual((await sessions.list({ tokenId: many.id }, undefined, 500, now + 1)).items, []);
    // Each is remembered as ended by the revocation: its next check is refused.
    assert.equal((await sessions.decide(check('m7'), many, true, now + 2)).reason, 'session_ended');
    assert.equal(await sessions.tokenRevoked(many.id, now + 3), 0, 'a second revocation finds nothing more');
  });

  test('a revocation and a listing by token read the set, not the registry: a session the set does not list (started by an older version) ends as idle later', async () => {
    const { sessions, setOf } = registry();
    const now = 3_000_000;
    const token = { id: 'tok_old', expiresAt: now + 600_000 };
    await sessions.decide(check('old'), token, true, now);
    await redis.client.zrem(setOf(token.id), 'old');
    assert.equal(await sessions.tokenRevoked(token.id, now + 1), 0);
    assert.deepEqual((await sessions.list({}, undefined, 10, now + 1)).items.map((session) => session.id), ['old']);
    assert.deepEqual((await sessions.list({ tokenId: token.id }, undefined, 10, now + 1)).items, [], 'a listing by token reads the set too');
    assert.equal(await sessions.sweep(now + WINDOW_MS + 1, 100), 1);
    assert.deepEqual((await sessions.list({}, undefined, 10, now + WINDOW_MS + 1)).items, []);
  });
});
