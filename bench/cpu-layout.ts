import { spawnSync } from 'node:child_process';
import { availableParallelism } from 'node:os';

/** taskset CPU lists (e.g. "0", "0-2"); null: not pinned. */
export interface CpuLayout {
  cores: number;
  /** The bench process itself: autocannon's clients. */
  loadGenerator: string | null;
  /** Single-process servers (baselines and the service with WORKERS=1). */
  server: string | null;
  /** The private redis-server. */
  redis: string | null;
  /** The 1 → N worker comparison: both sides get the same CPUs, at least two. */
  wide: string | null;
  notes: string[];
}

const range = (from: number, to: number) => (from === to ? String(from) : `${from}-${to}`);

export function tasksetAvailable(): boolean {
  return spawnSync('taskset', ['--version'], { stdio: 'ignore' }).status === 0;
}

/**
 * Gives the load generator its own core so that it does not steal time from the server it measures. With four or
 * more cores Redis gets one of its own too; with two or three it shares the load generator's core (Redis spends
 * microseconds per decision, the load generator much more, so the server's core is the one kept clean).
 */
export function planCpuLayout(pin: boolean): CpuLayout {
  const cores = availableParallelism();
  const none = { cores, loadGenerator: null, server: null, redis: null, wide: null };
  if (!pin) return { ...none, notes: ['not pinned (--no-pin): every process may run on every core'] };
  if (cores < 2) return { ...none, notes: ['one core: nothing to pin, the load generator competes with the server'] };
  if (!tasksetAvailable()) return { ...none, notes: ['taskset not found (util-linux): processes are not pinned'] };
  const last = cores - 1;
  if (cores >= 4) {
    const server = range(0, cores - 3);
    return {
      cores,
      loadGenerator: String(last),
      redis: String(last - 1),
      server,
      wide: server,
      notes: [`server on cores ${server}, redis on ${last - 1}, load generator on ${last}`],
    };
  }
  const server = range(0, cores - 2);
  const wide = cores - 1 >= 2 ? server : range(0, last);
  const notes = [`server on core(s) ${server}, load generator and redis share core ${last}`];
  if (wide !== server) {
    notes.push(`worker scaling runs on cores ${wide}: the load generator shares a core with the 2-worker server, so it understates scaling`);
  }
  return { cores, loadGenerator: String(last), redis: String(last), server, wide, notes };
}

/** Pins every thread of this process (the load generator). */
export function pinSelf(cpus: string | null): void {
  if (cpus === null) return;
  const result = spawnSync('taskset', ['-a', '-c', '-p', cpus, String(process.pid)], { stdio: 'ignore' });
  if (result.status !== 0) throw new Error(`taskset could not pin the bench process to CPUs ${cpus}`);
}

/** The command line that runs `command args` on the given CPUs. */
export function pinned(cpus: string | null, command: string, args: string[]): [string, string[]] {
  return cpus === null ? [command, args] : ['taskset', ['-c', cpus, command, ...args]];
}
