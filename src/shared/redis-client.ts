import { Cluster, Redis, type RedisOptions } from 'ioredis';

export interface HostPort {
  host: string;
  port: number;
}

/** Where the token store's Redis is: one server, a Sentinel-managed master, or a Redis Cluster. */
export type RedisConnection =
  | { mode: 'standalone'; url: string }
  | { mode: 'sentinel'; sentinels: HostPort[]; name: string; password: string | undefined }
  | { mode: 'cluster'; nodes: HostPort[]; password: string | undefined };

/** How many replicas must acknowledge an admin write (WAIT) before it is reported done; count 0 = do not wait. */
export interface WaitReplicas {
  count: number;
  timeoutMs: number;
}

/** Both client kinds speak the same commands; code that needs one or the other narrows with `instanceof Cluster`. */
export type RedisClient = Redis | Cluster;

const READONLY = /^READONLY/;

/**
 * The decision scripts (token, jti). Outside Cluster they skip ioredis's auto-pipelining, which builds a Pipeline
 * per batch (one property per defined script), a second promise, a callback and a `process.nextTick` per command:
 * ~10 µs of CPU per decision in a profile at 50 connections. They go straight to the socket instead, and
 * batchDecisionWrites joins what one event-loop turn sends into one write, as the auto-pipeline did.
 */
const DECISION_COMMANDS = ['wtaAuthorize', 'wtaJtiCheck'];

/**
 * Builds the ioredis client for a connection. Every mode fails a command that Redis does not answer within twice
 * `commandTimeoutMs` (the callers' own bound is `commandTimeoutMs`) instead of letting it wait: the decision layer
 * turns that into the configured failure policy, and retrying inside ioredis would only make the caller wait longer.
 * Reconnection goes on forever in the background, so the service recovers by itself when Redis returns.
 */
export function createRedisClient(connection: RedisConnection, options: { commandTimeoutMs: number }): RedisClient {
  const common: RedisOptions = {
    // Every caller already bounds its wait at commandTimeoutMs (withTimeout); this limit, twice that, frees
    // ioredis's queue. Were it the same, a busy event loop would reach both timers in one turn and fail here a
    // reply that withTimeout defers to read (see with-timeout.ts).
    commandTimeout: options.commandTimeoutMs * 2,
    maxRetriesPerRequest: 1,
    connectTimeout: Math.max(1000, options.commandTimeoutMs),
    enableAutoPipelining: true,
  };
  const retryStrategy = (attempt: number) => Math.min(attempt * 100, 2000);
  let client: RedisClient;
  switch (connection.mode) {
    case 'standalone':
      client = new Redis(connection.url, { ...common, autoPipeliningIgnoredCommands: DECISION_COMMANDS, retryStrategy });
      break;
    case 'sentinel':
      client = new Redis({
        ...common,
        sentinels: connection.sentinels,
        name: connection.name,
        role: 'master',
        autoPipeliningIgnoredCommands: DECISION_COMMANDS,
        password: connection.password,
        retryStrategy,
        sentinelRetryStrategy: retryStrategy,
        sentinelCommandTimeout: options.commandTimeoutMs,
        // Sentinel announces a failover (+switch-master) at once; without this ioredis would keep talking to the
        // old master until that connection breaks.
        failoverDetector: true,
        // A master demoted to replica answers writes with READONLY: reconnect (asking Sentinel again) and resend.
        reconnectOnError: (error) => (READONLY.test(error.message) ? 2 : false),
      });
      break;
    case 'cluster':
      client = new Cluster(connection.nodes, {
        redisOptions: { ...common, password: connection.password },
        // Writes and the decision's read go to masters: a replica may lag behind a revocation.
        scaleReads: 'master',
        clusterRetryStrategy: retryStrategy,
        // While the cluster is not connected, fail at once rather than queue: a queued command has no timeout in
        // ioredis's cluster queue, so an outage would pile up requests in memory.
        enableOfflineQueue: false,
        enableAutoPipelining: true,
        slotsRefreshTimeout: Math.max(1000, options.commandTimeoutMs),
      });
      break;
  }
  // Connection errors surface as rejected commands (and in /readyz); without a listener ioredis would print them.
  client.on('error', () => {});
  if (client instanceof Redis) keepConnected(client);
  return client;
}

const corked = new WeakSet<object>();

/**
 * Holds the client's socket writes until the end of this event-loop turn (setImmediate, as auto-pipelining does),
 * so the decision commands sent while node handles one batch of incoming requests leave in one `writev` instead of
 * one syscall each. ioredis has queued each command for its reply when it wrote it: only the syscall waits. In
 * Cluster (no single socket; the decision commands stay auto-pipelined there) it does nothing.
 */
export function batchDecisionWrites(client: RedisClient): void {
  if (!(client instanceof Redis)) return;
  const stream: Redis['stream'] | undefined = client.stream;
  if (!stream || corked.has(stream)) return;
  corked.add(stream);
  stream.cork();
  setImmediate(() => {
    corked.delete(stream);
    stream.uncork();
  });
}

/** Clients this service closed on purpose: the only ones that may stay closed. */
const closedOnPurpose = new WeakSet<RedisClient>();
const RESTART_DELAY_MS = 100;

/**
 * Connects again when ioredis gives a client up for good. ioredis ends a client ("Connection is closed.") when its
 * connector is told to disconnect while it is still connecting. With Sentinel that happens by itself: the failover
 * detector left over from the previous connection receives `+switch-master` while the client is asking a sentinel
 * where the master went, and the client would then fail every command until a restart (seen in
 * test/tokens/redis-sentinel.test.ts on a loaded machine). Only a close by this service (closeRedisClient,
 * disconnectRedisClient) ends a client.
 */
export function keepConnected(client: Redis): void {
  client.on('end', () => {
    if (closedOnPurpose.has(client)) return;
    setTimeout(() => {
      if (!closedOnPurpose.has(client) && client.status === 'end') client.connect().catch(() => undefined);
    }, RESTART_DELAY_MS).unref();
  });
}

/** Closes a client at once, for good (keepConnected leaves it closed). */
export function disconnectRedisClient(client: RedisClient): void {
  closedOnPurpose.add(client);
  client.disconnect();
}

/**
 * WAIT for `count` replicas to acknowledge this client's writes so far. In a cluster every master is asked (each
 * node's connection carries the writes sent to it) and the smallest acknowledgement counts.
 */
export async function waitForReplicas(client: RedisClient, wait: WaitReplicas): Promise<number> {
  if (client instanceof Cluster) {
    const acks = await Promise.all(client.nodes('master').map((node) => node.wait(wait.count, wait.timeoutMs)));
    return Math.min(...acks);
  }
  return client.wait(wait.count, wait.timeoutMs);
}

/**
 * QUIT (lets pending replies arrive), then disconnect: with Sentinel, only disconnect() also closes the connections
 * ioredis keeps to the sentinels for failover detection, which would otherwise keep reconnecting forever.
 */
export async function closeRedisClient(client: RedisClient): Promise<void> {
  closedOnPurpose.add(client);
  await client.quit().catch(() => undefined);
  client.disconnect();
}
