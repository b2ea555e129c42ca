/**
 * Micro-benchmark of parseHlsUri (issue 15), which nginx's auth_request route runs for every playlist and segment:
 * the current version against the first one (kept in test/playback/fixtures/hls-uri-reference.ts), in alternating
 * rounds, CPU µs per call (process.cpuUsage, steadier than wall time on a shared machine). URIs rotate over 1024
 * distinct tokens, shaped as bench/wcs-requests.ts's nginx-auth target sends them, and as a segment fetch.
 *
 *   npx tsx bench/hls-uri-bench.ts [--ms=300] [--rounds=8]
 */
import { loadavg } from 'node:os';
import { generateOpaqueToken } from '../src/tokens/opaque-token.js';
import { parseHlsUri } from '../src/playback/hls-uri.js';
import { parseHlsUri as referenceParse } from '../test/playback/fixtures/hls-uri-reference.js';
import { BENCH_STREAM } from './wcs-requests.js';

const arg = (name: string, fallback: number) => Number(process.argv.find((a) => a.startsWith(`--${name}=`))?.slice(name.length + 3) ?? fallback);
const runMs = arg('ms', 300);
const rounds = arg('rounds', 8);
const options = { tokenParam: 'token', variantSuffix: /(?:-[0-9]+p)$/ };
const tokens = Array.from({ length: 1024 }, () => encodeURIComponent(generateOpaqueToken()));
const jwt = (i: number) => `eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.${Buffer.from(JSON.stringify({ sub: `v${i}`, streams: ['bench-stream'], exp: 4e9 })).toString('base64url')}.${'s'.repeat(43)}`;
const shapes: Record<string, string[]> = {
  'playlist (bench nginx-auth)': tokens.map((t) => `/${BENCH_STREAM}/${BENCH_STREAM}.m3u8?token=${t}`),
  'segment + sessionId': tokens.map((t, i) => `/${BENCH_STREAM}/${BENCH_STREAM}${i}.ts?token=${t}&sessionId=s-${i}`),
  'playlist, JWT + appKey': tokens.map((_, i) => `/${BENCH_STREAM}/${BENCH_STREAM}.m3u8?token=${jwt(i)}&appKey=defaultApp`),
};

let sink = 0;
/** CPU µs per call over `ms` milliseconds of calls. */
function round(uris: string[], parse: typeof parseHlsUri, ms: number): number {
  let calls = 0;
  const cpu = process.cpuUsage();
  const until = performance.now() + ms;
  while (performance.now() < until) {
    for (let i = 0; i < 256; i++) sink += parse(uris[(calls + i) & 1023] ?? '', options)?.stream.length ?? 0;
    calls += 256;
  }
  const used = process.cpuUsage(cpu);
  return (used.user + used.system) / calls;
}

const median = (values: number[]) => [...values].sort((a, b) => a - b)[values.length >> 1] ?? NaN;
process.stdout.write(`load average ${loadavg().map((l) => l.toFixed(2)).join(' ')}; ${rounds} alternating rounds of ${runMs} ms\n`);
for (const [name, uris] of Object.entries(shapes)) {
  round(uris, referenceParse, 200);
  round(uris, parseHlsUri, 200);
  const before: number[] = [];
  const after: number[] = [];
  for (let r = 0; r < rounds; r++) {
    before.push(round(uris, referenceParse, runMs));
    after.push(round(uris, parseHlsUri, runMs));
  }
  const [b, a] = [median(before), median(after)];
  const spread = (values: number[]) => `${Math.min(...values).toFixed(3)}-${Math.max(...values).toFixed(3)}`;
  process.stdout.write(`${name}: before ${b.toFixed(3)} µs (${spread(before)}), after ${a.toFixed(3)} µs (${spread(after)}), ${(b / a).toFixed(1)}x\n`);
}
if (sink === 0) process.stdout.write('(no URI was read)\n');
