import type { Logger } from 'pino';
import { withTimeout } from '../shared/with-timeout.js';
import { storeErrorKind } from './timed-store-operation.js';
import type { Metrics } from './metrics.js';
import type { ProbedStore } from './probed-store.js';

export interface StoreHealthMonitorDeps {
  store: ProbedStore;
  metrics: Pick<Metrics, 'storeUp'>;
  logger: Logger;
  timeoutMs: number;
  intervalMs: number;
}

export interface StoreHealthMonitor {
  /** Pings once now and sets wcs_auth_store_up; resolves to whether the store answered in time. */
  check(): Promise<boolean>;
  stop(): void;
}

/**
 * Keeps wcs_auth_store_up current without anyone calling /readyz, so the "store unavailable" alert fires even
 * when no orchestrator probes readiness. Pings are chained (never two at once, however slow the store) and the
 * timer does not keep the process alive. Only changes of state are logged: a dead store would otherwise write a
 * line per interval.
 */
export function startStoreHealthMonitor(deps: StoreHealthMonitorDeps): StoreHealthMonitor {
  const labels = { store: deps.store.kind };
  let lastUp: boolean | undefined;
  let timer: NodeJS.Timeout | undefined;
  let stopped = false;

  const check = async (): Promise<boolean> => {
    let up = true;
    let failure: unknown;
    try {
      await withTimeout(deps.store.ping(), deps.timeoutMs);
    } catch (error) {
      up = false;
      failure = error;
    }
    if (stopped) return up;
    deps.metrics.storeUp.set(labels, up ? 1 : 0);
    if (up !== lastUp) {
      if (up && lastUp === false) deps.logger.info({ event: 'store_health', store: deps.store.kind, up }, 'token store answers again');
      if (!up) {
        deps.logger.warn(
          { event: 'store_health', store: deps.store.kind, up, kind: storeErrorKind(failure) },
          'token store does not answer',
        );
      }
      lastUp = up;
    }
    return up;
  };

  const loop = async () => {
    await check();
    if (!stopped && deps.intervalMs > 0) timer = setTimeout(() => void loop(), deps.intervalMs).unref();
  };
  void loop();

  return {
    check,
    stop: () => {
      stopped = true;
      clearTimeout(timer);
    },
  };
}
