import { once } from 'node:events';
import type { Server } from 'node:http';
import type { Logger } from 'pino';
import type { StoreHealthMonitor } from '../observability/store-health-monitor.js';
import { watchParent } from '../shared/parent-watch.js';

/** What a shutdown stops, in this order: the health monitor, the servers, then the services. */
export interface RunningParts {
  server: Server;
  metricsServer: Server | undefined;
  healthMonitor: StoreHealthMonitor | undefined;
  services: { close(): Promise<void> };
}

/**
 * SIGTERM, SIGINT or the parent's exit: /readyz fails from the first moment (`started`), the service keeps serving
 * for SHUTDOWN_DELAY_MS, finishes the requests in flight (at most SHUTDOWN_TIMEOUT_MS), closes its services and exits.
 */
export class GracefulShutdown {
  started = false;
  private skipDelay: (() => void) | undefined;

  constructor(
    private readonly settings: { shutdownDelayMs: number; shutdownTimeoutMs: number },
    private readonly logger: Logger,
  ) {}

  /** From now on the signals (and the parent's exit) stop `parts`. */
  listen(parts: RunningParts): void {
    process.on('SIGTERM', () => void this.run('SIGTERM', parts));
    process.on('SIGINT', () => void this.run('SIGINT', parts));
    watchParent(() => {
      this.logger.warn('the parent process exited: stopping as on SIGTERM');
      void this.run('parent_exited', parts);
    });
  }

  private async run(signal: string, parts: RunningParts): Promise<void> {
    if (this.started) {
      // A second signal during the delay: the operator does not want to wait for the load balancer.
      this.skipDelay?.();
      return;
    }
    this.started = true;
    await this.delay(signal);
    await this.stop(signal, parts);
    this.logger.info('stopped');
    await this.flushLogs();
    process.exit(0);
  }

  /**
   * The log lines still buffered (LOG_BATCH's turn, LOG_ASYNC's 4 KiB) are written before the process ends: the
   * exit handlers would also write them, but an asynchronous write already under way could be cut off by the exit.
   */
  private async flushLogs(): Promise<void> {
    await new Promise<void>((resolve) => {
      this.logger.flush(() => resolve());
    });
  }

  private async delay(signal: string): Promise<void> {
    const { shutdownDelayMs } = this.settings;
    if (shutdownDelayMs <= 0) return;
    // /readyz now fails, but load balancers and Kubernetes endpoints notice only at their next probe: keep serving
    // until they have stopped sending, then close.
    this.logger.info({ signal, shutdownDelayMs }, 'shutting down: not ready, still serving for SHUTDOWN_DELAY_MS');
    await new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, shutdownDelayMs);
      this.skipDelay = () => {
        clearTimeout(timer);
        resolve();
      };
    });
  }

  private async stop(signal: string, { server, metricsServer, healthMonitor, services }: RunningParts): Promise<void> {
    this.logger.info({ signal }, 'shutting down: no new connections, finishing in-flight requests');
    const force = setTimeout(() => {
      this.logger.warn('shutdown timeout reached: closing remaining connections');
      server.closeAllConnections();
    }, this.settings.shutdownTimeoutMs).unref();
    healthMonitor?.stop();
    // Prometheus may scrape until the very end; its connections are short-lived and carry nothing to finish.
    metricsServer?.close();
    metricsServer?.closeAllConnections();
    server.close();
    // Keep-alive connections (WCS and nginx pool them) become idle once their in-flight response is sent; close
    // them as soon as they do instead of waiting for the keep-alive timeout.
    const idleSweep = setInterval(() => server.closeIdleConnections(), 100);
    server.closeIdleConnections();
    await once(server, 'close');
    clearInterval(idleSweep);
    clearTimeout(force);
    await services.close();
  }
}
