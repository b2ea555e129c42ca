/**
 * A background round on a real-time interval: rounds never overlap (a round still running is what a tick, or a
 * caller of runNow, waits for), the timer never holds the process open, and close() waits for the round under way.
 * A round's failure goes to `onError`; the next tick tries again.
 */
export class PeriodicTask {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;

  constructor(
    private readonly round: () => Promise<void>,
    private readonly intervalMs: number,
    private readonly onError: (error: unknown) => void,
  ) {}

  start(): void {
    this.timer ??= setInterval(() => void this.runNow(), this.intervalMs);
    this.timer.unref();
  }

  /** One round now, or the one already under way. Never rejects. */
  runNow(): Promise<void> {
    this.running ??= this.round()
      .catch((error: unknown) => this.onError(error))
      .finally(() => {
        this.running = undefined;
      });
    return this.running;
  }

  async close(): Promise<void> {
    clearInterval(this.timer);
    this.timer = undefined;
    await this.running;
  }
}
