import { readFileSync } from 'node:fs';

/**
 * Cross-CPU wake-ups: the interrupts one CPU sends another to wake a task there (Linux counts them as `RES`,
 * rescheduling, and, for a CPU that sat idle, `CAL`, function call: the wake-up goes through the CPU's wake list).
 *
 * Why the bench counts them (issue 15, tenth pass in bench/README.md): on loopback, the server's `writev` of an
 * answer also delivers it to the load generator's socket and, if the load generator's CPU sleeps, wakes it, inside
 * the server's syscall. A server faster than the load generator never waits for it: the load generator always has
 * answers to read and is never woken (the `node:http` echo: ~0.02 per request). A server slower than the load
 * generator leaves it idle between answers, and wakes it for almost every one (~0.9 per request): on a virtual
 * machine, where a wake-up leaves the guest, this costs the server several µs of system time per request.
 */

/** The sum, over every CPU, of the `RES` and `CAL` lines of a /proc/interrupts text; null when neither is there. */
export function parseWakeupInterrupts(text: string): number | null {
  const lines = text.split('\n');
  // The header names the CPUs ("CPU0 CPU1 …"): a line's first that many numbers are its per-CPU counts.
  const cpus = (lines[0] ?? '').trim().split(/\s+/).filter((name) => /^CPU\d+$/.test(name)).length;
  if (cpus === 0) return null;
  let total: number | null = null;
  for (const line of lines) {
    const match = /^\s*(RES|CAL):\s+(.*)$/.exec(line);
    if (!match?.[2]) continue;
    const counts = match[2].trim().split(/\s+/).slice(0, cpus);
    if (counts.length < cpus || !counts.every((count) => /^\d+$/.test(count))) continue;
    total = (total ?? 0) + counts.reduce((sum, count) => sum + Number(count), 0);
  }
  return total;
}

/** The machine's cross-CPU wake-ups so far, or null where /proc/interrupts cannot be read (not Linux). */
export function wakeupInterrupts(): number | null {
  try {
    return parseWakeupInterrupts(readFileSync('/proc/interrupts', 'utf8'));
  } catch {
    return null;
  }
}
