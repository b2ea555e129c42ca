import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ManualClock } from '../helpers/manual-clock.js';
import { issueToken, issueTokens } from '../../src/tokens/issue-token.js';
import { MemoryTokenStore } from '../../src/tokens/memory-token-store.js';
import { listPosition, listTokens } from '../../src/tokens/token-list.js';
import type { TokenRecord } from '../../src/tokens/token-record.js';

/**
 * The memory store keeps its tokens in listing order as they are created (memory-list-order.ts) instead of sorting
 * them all for every page: the pages must be what sorting gave, whatever order the tokens came in.
 */
test('the memory store lists newest first, page by page, whatever order tokens were created in; gone ones are skipped', async () => {
  const clock = new ManualClock();
  const retentionMs = 60_000;
  const store = new MemoryTokenStore(clock, retentionMs);
  const start = clock.now();
  const deps = () => ({ store, now: clock.now(), defaultTtlSeconds: 3600, maxTtlSeconds: 86_400 });
  const records: TokenRecord[] = [];
  try {
    // Creation times going forward, back (a clock set back), repeated within one millisecond, and a batch.
    for (const offset of [0, 5_000, 2_000, 2_000, 2_000, 9_000, 1, 9_000, 0, 7_500]) {
      clock.set(start + offset);
      records.push((await issueToken({ streams: ['live'] }, deps())).record);
    }
    clock.set(start + 4_000);
    records.push(...(await issueTokens([{ streams: ['a'] }, { streams: ['b'] }, { streams: ['c'] }], deps())).map(({ record }) => record));
    // Two that expire soon, gone once past expiry plus retention.
    clock.set(start + 3_000);
    const shortLived = (await issueTokens([{ streams: ['x'], ttlSeconds: 1 }, { streams: ['y'], ttlSeconds: 1 }], deps())).map(({ record }) => record);
    records.push(...shortLived);

    const byPosition = (list: readonly TokenRecord[]) =>
      [...list].sort((a, b) => (listPosition(a) < listPosition(b) ? 1 : -1)).map((record) => record.id);
    const allPages = async (limit: number, stream?: string) => {
      const ids: string[] = [];
      let after: string | undefined;
      for (let page = 0; page < 100; page++) {
        const { items, nextCursor } = await listTokens(store, { limit, after, ...(stream ? { stream } : {}) }, clock.now());
        ids.push(...items.map((item) => item.record.id));
        if (nextCursor === null) return ids;
        after = Buffer.from(nextCursor, 'base64url').toString('utf8');
      }
      throw new Error('the pages did not end');
    };
    for (const limit of [1, 3, 4, 50]) assert.deepEqual(await allPages(limit), byPosition(records), `pages of ${limit}`);
    assert.deepEqual(await allPages(2, 'live'), byPosition(records.slice(0, 10)), 'a filtered listing');

    clock.set(start + 3_000 + 1_000 + retentionMs);
    const left = records.filter((record) => !shortLived.includes(record));
    for (const limit of [1, 3, 50]) assert.deepEqual(await allPages(limit), byPosition(left), `after two expired, pages of ${limit}`);
    // A new token, at the newest end.
    const newest = (await issueToken({ streams: ['new'] }, deps())).record;
    assert.deepEqual(await allPages(5), [newest.id, ...byPosition(left)]);
  } finally {
    await store.close();
  }
});

/** What the store's periodic sweep reaches into (private: the timer runs it once a minute). */
interface SweptStore {
  sweep(): void;
  byHash: Map<string, unknown>;
  order: { size: number };
}

test('the sweep drops the tokens whose interval has ended, not one whose expiry a change moved on, and then their list slots', async () => {
  const clock = new ManualClock();
  const store = new MemoryTokenStore(clock, 0);
  const internals = store as unknown as SweptStore;
  const deps = { store, now: clock.now(), defaultTtlSeconds: 3600, maxTtlSeconds: 86_400 };
  try {
    const short = await issueTokens(Array.from({ length: 10 }, (_, i) => ({ streams: [`s${i}`], ttlSeconds: 1 })), deps);
    const long = await issueTokens([{ streams: ['l1'] }, { streams: ['l2'] }], { ...deps, defaultTtlSeconds: 86_400 });
    // One short token is given a day more before it expires.
    const moved = short[0]!.record;
    await store.update(moved.id, (current) => ({ ...current.record, expiresAt: clock.now() + 86_400_000 }));
    internals.sweep();
    assert.equal(internals.byHash.size, 12, 'nothing is gone yet');
    clock.advance(120_001);
    internals.sweep();
    assert.equal(internals.byHash.size, 3, 'nine gone, without a decision or a listing touching them');
    assert.equal(internals.order.size, 3, 'more than half were gone: their list slots are dropped');
    assert.ok(await store.findById(moved.id), 'the one whose expiry moved on stays');
    const { items } = await listTokens(store, { limit: 50, after: undefined }, clock.now());
    assert.deepEqual(items.map((item) => item.record.id).sort(), [moved.id, ...long.map(({ record }) => record.id)].sort());
  } finally {
    await store.close();
  }
});
