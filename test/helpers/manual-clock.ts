import type { Clock } from '../../src/shared/clock.js';

export class ManualClock implements Clock {
  constructor(private current = Date.parse('2030-01-01T00:00:00Z')) {}
  now(): number {
    return this.current;
  }
  advance(ms: number): void {
    this.current += ms;
  }
  set(ms: number): void {
    this.current = ms;
  }
}
