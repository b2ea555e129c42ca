import { waitForReplicas, type RedisClient, type WaitReplicas } from '../shared/redis-client.js';
import type { TokenStore } from './token-store.js';

export class ReplicationError extends Error {
  constructor(acknowledged: number, wanted: number) {
    super(`write acknowledged by ${acknowledged} of ${wanted} replicas`);
    this.name = 'ReplicationError';
  }
}

/**
 * Admin writes (issue, batch issue, update, revoke) count as done only once `wait.count` replicas have them (Redis WAIT). Redis
 * replicates asynchronously: without this, a token issued (or revoked!) just before the master fails can be missing
 * from the replica Sentinel promotes. A write that is not acknowledged in time is reported as a store failure (the
 * admin API answers 503 and the caller retries; issue and revoke are safe to retry), although the master has it.
 * Decisions are never delayed by this.
 */
export function requireReplicaAcks(store: TokenStore & { redis: RedisClient }, wait: WaitReplicas): TokenStore {
  const acknowledged = async () => {
    const acks = await waitForReplicas(store.redis, wait);
    if (acks < wait.count) throw new ReplicationError(acks, wait.count);
  };
  return {
    kind: store.kind,
    create: async (hash, record) => {
      await store.create(hash, record);
      await acknowledged();
    },
    createMany: async (items) => {
      await store.createMany(items);
      await acknowledged();
    },
    update: async (id, change, now) => {
      const entry = await store.update(id, change, now);
      if (entry) await acknowledged();
      return entry;
    },
    revoke: async (id, at) => {
      const record = await store.revoke(id, at);
      if (record) await acknowledged();
      return record;
    },
    findByHash: (hash) => store.findByHash(hash),
    findById: (id) => store.findById(id),
    findEntryById: (id) => store.findEntryById(id),
    // Decisions never wait for replicas: a use counted on the master alone may be lost in a failover (README).
    authorize: (hash, request, check) => store.authorize(hash, request, check),
    scan: (after, count, now) => store.scan(after, count, now),
    listSessions: (id) => store.listSessions(id),
    ping: () => store.ping(),
    close: () => store.close(),
  };
}
