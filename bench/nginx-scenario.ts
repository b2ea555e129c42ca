/**
 * `npm run bench:nginx`: nginx mode at CDN scale. N simulated viewers play through real nginx (the shipped template)
 * in both segment modes, `service` (auth_request per segment, cached 10 s per viewer) and `signed` (secure_link, no
 * call): each viewer fetches its playlist every 2 s and a segment every 2 s. Counted: the service's auth requests per
 * viewer-minute (playlists and segments apart), and the latency of segment fetches through nginx, which are cache
 * hits after the first, so what differs between the modes is nginx's authorization step.
 *
 * The end-to-end test helpers provide nginx (template rendering, private prefix), the WCS stand-in and the service
 * (the real app with a memory store, in this process: the counts do not depend on where it runs, the latencies
 * include its share of this process's CPU, in both modes alike).
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { Agent, request } from 'node:https';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { ADMIN_KEY, buildTestApp } from '../test/helpers/test-app.js';
import { FakeWcs } from '../test/e2e/fake-wcs.js';
import { CERT_SCRIPT } from '../test/e2e/nginx-server.js';
import { findE2ePrograms } from '../test/e2e/programs.js';
import { startShippedNginx } from '../test/e2e/shipped-nginx.js';

const STREAM = 'live';
const SECRET = 'bench-edge-signing-secret-0123456789abcdef';
const say = (line: string) => process.stdout.write(`${line}\n`);

function percentile(sorted: number[], p: number): number {
  return sorted.length === 0 ? 0 : (sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? 0);
}

function fetchText(agent: Agent, url: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request(url, { agent, timeout: 10_000 }, (res) => {
      let body = '';
      res.setEncoding('utf8').on('data', (chunk: string) => (body += chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', reject);
    req.end();
  });
}

/** A static WCS-shaped live stream: the numbers of bytes do not matter, only the requests. */
function writeStream(dir: string): void {
  mkdirSync(join(dir, STREAM), { recursive: true });
  const lines = ['#EXTM3U', '#EXT-X-VERSION:3', '#EXT-X-TARGETDURATION:2', '#EXT-X-MEDIA-SEQUENCE:0'];
  for (let i = 0; i < 4; i++) {
    writeFileSync(join(dir, STREAM, `${STREAM}${i}.ts`), Buffer.alloc(188 * 64, 0x47));
    lines.push('#EXTINF:2.0,', `${STREAM}${i}.ts`);
  }
  writeFileSync(join(dir, STREAM, `${STREAM}.m3u8`), `${lines.join('\n')}\n`);
}

interface ModeResult {
  mode: string;
  viewers: number;
  seconds: number;
  playlistCalls: number;
  segmentCalls: number;
  segmentMs: number[];
  failures: number;
}

async function runViewers(url: string, ca: string, tokens: string[], seconds: number, countCalls: () => { playlist: number; segment: number }) {
  const agent = new Agent({ keepAlive: true, ca, maxSockets: 4 });
  const before = countCalls();
  const segmentMs: number[] = [];
  let failures = 0;
  const deadline = Date.now() + seconds * 1000;
  await Promise.all(
    tokens.map(async (token, index) => {
      // Spread the viewers over the 2 s period, as real players are.
      await new Promise((resolve) => setTimeout(resolve, (index * 2000) / tokens.length));
      while (Date.now() < deadline) {
        const started = Date.now();
        const playlist = await fetchText(agent, `${url}/${STREAM}/${STREAM}.m3u8?token=${token}`).catch(() => ({ status: 0, body: '' }));
        const uri = playlist.body.split('\n').filter((line) => line.includes('.ts')).at(-1);
        if (playlist.status !== 200 || uri === undefined) failures++;
        else {
          const t0 = process.hrtime.bigint();
          const segment = await fetchText(agent, `${url}/${STREAM}/${uri}`).catch(() => ({ status: 0, body: '' }));
          if (segment.status === 200) segmentMs.push(Number(process.hrtime.bigint() - t0) / 1e6);
          else failures++;
        }
        await new Promise((resolve) => setTimeout(resolve, Math.max(0, 2000 - (Date.now() - started))));
      }
    }),
  );
  agent.destroy();
  const after = countCalls();
  return { playlistCalls: after.playlist - before.playlist, segmentCalls: after.segment - before.segment, segmentMs, failures };
}

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { viewers: { type: 'string', default: '50' }, seconds: { type: 'string', default: '20' } } });
  const viewers = Number(values.viewers);
  const seconds = Number(values.seconds);
  const found = findE2ePrograms();
  if (found.missing !== undefined) throw new Error(found.missing);
  const dir = mkdtempSync(join(tmpdir(), 'wta-bench-nginx-'));
  const service = buildTestApp({ store: 'memory', env: { EDGE_SIGNING_SECRET: SECRET, LOG_LEVEL: 'warn' } });
  service.clock.set(Date.now());
  const calls = { playlist: 0, segment: 0 };
  const server: Server = createServer((req, res) => {
    if (req.url?.startsWith('/nginx/auth')) {
      if (/\.m3u8(\?|$)/.test(String(req.headers['x-original-uri']))) calls.playlist++;
      else calls.segment++;
    }
    service.app(req, res);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const serviceAddress = `127.0.0.1:${(server.address() as AddressInfo).port}`;
  writeStream(join(dir, 'hls'));
  const wcs = new FakeWcs({ hlsDir: join(dir, 'hls') });
  await wcs.start();
  execFileSync('bash', [CERT_SCRIPT, join(dir, 'tls'), 'localhost'], { stdio: 'ignore' });
  const ca = readFileSync(join(dir, 'tls', 'cert.pem'), 'utf8');
  const results: ModeResult[] = [];
  try {
    for (const mode of ['service', 'signed']) {
      const nginx = await startShippedNginx(found.programs.nginx, dir, `nginx-${mode}`, {
        WTA_ADDRESS: serviceAddress,
        WCS_HLS_ADDRESS: `127.0.0.1:${wcs.port}`,
        WTA_SEGMENT_AUTH: mode,
        WTA_EDGE_SIGNING_SECRET: SECRET,
      });
      try {
        const tokens: string[] = [];
        for (let i = 0; i < viewers; i++) {
          const response = await fetch(`http://${serviceAddress}/v1/tokens`, {
            method: 'POST',
            headers: { Authorization: `Bearer ${ADMIN_KEY}`, 'Content-Type': 'application/json' },
            body: JSON.stringify({ streams: [STREAM] }),
          });
          tokens.push(((await response.json()) as { token: string }).token);
        }
        say(`${mode}: ${viewers} viewers for ${seconds} s ...`);
        const run = await runViewers(nginx.url, ca, tokens, seconds, () => ({ ...calls }));
        results.push({ mode, viewers, seconds, ...run });
      } finally {
        await nginx.server.stop();
      }
    }
  } finally {
    await wcs.stop();
    await new Promise<void>((resolve) => server.close(() => resolve()));
    await service.close();
    rmSync(dir, { recursive: true, force: true });
  }
  say('\n| segment mode | service calls / viewer-minute (playlist + segment) | segment fetch through nginx p50 / p99 | failures |');
  say('| --- | --- | --- | --- |');
  for (const r of results) {
    const viewerMinutes = (r.viewers * r.seconds) / 60;
    const sorted = [...r.segmentMs].sort((a, b) => a - b);
    say(
      `| ${r.mode} | ${((r.playlistCalls + r.segmentCalls) / viewerMinutes).toFixed(1)} (${(r.playlistCalls / viewerMinutes).toFixed(1)} + ${(r.segmentCalls / viewerMinutes).toFixed(1)}) ` +
        `| ${percentile(sorted, 50).toFixed(2)} / ${percentile(sorted, 99).toFixed(2)} ms | ${r.failures} |`,
    );
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exit(1);
});
