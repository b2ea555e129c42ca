/**
 * A background round on a real-time interval: rounds never overlap (a round still running is what a tick, or a
 * caller of runNow, waits for), the timer never holds the process open, and close() waits for the round under way.
 * A round's failure goes to `roundFailed`; the next tick tries again. Subclasses say what a round does.
 */
export abstract class PeriodicTask {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;

  constructor(private readonly intervalMs: number) {}

  protected abstract round(): Promise<void>;

  protected abstract roundFailed(error: unknown): void;

  start(): void {
    this.timer ??= setInterval(() => void this.runNow(), this.intervalMs);
    this.timer.unref();
  }

  /** One round now, or the one already under way. Never rejects. */
  runNow(): Promise<void> {
    this.running ??= this.round()
      .catch((error: unknown) => this.roundFailed(error))
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
