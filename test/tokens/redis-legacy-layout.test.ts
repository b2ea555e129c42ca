import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ipRangesOf } from '../../src/shared/ip-address.js';
import { generateOpaqueToken, generateTokenId, hashToken } from '../../src/tokens/opaque-token.js';
import type { RedisTokenStore } from '../../src/tokens/redis-token-store.js';
import { listPosition, listTokens } from '../../src/tokens/token-list.js';
import type { TokenRecord } from '../../src/tokens/token-record.js';
import type { PolicyCheck } from '../../src/tokens/token-store.js';
import type { AccessRequest } from '../../src/tokens/token-verifier.js';
import { ManualClock } from '../helpers/manual-clock.js';
import { redisTokenStores } from '../helpers/redis-token-stores.js';
import { recordFor } from './token-store.contract.js';

/**
 * A deployment upgrading with live tokens (issue 15): records, ids and index entries written by the layout before
 * issue 15 — the record as one `data` JSON field, `i:<id>` → hash, index members `<position>:<hash>` in
 * `{idx}:tokens` and `{idx}:expiry` — are written here with plain Redis commands, exactly as that version wrote
 * them, and must still be decided, found, listed (in order, across pages, mixed with new tokens), changed and
 * revoked by the current store.
 */

const { redis: server, open } = redisTokenStores();

const RETENTION_MS = 60_000;

function setup() {
  // Redis expires keys by its own clock, so records here are dated from real time.
  const clock = new ManualClock(Date.now());
  const store = open({ commandTimeoutMs: 5000, retentionMs: RETENTION_MS, clock });
  return { clock, store };
}

/** What the version before issue 15 wrote for one token (redis-token-writes.ts at that time). */
async function writeLegacy(store: RedisTokenStore, record: TokenRecord): Promise<string> {
  const token = generateOpaqueToken();
  const hash = hashToken(token);
  const purgeAt = record.expiresAt + RETENTION_MS;
  const member = `${listPosition(record)}:${hash}`;
  const client = server().client;
  await client.hset(store.recordKey(hash), 'data', JSON.stringify({ ...record, revokedAt: null }));
  if (record.allowedIps) await client.hset(store.recordKey(hash), 'ipRanges', JSON.stringify(ipRangesOf(record.allowedIps)));
  await client.pexpireat(store.recordKey(hash), purgeAt);
  await client.set(store.idKey(record.id), hash, 'PXAT', purgeAt, 'NX');
  await client.zadd(store.indexKey(), 0, member);
  await client.zadd(store.expiryIndexKey(), purgeAt, member);
  const last = Math.max(purgeAt, (await client.pexpiretime(store.expiryIndexKey())) > 0 ? await client.pexpiretime(store.expiryIndexKey()) : 0);
  await client.pexpireat(store.indexKey(), last);
  await client.pexpireat(store.expiryIndexKey(), last);
  return token;
}

function check(clock: ManualClock, sessionId: string): PolicyCheck {
  return { sessionId, clientIp: undefined, now: clock.now(), viewerWindowMs: 30_000, recordedSessionsMax: 100 };
}

function play(stream: string, viewerSessionId: string): AccessRequest {
  return { stream, appKey: undefined, action: 'play', clientIp: undefined, viewerSessionId, consume: true };
}

describe('Redis store: tokens written before issue 15', () => {
  it('decides an old record as it did (allow, stream refusal, maxUses counted in the old hash)', async () => {
    const { clock, store } = setup();
    const record = recordFor(clock, { streams: ['live-*'], maxUses: 1, expiresAt: clock.now() + 600_000 });
    const hash = hashToken(await writeLegacy(store, record));
    const allowed = await store.authorize(hash, play('live-1', 's1'), check(clock, 's1'));
    assert.equal(allowed?.reason, null);
    assert.deepEqual(allowed?.record, record);
    assert.equal((await store.authorize(hash, play('other', 's2'), check(clock, 's2')))?.reason, 'stream_not_allowed');
    assert.equal((await store.authorize(hash, play('live-1', 's3'), check(clock, 's3')))?.reason, 'use_limit_reached');
    assert.equal(await server().client.hget(store.recordKey(hash), 'uses'), '1');
    assert.equal(await server().client.hexists(store.recordKey(hash), 'i'), 0, 'a decision does not rewrite the record');
  });

  it('finds an old record by hash and by id, with its usage', async () => {
    const { clock, store } = setup();
    const record = recordFor(clock, { allowedIps: ['10.0.0.0/8'], bindIpOnFirstUse: true });
    const hash = hashToken(await writeLegacy(store, record));
    assert.deepEqual(await store.findByHash(hash), record);
    assert.deepEqual(await store.findById(record.id), record);
    assert.deepEqual(await store.findEntryById(record.id), { record, usage: { uses: 0, boundIp: null } });
  });

  it('lists old and new tokens together, newest first, across pages and their cursors', async () => {
    const { clock, store } = setup();
    const ids: string[] = [];
    for (let i = 0; i < 6; i++) {
      clock.advance(1000);
      const record = recordFor(clock);
      if (i % 2 === 0) await writeLegacy(store, record);
      else await store.create(hashToken(generateOpaqueToken()), record);
      ids.push(record.id);
    }
    const seen: string[] = [];
    let after: string | undefined;
    for (let page = 0; page < 10; page++) {
      const result = await listTokens(store, { limit: 2, after }, clock.now());
      seen.push(...result.items.map((entry) => entry.record.id));
      if (result.nextCursor === null) break;
      after = Buffer.from(result.nextCursor, 'base64url').toString('utf8');
    }
    assert.deepEqual(seen, [...ids].reverse());
  });

  it('changes an old record: rewritten in the compact form, its id key and expiry entry moved, still decided', async () => {
    const { clock, store } = setup();
    const record = recordFor(clock);
    const hash = hashToken(await writeLegacy(store, record));
    const expiresAt = clock.now() + 3_600_000;
    const changed = await store.update(record.id, ({ record: current }) => ({ ...current, streams: ['changed'], expiresAt }));
    assert.deepEqual(changed?.record, { ...record, streams: ['changed'], expiresAt });
    const fields = await server().client.hgetall(store.recordKey(hash));
    assert.equal(fields.data, undefined, 'the old data field is gone');
    assert.equal(fields.i, record.id);
    const purgeAt = expiresAt + RETENTION_MS;
    assert.equal(await server().client.pexpiretime(store.recordKey(hash)), purgeAt);
    assert.equal(await server().client.pexpiretime(store.idKey(record.id)), purgeAt);
    assert.equal(Number(await server().client.zscore(store.expiryIndexKey(), `${listPosition(record)}:${hash}`)), purgeAt);
    assert.ok((await server().client.pexpiretime(store.indexKey())) >= purgeAt);
    assert.deepEqual(await store.findById(record.id), { ...record, streams: ['changed'], expiresAt });
    assert.equal((await store.authorize(hash, play('changed', 's1'), check(clock, 's1')))?.reason, null);
    assert.equal((await store.authorize(hash, play('test', 's1'), check(clock, 's1')))?.reason, 'stream_not_allowed');
  });

  it('revokes an old record: found revoked, refused as revoked', async () => {
    const { clock, store } = setup();
    const record = recordFor(clock);
    const hash = hashToken(await writeLegacy(store, record));
    assert.deepEqual(await store.revoke(record.id, clock.now()), { ...record, revokedAt: clock.now() });
    assert.equal((await store.findById(record.id))?.revokedAt, clock.now());
    assert.equal((await store.authorize(hash, play('test', 's1'), check(clock, 's1')))?.reason, 'revoked');
    await assert.rejects(store.update(record.id, ({ record: current }) => current), /revoked/);
  });

  it('drops the index entry of an old record past its purge time on the next first page', async () => {
    const { clock, store } = setup();
    const record = recordFor(clock, { expiresAt: clock.now() + 1000 });
    await writeLegacy(store, record);
    assert.equal((await listTokens(store, { limit: 10, after: undefined }, clock.now())).items.length, 1);
    clock.advance(1000 + RETENTION_MS);
    assert.equal((await listTokens(store, { limit: 10, after: undefined }, clock.now())).items.length, 0);
    assert.equal(await server().client.zcard(store.indexKey()), 0);
    assert.equal(await server().client.zcard(store.expiryIndexKey()), 0);
  });

  it('an id that is in neither form is not found', async () => {
    const { store } = setup();
    assert.equal(await store.findById(generateTokenId()), undefined);
  });
});
