import { after, before } from 'node:test';
import { RedisTokenStore, type RedisTokenStoreOptions } from '../../src/tokens/redis-token-store.js';
import { startTestRedis, type TestRedis } from './redis-server.js';

type StoreOptions = Omit<RedisTokenStoreOptions, 'url' | 'connection' | 'keyPrefix'> & { keyPrefix?: string };

/**
 * One test Redis for the calling file (started in `before`, stopped in `after`) and the Redis token stores opened
 * on it, all closed in `after`. `open` gives each store a prefix of its own unless `keyPrefix` is given.
 */
export function redisTokenStores(): { redis(): TestRedis; open(options: StoreOptions): RedisTokenStore } {
  let redis: TestRedis | undefined;
  let counter = 0;
  const stores: RedisTokenStore[] = [];
  before(async () => {
    redis = await startTestRedis();
  });
  after(async () => {
    await Promise.all(stores.map((store) => store.close()));
    await redis?.stop();
  });
  const started = (): TestRedis => {
    if (!redis) throw new Error('the test Redis is not started yet (use it inside a test or hook)');
    return redis;
  };
  return {
    redis: started,
    open: ({ keyPrefix, ...options }) => {
      const server = started();
      const store = new RedisTokenStore({ ...options, url: server.url, keyPrefix: keyPrefix ?? `${server.keyPrefix}${++counter}:` });
      stores.push(store);
      return store;
    },
  };
}
