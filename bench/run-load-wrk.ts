import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { BenchRequest, LoadResult } from './run-load.js';

/** Whether wrk (Debian's package `wrk`) is on the PATH. */
export function wrkAvailable(): boolean {
  return spawnSync('wrk', ['--version'], { stdio: 'ignore' }).error === undefined;
}

/**
 * A Lua string literal holding exactly these bytes: every byte outside a safe set as a decimal escape of three
 * digits (Lua reads up to three, so `\34` before a `1` would be one byte 341).
 */
export function luaString(text: string): string {
  let literal = '"';
  for (const byte of Buffer.from(text, 'utf8')) {
    literal += /[A-Za-z0-9 _.,:;/=+*%&!?@#$^|~()[\]{}<>'-]/.test(String.fromCharCode(byte)) ? String.fromCharCode(byte) : `\\${String(byte).padStart(3, '0')}`;
  }
  return `${literal}"`;
}

/** wrk adds these itself (Host from the URL, Content-Length from the body): a second copy would be a bad request. */
const SET_BY_WRK = new Set(['host', 'content-length']);

/**
 * The wrk script: the requests made once (wrk.format), sent in turn, the statuses counted per thread, and at the
 * end one JSON line on stdout with what LoadResult needs. The request list cycles over all connections together,
 * so the mix keeps its proportions; unexpectedAnswers allows the same slack as with autocannon.
 */
export function wrkScript(requests: readonly BenchRequest[]): string {
  const formatted = requests.map((request) => {
    const headers = Object.entries(request.headers)
      .filter(([name]) => !SET_BY_WRK.has(name.toLowerCase()))
      .map(([name, value]) => `[${luaString(name)}] = ${luaString(value)}`)
      .join(', ');
    const body = request.body === undefined ? 'nil' : luaString(request.body);
    return `    wrk.format(${luaString(request.method ?? 'POST')}, ${luaString(request.path)}, { ${headers} }, ${body}),`;
  });
  // Made in init(): wrk.format takes the Host header from wrk.headers, which wrk fills only after loading the script.
  return `local requests
function init()
  requests = {
${formatted.join('\n')}
  }
end
local turn = 0
function request()
  turn = turn % #requests + 1
  return requests[turn]
end
statuses = {}
function response(status)
  statuses[status] = (statuses[status] or 0) + 1
end
local threads = {}
function setup(thread) table.insert(threads, thread) end
function done(summary, latency)
  local counts = {}
  for _, thread in ipairs(threads) do
    for status, n in pairs(thread:get("statuses")) do counts[tostring(status)] = (counts[tostring(status)] or 0) + n end
  end
  local parts = {}
  for status, n in pairs(counts) do table.insert(parts, string.format('"%s":%d', status, n)) end
  local e = summary.errors
  io.write(string.format('WRK_RESULT {"durationUs":%d,"statuses":{%s},"connectErrors":%d,"readErrors":%d,"writeErrors":%d,"timeouts":%d,' ..
    '"p50":%d,"p90":%d,"p99":%d,"max":%d,"mean":%.1f}\\n', summary.duration, table.concat(parts, ','), e.connect, e.read, e.write, e.timeout,
    latency:percentile(50), latency:percentile(90), latency:percentile(99), latency.max, latency.mean))
end
`;
}

/** The CPU time (user + system, ms) of bash's children from the last line `times` printed ("0m1.250s 0m0.375s"). */
export function childCpuMs(stdout: string): number | undefined {
  const lines = stdout.trimEnd().split('\n');
  const match = /^(\d+)m([\d.]+)s (\d+)m([\d.]+)s$/.exec(lines.at(-1) ?? '');
  if (!match) return undefined;
  const [, um, us, sm, ss] = match.map(Number) as [number, number, number, number, number];
  return (um * 60 + us + sm * 60 + ss) * 1000;
}

interface WrkResult {
  durationUs: number;
  statuses: Record<string, number>;
  connectErrors: number;
  readErrors: number;
  writeErrors: number;
  timeouts: number;
  p50: number;
  p90: number;
  p99: number;
  max: number;
  mean: number;
}

/** Reads the JSON line the script's done() printed; wrk's own report around it is ignored. */
export function parseWrkOutput(stdout: string, stderr = ''): WrkResult {
  const line = stdout.split('\n').find((l) => l.startsWith('WRK_RESULT '));
  if (!line) throw new Error(`wrk printed no result line:\n${stdout.slice(-2000)}${stderr.slice(-2000)}`);
  return JSON.parse(line.slice('WRK_RESULT '.length)) as WrkResult;
}

/**
 * Runs wrk (one thread: the load generator has one core) for a fixed time. Latencies are wrk's, in microseconds,
 * from the request's write to the answer's end. The process inherits the bench's CPU pinning.
 */
export async function runWrk(
  options: { baseUrl: string; requests: readonly BenchRequest[]; connections: number; durationSeconds: number },
  unexpectedAnswers: (statuses: Record<string, number>) => number,
): Promise<LoadResult> {
  const dir = mkdtempSync(join(tmpdir(), 'wta-wrk-'));
  try {
    const script = join(dir, 'requests.lua');
    writeFileSync(script, wrkScript(options.requests));
    // wrk takes whole seconds only (`-d0.5s` is a usage error): a fractional duration (a --quick warm-up) is rounded.
    const wholeSeconds = Math.max(1, Math.round(options.durationSeconds));
    const args = ['-t1', `-c${options.connections}`, `-d${wholeSeconds}s`, '--timeout', '10s', '-s', script, options.baseUrl];
    // Through bash, whose `times` then prints wrk's CPU time (its children's line): the load generator's share of
    // its core, which autocannon's runs take from the bench process itself.
    const { stdout, stderr } = await new Promise<{ stdout: string; stderr: string }>((resolve, reject) => {
      const child = spawn('bash', ['-c', 'wrk "$@" || exit $?; times', 'wrk', ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
      let out = '';
      let err = '';
      child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString('utf8')));
      child.stderr.on('data', (chunk: Buffer) => (err += chunk.toString('utf8')));
      child.on('error', reject);
      child.on('close', (code) => (code === 0 ? resolve({ stdout: out, stderr: err }) : reject(new Error(`wrk exited with ${code}: ${err || out}`))));
    });
    // A Lua error in the script does not fail wrk: it shows as a missing result line, with wrk's stderr to say why.
    const result = parseWrkOutput(stdout, stderr);
    const generatorCpuMs = childCpuMs(stdout);
    const answered = Object.values(result.statuses).reduce((sum, n) => sum + n, 0);
    const seconds = result.durationUs / 1e6;
    return {
      connections: options.connections,
      durationSeconds: seconds,
      requests: answered,
      requestsPerSecond: answered / seconds,
      latencyMs: { p50: result.p50 / 1000, p90: result.p90 / 1000, p99: result.p99 / 1000, max: result.max / 1000, mean: result.mean / 1000 },
      statuses: result.statuses,
      errors: result.connectErrors + result.readErrors + result.writeErrors,
      timeouts: result.timeouts,
      unexpected: unexpectedAnswers(result.statuses),
      ...(generatorCpuMs === undefined ? {} : { generatorCpuMs }),
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
