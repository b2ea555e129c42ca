import { performance } from 'node:perf_hooks';
import type { Logger } from 'pino';
import { storeErrorKind } from './timed-store-operation.js';
import type { Metrics } from './metrics.js';

/**
 * Turns the stream of store successes and failures into outages: one warning when the store stops answering, one
 * line when it is back (with how long it was gone and how many decisions the failure policy answered), and the
 * `wcs_auth_store_up` gauge. Per-decision detail stays in the decision log (reason `store_unavailable`/`cached`).
 */
export class StoreOutageMonitor {
  private downSince: number | undefined;
  private failuresInOutage = 0;

  constructor(
    private readonly deps: { logger: Logger; metrics: Metrics; storeKind: string; failurePolicy: string },
  ) {}

  get isDown(): boolean {
    return this.downSince !== undefined;
  }

  failed(error: unknown): void {
    this.failuresInOutage += 1;
    if (this.downSince !== undefined) return;
    this.downSince = performance.now();
    const { logger, metrics, storeKind, failurePolicy } = this.deps;
    metrics.storeUp.set({ store: storeKind }, 0);
    metrics.storeOutages.inc({ store: storeKind });
    logger.warn(
      { event: 'store_outage', store: storeKind, kind: storeErrorKind(error), failurePolicy },
      `token store unavailable: decisions follow STORE_FAILURE_POLICY=${failurePolicy} until it answers again`,
    );
  }

  succeeded(): void {
    const { metrics, storeKind } = this.deps;
    if (this.downSince === undefined) {
      metrics.storeUp.set({ store: storeKind }, 1);
      return;
    }
    const outageMs = Math.round(performance.now() - this.downSince);
    const failures = this.failuresInOutage;
    this.downSince = undefined;
    this.failuresInOutage = 0;
    metrics.storeUp.set({ store: storeKind }, 1);
    this.deps.logger.info({ event: 'store_recovered', store: storeKind, outageMs, failures }, 'token store answers again');
  }
}
