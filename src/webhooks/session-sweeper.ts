import type { Logger } from 'pino';
import type { Clock } from '../shared/clock.js';
import { PeriodicTask } from '../shared/periodic-task.js';
import type { SessionRegistry } from '../tokens/sessions/session-registry.js';

const SWEEP_BATCH = 1000;
const MAX_BATCHES = 20;

export interface SessionSweeperDeps {
  registry: Pick<SessionRegistry, 'sweep' | 'activeCount' | 'queueDepth'>;
  clock: Clock;
  logger: Logger;
  intervalMs: number;
  onIdleEnded?(count: number): void;
  onGauges?(gauges: { activeSessions: number; queueDepth: number }): void;
}

/**
 * Every SESSION_SWEEP_INTERVAL_SECONDS: ends the sessions idle for the window (session.ended, cause idle) from the
 * low end of the last-seen index, never a scan of every key. Every instance sweeps; each session is ended by one
 * atomic step, so exactly once whichever instance gets there first. Also refreshes the session gauges.
 */
export class SessionSweeper extends PeriodicTask {
  constructor(private readonly deps: SessionSweeperDeps) {
    super(deps.intervalMs);
  }

  protected roundFailed(error: unknown): void {
    this.deps.logger.warn({ event: 'session_sweep_failed', err: error }, 'could not sweep idle sessions');
  }

  protected async round(): Promise<void> {
    const { registry, clock } = this.deps;
    for (let batch = 0; batch < MAX_BATCHES; batch++) {
      const ended = await registry.sweep(clock.now(), SWEEP_BATCH);
      if (ended > 0) this.deps.onIdleEnded?.(ended);
      if (ended < SWEEP_BATCH) break;
    }
    const [activeSessions, queueDepth] = await Promise.all([registry.activeCount(clock.now()), registry.queueDepth()]);
    this.deps.onGauges?.({ activeSessions, queueDepth });
  }
}
