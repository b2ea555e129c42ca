import assert from 'node:assert/strict';
import { ManualClock } from '../helpers/manual-clock.js';
import { redisTokenStores } from '../helpers/redis-token-stores.js';
import { tokenStoreContract } from './token-store.contract.js';

const { redis: server, open } = redisTokenStores();

tokenStoreContract('redis', async () => {
  // Redis expires keys by its own clock, so records here are dated from real time.
  const clock = new ManualClock(Date.now());
  const retentionMs = 10_000;
  const redis = server();
  const store = open({ keyPrefix: redis.keyPrefix, commandTimeoutMs: 2000, retentionMs, clock });
  return {
    store,
    clock,
    retentionMs,
    assertExpiresAt: async (hash, id, purgeAt) => {
      assert.equal(await redis.client.pexpiretime(store.recordKey(hash)), purgeAt);
      // The id is in the id map, which (like the listing index) lives at least as long as its last record.
      assert.equal(await redis.client.hget(store.idsKey(), id), Buffer.from(hash, 'hex').toString('base64url'));
      for (const key of [store.idsKey(), store.indexKey()]) assert.ok((await redis.client.pexpiretime(key)) >= purgeAt, key);
    },
  };
});
