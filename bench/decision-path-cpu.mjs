// `node bench/decision-path-cpu.mjs <distA> <distB> [hook|nginx] [rounds] [requests] [connections]`: two builds'
// dist/main.js (TOKEN_STORE=memory, LOG_LEVEL=warn) running side by side, loaded in turns (A B B A …) with the same
// keep-alive decision requests; server CPU per request from /proc/<pid>/stat (the client's own work is not counted).
// Each build gets its distinct mediaSessionId / X-Real-IP set, reused across rounds. Linux only.
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { Agent, request } from 'node:http';
import { createServer } from 'node:net';
import { resolve } from 'node:path';

const [distA, distB, kind = 'hook', rounds = '6', perRound = '20000', connections = '50'] = process.argv.slice(2);
if (!distA || !distB) throw new Error('usage: decision-path-cpu.mjs <distA> <distB> [hook|nginx] [rounds] [requests] [connections]');

const freePort = () => new Promise((done) => { const s = createServer().listen(0, '127.0.0.1', () => { const { port } = s.address(); s.close(() => done(port)); }); });
const cpuTicks = (pid) => { const f = readFileSync(`/proc/${pid}/stat`, 'utf8'); const x = f.slice(f.lastIndexOf(')') + 2).split(' '); return Number(x[11]) + Number(x[12]); };

async function start(dist) {
  const port = await freePort();
  const adminKey = `bench-admin-${randomBytes(16).toString('hex')}`;
  const child = spawn(process.execPath, [resolve(dist, 'main.js')], {
    env: { PATH: process.env.PATH, HOST: '127.0.0.1', PORT: String(port), LOG_LEVEL: 'warn', ADMIN_API_KEYS: `bench=${adminKey}`, TOKEN_STORE: 'memory' },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  const base = `http://127.0.0.1:${port}`;
  for (let i = 0; ; i++) {
    try { if ((await fetch(`${base}/readyz`)).ok) break; } catch { /* not yet */ }
    if (i > 100) throw new Error(`${dist} did not start`);
    await new Promise((r) => setTimeout(r, 100));
  }
  const issued = await fetch(`${base}/v1/tokens`, { method: 'POST', headers: { authorization: `Bearer ${adminKey}`, 'content-type': 'application/json' }, body: JSON.stringify({ streams: ['bench-stream'], ttlSeconds: 3600 }) });
  const { token } = await issued.json();
  return { dist, port, child, token, agent: new Agent({ keepAlive: true, maxSockets: Number(connections) }) };
}

function requestFor(server, i) {
  if (kind === 'nginx') {
    return { method: 'GET', path: '/nginx/auth', headers: { 'x-original-uri': `/bench-stream/bench-stream.m3u8?token=${server.token}`, 'x-original-method': 'GET', 'x-real-ip': `10.0.${(i >> 8) & 255}.${i & 255}` } };
  }
  const body = JSON.stringify({ nodeId: 'n@192.168.1.5', appKey: 'defaultApp', sessionId: `/192.168.1.100:${i}/192.168.1.5:8445`, mediaSessionId: `60709c5b-6950-40c3-8a3d-${String(i).padStart(12, '0')}-HLS`, name: 'bench-stream', mediaProvider: 'HLS', custom: { token: server.token } }, null, 2);
  return { method: 'POST', path: '/wcs/playHLS', headers: { 'content-type': 'application/json', 'content-length': String(Buffer.byteLength(body)) }, body };
}

function once(server, spec) {
  return new Promise((done, fail) => {
    const req = request({ host: '127.0.0.1', port: server.port, agent: server.agent, method: spec.method, path: spec.path, headers: spec.headers }, (res) => {
      const chunks = [];
      res.on('data', (c) => chunks.push(c));
      res.on('end', () => done({ status: res.statusCode, headers: res.rawHeaders, body: Buffer.concat(chunks).toString() }));
    });
    req.on('error', fail);
    req.end(spec.body);
  });
}

async function load(server, n) {
  const specs = Array.from({ length: 1000 }, (_, i) => requestFor(server, i));
  let next = 0;
  const expected = kind === 'nginx' ? 204 : 200;
  // A refusal is counted, not fatal: an occasional one was seen with both builds (bench/decision-path-inproc.mjs).
  const worker = async () => { while (next < n) { const i = next++; const { status } = await once(server, specs[i % specs.length]); if (status !== expected) server.refused = (server.refused ?? 0) + 1; } };
  const before = cpuTicks(server.child.pid);
  await Promise.all(Array.from({ length: Number(connections) }, worker));
  return ((cpuTicks(server.child.pid) - before) * 10_000) / n; // ticks are 10 ms: µs per request
}

const servers = [await start(distA), await start(distB)];
try {
  // The same answer from both, but for the per-request headers.
  const strip = (a) => {
    const headers = [];
    for (let i = 0; i < a.headers.length; i += 2) if (!/^(date|x-request-id|content-length)$/i.test(a.headers[i])) headers.push(a.headers[i], a.headers[i + 1]);
    return JSON.stringify({ status: a.status, headers, body: a.body.replace(/"requestId":"[^"]*"/, '') });
  };
  const [a, b] = await Promise.all(servers.map((s) => once(s, requestFor({ ...s, token: 'wta_same' }, 1))));
  if (strip(a) !== strip(b)) console.log('answers differ:\n', strip(a), '\n', strip(b));
  for (const s of servers) await load(s, 3000); // warm-up
  const results = servers.map(() => []);
  for (let r = 0; r < Number(rounds); r++) {
    const order = r % 2 === 0 ? [0, 1] : [1, 0];
    for (const i of order) results[i].push(await load(servers[i], Number(perRound)));
  }
  const median = (xs) => [...xs].sort((x, y) => x - y)[Math.floor(xs.length / 2)];
  for (const s of servers) if (s.refused) console.log(`${s.dist}: ${s.refused} answers were not ${kind === 'nginx' ? 204 : 200}`);
  servers.forEach((s, i) => console.log(`${kind} ${s.dist}: CPU µs/req per round ${results[i].map((x) => x.toFixed(1)).join(' ')}  median ${median(results[i]).toFixed(1)}`));
} finally {
  for (const s of servers) { s.agent.destroy(); s.child.kill('SIGTERM'); }
}
