import assert from 'node:assert/strict';
import { after, before, describe } from 'node:test';
import { RedisTokenStore } from '../../src/tokens/redis-token-store.js';
import { startClusterModeRedis, type ClusterModeRedis } from '../helpers/cluster-mode-redis.js';
import { ManualClock } from '../helpers/manual-clock.js';
import { startTestRedis, type TestRedis } from '../helpers/redis-server.js';
import { tokenPoliciesContract, type PolicyStoreUnderTest } from './token-policies.contract.js';

const stores: RedisTokenStore[] = [];
let redis: TestRedis | undefined;
let cluster: ClusterModeRedis | undefined;
before(async () => {
  // One after the other: should the second fail to start, the first is already assigned and after() stops it (a
  // server left running keeps this file's process alive after its tests).
  redis = await startTestRedis();
  cluster = await startClusterModeRedis();
});
after(async () => {
  await Promise.all(stores.map((store) => store.close()));
  await Promise.all([redis?.stop(), cluster?.stop()]);
});

let counter = 0;
function setupOn(server: () => { url: string; keyPrefix: string; client: TestRedis['client'] }) {
  return async (): Promise<PolicyStoreUnderTest> => {
    const { url, keyPrefix, client } = server();
    // A prefix per test: listing and rollback checks see only this test's keys. The clock is far ahead of Redis's,
    // so nothing expires by Redis's own clock during a test; expiry is checked by reading it.
    const retentionMs = 10_000;
    const clock = new ManualClock();
    const store = new RedisTokenStore({ url, keyPrefix: `${keyPrefix}${++counter}:`, commandTimeoutMs: 5000, retentionMs, clock });
    stores.push(store);
    return {
      store,
      clock,
      retentionMs,
      assertTokenKeysExpireAt: async (hash, id, purgeAt) => {
        for (const key of [store.recordKey(hash), store.sessionsKey(hash), store.activeKey(hash)]) {
          assert.equal(await client.pexpiretime(key), purgeAt, `expiry of ${key}`);
        }
        // The id map and the listing index hold every token: they live at least as long as the last one.
        assert.equal(await client.hget(store.idsKey(), id), Buffer.from(hash, 'hex').toString('base64url'));
        for (const key of [store.idsKey(), store.indexKey()]) assert.ok((await client.pexpiretime(key)) >= purgeAt, `expiry of ${key}`);
      },
    };
  };
}

describe('redis (standalone)', () => {
  tokenPoliciesContract('redis', setupOn(() => redis!));
});

// Redis applies the cluster rules here (CROSSSLOT for a script or MULTI over keys of two slots), so every test of
// the contract also shows that no operation mixes a token's keys with keys of another slot.
describe('redis (one-node cluster)', () => {
  tokenPoliciesContract('redis cluster mode', setupOn(() => cluster!));
});
