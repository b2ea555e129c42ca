import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { generateOpaqueToken, hashToken } from '../../src/tokens/opaque-token.js';
import type { RedisTokenStore } from '../../src/tokens/redis-token-store.js';
import { listTokens } from '../../src/tokens/token-list.js';
import { ManualClock } from '../helpers/manual-clock.js';
import { redisTokenStores } from '../helpers/redis-token-stores.js';
import { recordFor } from './token-store.contract.js';

/**
 * Index entries and ids written since issue 15 have no purge time in Redis (that is what makes them small): the
 * store must drop those whose record is gone, or the index and the id map would grow for ever while tokens are
 * issued and nobody lists. A record "gone" is deleted here as Redis's expiry would delete it.
 */

const { redis: server, open } = redisTokenStores();

function setup() {
  const clock = new ManualClock(Date.now());
  const store = open({ commandTimeoutMs: 5000, retentionMs: 60_000, clock });
  return { clock, store };
}

async function issue(store: RedisTokenStore, clock: ManualClock, count: number) {
  const items = Array.from({ length: count }, () => ({ tokenHash: hashToken(generateOpaqueToken()), record: recordFor(clock) }));
  await store.createMany(items);
  return items;
}

describe('Redis store: index housekeeping', () => {
  it('issuing drops the entries and ids of records that are gone, a window at a time, round the whole index', async () => {
    const { clock, store } = setup();
    const gone = await issue(store, clock, 60);
    const kept = await issue(store, clock, 5);
    await server().client.del(...gone.map(({ tokenHash }) => store.recordKey(tokenHash)));
    // Entries younger than the retention are not looked at (their records cannot have expired yet).
    await issue(store, clock, 1);
    assert.equal(await server().client.zcard(store.indexKey()), 66);
    clock.advance(60_001);
    // Each single issue looks at 2 × 1 + 16 entries: four of them cover the 66 entries at least once.
    for (let i = 0; i < 5; i++) await issue(store, clock, 1);
    assert.equal(await server().client.zcard(store.indexKey()), 11);
    assert.equal(await server().client.hlen(store.idsKey()), 11);
    for (const { record } of kept) assert.deepEqual(await store.findById(record.id), record);
    for (const { record } of gone) assert.equal(await server().client.hget(store.idsKey(), record.id), null);
  });

  it('a first listing page drops them too, and lists only what is there', async () => {
    const { clock, store } = setup();
    const [gone, kept] = [await issue(store, clock, 3), await issue(store, clock, 2)];
    await server().client.del(...gone.map(({ tokenHash }) => store.recordKey(tokenHash)));
    const page = await listTokens(store, { limit: 50, after: undefined }, clock.now());
    // The listing drops what it meets; the first page's housekeeping would too, once they are old enough.
    clock.advance(60_001);
    await listTokens(store, { limit: 1, after: undefined }, clock.now());
    assert.deepEqual(
      page.items.map((entry) => entry.record.id).sort(),
      kept.map(({ record }) => record.id).sort(),
    );
    assert.equal(await server().client.zcard(store.indexKey()), 2);
    assert.equal(await server().client.hlen(store.idsKey()), 2);
  });

  it('a rolled-back batch leaves no entry and no id behind', async () => {
    const { clock, store } = setup();
    const [taken] = await issue(store, clock, 1);
    assert.ok(taken);
    // The second item reuses a hash that exists: the batch fails and the first item is removed again.
    await assert.rejects(store.createMany([{ tokenHash: hashToken(generateOpaqueToken()), record: recordFor(clock) }, { tokenHash: taken.tokenHash, record: recordFor(clock) }]));
    assert.equal(await server().client.zcard(store.indexKey()), 1);
    assert.equal(await server().client.hlen(store.idsKey()), 1);
    assert.deepEqual(await store.findById(taken.record.id), taken.record);
  });
});
