import { mkdirSync, readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { startBenchRedis, type BenchRedis } from './bench-redis.js';
import { selectTargets } from './bench-targets.js';
import { pinSelf, planCpuLayout } from './cpu-layout.js';
import { runLoad } from './run-load.js';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  hitCount?: number;
}

interface CpuProfile {
  nodes: ProfileNode[];
  startTime: number;
  endTime: number;
  samples: number[];
}

const say = (line: string) => process.stdout.write(`${line}\n`);

/** Where a sampled function lives: our code, a dependency, Node.js itself, or the VM. */
function area(url: string, functionName: string): string {
  if (url === '') return functionName.startsWith('(') ? functionName : '(native)';
  const dependency = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url);
  if (dependency?.[1]) return dependency[1];
  if (url.includes('/dist/')) return 'service';
  if (url.startsWith('node:')) return 'node';
  return url;
}

function report(profile: CpuProfile, top: number, requests: number): string {
  const totalHits = profile.nodes.reduce((sum, node) => sum + (node.hitCount ?? 0), 0);
  const microsPerHit = (profile.endTime - profile.startTime) / Math.max(1, profile.samples.length);
  const byFunction = new Map<string, number>();
  const byArea = new Map<string, number>();
  for (const node of profile.nodes) {
    const hits = node.hitCount ?? 0;
    if (hits === 0) continue;
    const { functionName, url, lineNumber } = node.callFrame;
    const file = url.replace(/^.*\/(node_modules|dist)\//, '$1/').replace(/^file:\/\//, '');
    const key = `${functionName || '(anonymous)'}  ${file}${url ? `:${lineNumber + 1}` : ''}`;
    byFunction.set(key, (byFunction.get(key) ?? 0) + hits);
    const where = area(url, functionName);
    byArea.set(where, (byArea.get(where) ?? 0) + hits);
  }
  const busy = totalHits - (byArea.get('(idle)') ?? 0);
  const perRequest = (hits: number) => ((hits * microsPerHit) / requests).toFixed(1).padStart(6);
  const pct = (hits: number) => `${((hits / busy) * 100).toFixed(1).padStart(5)} % ${perRequest(hits)} µs/req`;
  const lines = [
    `busy: ${perRequest(busy)} µs of CPU per request over ${requests} requests (start-up included, idle excluded); self time by area:`,
  ];
  for (const [name, hits] of [...byArea].filter(([name]) => name !== '(idle)').sort((a, b) => b[1] - a[1]).slice(0, 15)) {
    lines.push(`  ${pct(hits)}  ${name}`);
  }
  lines.push(`top ${top} functions by self time:`);
  for (const [name, hits] of [...byFunction].filter(([name]) => !name.startsWith('(idle)')).sort((a, b) => b[1] - a[1]).slice(0, top)) {
    lines.push(`  ${pct(hits)}  ${name}`);
  }
  return lines.join('\n');
}

/**
 * Profiles a bench target (the service in one configuration, or a baseline) under load: starts it with
 * `node --cpu-prof`, drives it at 50 connections,
 * stops it (the profile is written at exit) and prints where the CPU time went. The .cpuprofile file opens in
 * Chrome DevTools (Performance tab) for the full picture.
 */
async function main(): Promise<void> {
  const { values } = parseArgs({
    args: process.argv.slice(2),
    options: {
      target: { type: 'string', default: 'memory' },
      duration: { type: 'string', default: '10' },
      connections: { type: 'string', default: '50' },
      top: { type: 'string', default: '30' },
      build: { type: 'string' },
    },
  });
  const name = values.target ?? 'memory';
  const chosen = selectTargets([name]).find((t) => t.name === name);
  if (!chosen) throw new Error(`unknown --target ${name}`);
  // --build=<main.js>: profile another build of the service (e.g. main's) for before/after figures.
  const spec = values.build && chosen.atBuild ? chosen.atBuild(values.build, 'build') : chosen;
  const layout = planCpuLayout(true);
  pinSelf(layout.loadGenerator);
  const dir = resolve('bench/results/profiles', `${spec.name.replace('@', '-')}-${Date.now()}`);
  mkdirSync(dir, { recursive: true });
  let redis: BenchRedis | undefined;
  const running = await spec.start({
    layout,
    logLevel: 'info',
    nodeArgs: ['--cpu-prof', `--cpu-prof-dir=${dir}`],
    redis: async () => (redis ??= await startBenchRedis(layout.redis)),
  });
  let requests = 0;
  try {
    const connections = Number(values.connections);
    const warmup = await runLoad({ baseUrl: running.baseUrl, requests: running.requests, connections, durationSeconds: 2 });
    const load = await runLoad({ baseUrl: running.baseUrl, requests: running.requests, connections, durationSeconds: Number(values.duration) });
    requests = warmup.requests + load.requests;
    say(`${name}: ${load.requestsPerSecond.toFixed(0)} req/s at ${connections} connections while profiling (profiling slows it down)`);
  } finally {
    await running.process.stop();
    await redis?.stop();
  }
  for (const file of readdirSync(dir).filter((f) => f.endsWith('.cpuprofile'))) {
    say(`\n${join(dir, file)}`);
    say(report(JSON.parse(readFileSync(join(dir, file), 'utf8')) as CpuProfile, Number(values.top), Math.max(1, requests)));
  }
}

await main();
