import assert from 'node:assert/strict';
import { beforeEach, describe, it } from 'node:test';
import { generateOpaqueToken, generateTokenId, hashToken } from '../../src/tokens/opaque-token.js';
import type { TokenRecord } from '../../src/tokens/token-record.js';
import type { TokenStore } from '../../src/tokens/token-store.js';
import type { ManualClock } from '../helpers/manual-clock.js';

export interface StoreUnderTest {
  store: TokenStore;
  clock: ManualClock;
  retentionMs: number;
  /** Lets the backing store forget records the way its expiry would (memory: advance the clock; Redis: read TTL). */
  assertExpiresAt(tokenHash: string, id: string, purgeAt: number): Promise<void>;
}

export function recordFor(clock: ManualClock, overrides: Partial<TokenRecord> = {}): TokenRecord {
  return {
    id: generateTokenId(),
    streams: ['test'],
    appKeys: null,
    actions: ['play'],
    notBefore: null,
    expiresAt: clock.now() + 60_000,
    headers: { 'X-Viewer-Id': 'u-1' },
    metadata: { nested: { list: [], empty: {} } },
    createdAt: clock.now(),
    disabled: false,
    revokedAt: null,
    ...overrides,
  };
}

/** The behaviour every TokenStore must have; run by one test file per implementation. */
export function tokenStoreContract(name: string, setup: () => Promise<StoreUnderTest>): void {
  describe(`TokenStore contract: ${name}`, () => {
    let s: StoreUnderTest;
    beforeEach(async () => {
      s = await setup();
    });

    it('finds a created record by hash and by id, unchanged (empty lists and objects kept)', async () => {
      const token = generateOpaqueToken();
      const record = recordFor(s.clock);
      await s.store.create(hashToken(token), record);
      assert.deepEqual(await s.store.findByHash(hashToken(token)), record);
      assert.deepEqual(await s.store.findById(record.id), record);
    });

    it('finds nothing for an unknown hash or id', async () => {
      assert.equal(await s.store.findByHash(hashToken(generateOpaqueToken())), undefined);
      assert.equal(await s.store.findById(generateTokenId()), undefined);
    });

    it('refuses to create a second record under the same hash', async () => {
      const hash = hashToken(generateOpaqueToken());
      await s.store.create(hash, recordFor(s.clock));
      await assert.rejects(s.store.create(hash, recordFor(s.clock)));
    });

    it('revokes once: the first revocation time is kept, and the record is otherwise unchanged', async () => {
      const hash = hashToken(generateOpaqueToken());
      const record = recordFor(s.clock);
      await s.store.create(hash, record);
      const revoked = await s.store.revoke(record.id, 1000);
      assert.deepEqual(revoked, { ...record, revokedAt: 1000 });
      assert.deepEqual(await s.store.revoke(record.id, 2000), { ...record, revokedAt: 1000 });
      assert.deepEqual(await s.store.findByHash(hash), { ...record, revokedAt: 1000 });
    });

    it('revoking an unknown id returns undefined and creates nothing', async () => {
      const id = generateTokenId();
      assert.equal(await s.store.revoke(id, 1000), undefined);
      assert.equal(await s.store.findById(id), undefined);
    });

    it('keeps records until expiresAt + retention, then they expire by themselves', async () => {
      const hash = hashToken(generateOpaqueToken());
      const record = recordFor(s.clock);
      await s.store.create(hash, record);
      await s.assertExpiresAt(hash, record.id, record.expiresAt + s.retentionMs);
    });

    it('answers ping while healthy', async () => {
      await s.store.ping();
    });
  });
}
