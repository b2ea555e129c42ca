import cluster, { type Worker } from 'node:cluster';
import { once } from 'node:events';
import type { Logger } from 'pino';
import { serveClusterMetrics } from './cluster-metrics.js';

export interface ClusterPrimaryOptions {
  workers: number;
  /** Each worker's own limit for finishing in-flight requests; the primary waits that long plus a grace period. */
  shutdownTimeoutMs: number;
  logger: Logger;
}

/** Time a worker gets after its own shutdown timeout (closing connections, Redis) before it is killed. */
const KILL_GRACE_MS = 5000;
/** A crashed worker is replaced after this pause, so that a crash loop does not spin the CPU. */
const RESTART_DELAY_MS = 1000;

/**
 * The cluster primary (WORKERS > 1): forks the workers, which share the listening port (node:cluster hands each
 * new connection to the next worker), replaces a worker that dies, serves the aggregated metrics, passes SIGHUP on,
 * and on SIGTERM/SIGINT stops every worker gracefully before exiting. It serves no requests itself.
 */
export function runClusterPrimary(options: ClusterPrimaryOptions): void {
  const { logger } = options;
  let shuttingDown = false;
  /** Ids of the workers that got as far as listening (ids are never reused). */
  const started = new Set<number>();
  serveClusterMetrics();

  const liveWorkers = () => Object.values(cluster.workers ?? {}).filter((w): w is Worker => w !== undefined && !w.isDead());

  const shutdown = async (reason: string, exitCode: number) => {
    if (shuttingDown) return;
    shuttingDown = true;
    const workers = liveWorkers();
    logger.info({ reason, workers: workers.length }, 'shutting down: stopping every worker');
    const exited = workers.map((worker) => once(worker, 'exit'));
    for (const worker of workers) worker.process.kill('SIGTERM');
    let forced = false;
    const force = setTimeout(() => {
      forced = true;
      logger.warn('workers did not stop in time: killing them');
      for (const worker of liveWorkers()) worker.process.kill('SIGKILL');
    }, options.shutdownTimeoutMs + KILL_GRACE_MS);
    await Promise.all(exited);
    clearTimeout(force);
    logger.info({ forced }, 'all workers stopped');
    process.exit(forced ? 1 : exitCode);
  };

  cluster.on('listening', (worker) => {
    started.add(worker.id);
    if (started.size === options.workers) logger.info({ workers: options.workers }, 'all workers listening');
  });
  cluster.on('exit', (worker, code, signal) => {
    if (shuttingDown) return;
    if (!started.has(worker.id)) {
      // It died while starting (cannot listen, cannot load): a replacement would die the same way.
      logger.fatal({ workerId: worker.id, code, signal }, 'a worker exited before it started listening; stopping');
      void shutdown('worker_start_failed', 1);
      return;
    }
    logger.error({ workerId: worker.id, code, signal }, 'worker exited unexpectedly; starting a replacement');
    setTimeout(() => {
      if (!shuttingDown) cluster.fork();
    }, RESTART_DELAY_MS);
  });

  for (let i = 0; i < options.workers; i++) cluster.fork();
  process.on('SIGTERM', () => void shutdown('SIGTERM', 0));
  process.on('SIGINT', () => void shutdown('SIGINT', 0));
  // JWT key rotation (SIGHUP) happens in each worker. Without this handler SIGHUP would end the primary, and
  // every worker with it.
  process.on('SIGHUP', () => {
    logger.info({ workers: liveWorkers().length }, 'SIGHUP: passing it on to every worker');
    for (const worker of liveWorkers()) worker.process.kill('SIGHUP');
  });
}
