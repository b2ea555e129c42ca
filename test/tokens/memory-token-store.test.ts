import assert from 'node:assert/strict';
import { MemoryTokenStore } from '../../src/tokens/memory-token-store.js';
import { ManualClock } from '../helpers/manual-clock.js';
import { tokenStoreContract } from './token-store.contract.js';

tokenStoreContract('memory', async () => {
  const clock = new ManualClock();
  const retentionMs = 10_000;
  const store = new MemoryTokenStore(clock, retentionMs);
  return {
    store,
    clock,
    retentionMs,
    assertExpiresAt: async (hash, id, purgeAt) => {
      clock.set(purgeAt - 1);
      assert.ok(await store.findByHash(hash), 'still there just before');
      clock.set(purgeAt);
      assert.equal(await store.findByHash(hash), undefined, 'gone at purge time');
      assert.equal(await store.findById(id), undefined);
      await store.close();
    },
  };
});
