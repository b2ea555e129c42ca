/**
 * Keys filed by the interval in which they expire, so that a periodic sweep visits only the keys whose interval has
 * ended, not every key a store holds: a sweep over every token took ~0.7 s of event loop (and every decision with
 * it) once a minute at a million tokens. A key whose expiry changes is filed again under the new time; a visit
 * re-checks the key, so an old filing of a key that lives on does nothing. 8 bytes a filing.
 */
export class ExpirySchedule<K> {
  private readonly due = new Map<number, K[]>();

  constructor(private readonly intervalMs: number) {}

  /** Files `key` under the interval in which `at` (ms) falls. */
  add(key: K, at: number): void {
    const interval = Math.floor(at / this.intervalMs);
    const keys = this.due.get(interval);
    if (keys === undefined) this.due.set(interval, [key]);
    else keys.push(key);
  }

  /** Visits, once, every key filed under an interval that ended before the one `now` is in, and forgets them. */
  takeDue(now: number, visit: (key: K) => void): void {
    const current = Math.floor(now / this.intervalMs);
    for (const [interval, keys] of this.due) {
      if (interval >= current) continue;
      this.due.delete(interval);
      for (const key of keys) visit(key);
    }
  }
}
