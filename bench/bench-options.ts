import { parseArgs } from 'node:util';
import type { LoadGenerator } from './run-load.js';
import { wrkAvailable } from './run-load-wrk.js';

export interface BenchOptions {
  quick: boolean;
  durationSeconds: number;
  warmupSeconds: number;
  /** Seconds of load at PRIME_CONNECTIONS each server answers once, before any warm-up or measurement (JIT). */
  primeSeconds: number;
  repetitions: number;
  connections: number[];
  /** Concurrencies of the 1 → N worker scaling comparison. */
  scalingConnections: number[];
  /** Target names to run (baselines are always run: every ratio needs them). Empty: all. */
  only: string[];
  /** Another build's main.js: every chosen service target also runs from it, for before/after ratios. */
  compare: string | undefined;
  logLevel: string;
  /** What sends the load (run-load.ts): wrk when installed, unless asked otherwise. */
  loadGenerator: LoadGenerator;
  pin: boolean;
  outDir: string;
}

const USAGE = `npm run bench [-- options]

  --quick                 smoke run: 1 s per measurement, 1 repetition, 1 and 50 connections (about two minutes)
  --duration=<s>          seconds per measurement (default 2)
  --prime=<s>             seconds of load at 50 connections each server answers once after it starts, before any
                          warm-up or measurement, so that every concurrency measures JIT-optimized code (default 2)
  --warmup=<s>            warm-up seconds per target and concurrency before its first measurement (default 1)
  --reps=<n>              measurements per target and concurrency, interleaved across targets (default 3)
  --connections=<list>    concurrencies, e.g. 1,50,200 (default)
  --only=<list>           service targets to run, e.g. memory,redis (baselines always run)
  --compare=<main.js>     also run each chosen service target from another build (e.g. main's dist/main.js),
                          interleaved with this one, as <target>@compare: before/after in one run
  --log-level=<level>     LOG_LEVEL of the service under test (default info: the decision log line is part of the cost)
  --load-generator=<name> wrk (the default when installed: Debian's package wrk) or autocannon; see "Load
                          generator" in bench/README.md for why the choice moves the ratios to the echo
  --no-pin                do not pin processes to cores with taskset
  --out=<dir>             where the raw JSON goes (default bench/results)
`;

function positiveNumber(name: string, value: string | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  const parsed = Number(value);
  if (!Number.isFinite(parsed) || parsed <= 0) throw new Error(`--${name} must be a positive number, got ${value}`);
  return parsed;
}

function numberList(name: string, value: string | undefined, fallback: number[]): number[] {
  if (value === undefined) return fallback;
  const list = value.split(',').map((item) => positiveNumber(name, item.trim(), 0));
  if (list.some((n) => !Number.isInteger(n))) throw new Error(`--${name} takes whole numbers`);
  return list;
}

function loadGeneratorOf(value: string | undefined): LoadGenerator {
  if (value === undefined) return wrkAvailable() ? 'wrk' : 'autocannon';
  if (value !== 'wrk' && value !== 'autocannon') throw new Error(`--load-generator must be wrk or autocannon, got ${value}`);
  if (value === 'wrk' && !wrkAvailable()) throw new Error('--load-generator=wrk: wrk is not installed (apt-get install -y wrk)');
  return value;
}

export function parseBenchOptions(argv: string[]): BenchOptions | { help: string } {
  const { values } = parseArgs({
    args: argv,
    options: {
      quick: { type: 'boolean', default: false },
      duration: { type: 'string' },
      prime: { type: 'string' },
      warmup: { type: 'string' },
      reps: { type: 'string' },
      connections: { type: 'string' },
      only: { type: 'string' },
      compare: { type: 'string' },
      'log-level': { type: 'string', default: 'info' },
      'load-generator': { type: 'string' },
      'no-pin': { type: 'boolean', default: false },
      out: { type: 'string', default: 'bench/results' },
      help: { type: 'boolean', default: false },
    },
    strict: true,
  });
  if (values.help) return { help: USAGE };
  const quick = values.quick ?? false;
  const connections = numberList('connections', values.connections, quick ? [1, 50] : [1, 50, 200]);
  return {
    quick,
    durationSeconds: positiveNumber('duration', values.duration, quick ? 1 : 2),
    warmupSeconds: positiveNumber('warmup', values.warmup, quick ? 0.5 : 1),
    primeSeconds: positiveNumber('prime', values.prime, quick ? 1 : 2),
    repetitions: positiveNumber('reps', values.reps, quick ? 1 : 3),
    connections,
    scalingConnections: connections.filter((c) => c >= 50),
    only: values.only ? values.only.split(',').map((name) => name.trim()).filter(Boolean) : [],
    compare: values.compare,
    logLevel: values['log-level'] ?? 'info',
    loadGenerator: loadGeneratorOf(values['load-generator']),
    pin: !(values['no-pin'] ?? false),
    outDir: values.out ?? 'bench/results',
  };
}
