// `node bench/decision-path-inproc.mjs <distA> <distB> [hook|nginx] [rounds] [requests] [sockets]`: two builds'
// apps (createServices + createApp, TOKEN_STORE=memory, log level warn) in one process, each on its own node:http
// server, answering the same keep-alive decision requests from raw client sockets in this process, in turns
// (A B, B A, …). CPU is this process's (process.cpuUsage: both ends, µs resolution); the client's share is the same
// for both builds, so the difference is the server's. Paired like bench/echo-body-mode.mjs.
import { once } from 'node:events';
import { connect } from 'node:net';
import { resolve } from 'node:path';

const [distA, distB, kind = 'hook', rounds = '8', perRound = '20000', sockets = '8'] = process.argv.slice(2);
if (!distA || !distB) throw new Error('usage: decision-path-inproc.mjs <distA> <distB> [hook|nginx] [rounds] [requests] [sockets]');
const ADMIN_KEY = 'bench-admin-key-0123456789abcdef0123456789';

async function start(dist) {
  const at = (path) => import(resolve(dist, path));
  const [{ loadConfig }, { createServices }, { createApp }, { createLogger }, { createMetrics }, { createServiceServer }, { systemClock }] = await Promise.all(
    ['config.js', 'create-services.js', 'app.js', 'observability/logger.js', 'observability/metrics.js', 'shared/http-server.js', 'shared/clock.js'].map(at),
  );
  const config = loadConfig({ ADMIN_API_KEYS: `bench=${ADMIN_KEY}`, TOKEN_STORE: 'memory', LOG_LEVEL: 'warn', EXPOSE_DENY_REASON: 'true' });
  const logger = createLogger('warn', { write() {} });
  const metrics = createMetrics();
  const services = createServices(config, { clock: systemClock, logger, metrics });
  await services.start();
  await services.subscribe();
  const server = createServiceServer(createApp(config, services, { clock: systemClock, logger, metrics })).listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address();
  const issued = await fetch(`http://127.0.0.1:${port}/v1/tokens`, {
    method: 'POST',
    headers: { authorization: `Bearer ${ADMIN_KEY}`, 'content-type': 'application/json' },
    body: JSON.stringify({ streams: ['bench-stream'], ttlSeconds: 3600 }),
  });
  const { token } = await issued.json();
  const texts = Array.from({ length: 1000 }, (_, i) => requestText(token, i));
  return { dist, port, server, texts, refused: {} };
}

function requestText(token, i) {
  if (kind === 'nginx') {
    return `GET /nginx/auth HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Original-URI: /bench-stream/bench-stream.m3u8?token=${token}\r\nX-Original-Method: GET\r\nX-Real-IP: 10.0.${(i >> 8) & 255}.${i & 255}\r\n\r\n`;
  }
  const body = JSON.stringify({ nodeId: 'n@192.168.1.5', appKey: 'defaultApp', sessionId: `/192.168.1.100:${i}/192.168.1.5:8445`, mediaSessionId: `60709c5b-6950-40c3-8a3d-${String(i).padStart(12, '0')}-HLS`, name: 'bench-stream', mediaProvider: 'HLS', custom: { token } }, null, 2);
  return `POST /wcs/playHLS HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`;
}

const STATUS = kind === 'nginx' ? 'HTTP/1.1 204' : 'HTTP/1.1 200';

/** `n` requests over `sockets` keep-alive connections, one at a time on each; CPU µs per request. */
function load(target, n) {
  return new Promise((done, fail) => {
    let sent = 0;
    let answered = 0;
    const t0 = process.cpuUsage();
    for (let s = 0; s < Number(sockets); s++) {
      const sock = connect(target.port, '127.0.0.1');
      let tail = '';
      const next = () => { if (sent < n) sock.write(target.texts[sent++ % target.texts.length]); };
      sock.on('connect', next);
      sock.on('error', fail);
      sock.on('data', (chunk) => {
        const text = tail + chunk.toString('latin1');
        let at = -1;
        while ((at = text.indexOf('HTTP/1.1 ', at + 1)) !== -1) {
          if (!text.startsWith(STATUS, at) && text.length >= at + STATUS.length) {
            // Counted, not fatal: an occasional refusal was seen with both builds (EXPOSE_DENY_REASON says why).
            const reason = /X-Deny-Reason: ([^\r]*)/.exec(text.slice(at, at + 400))?.[1] ?? text.slice(at, at + 12);
            target.refused[reason] = (target.refused[reason] ?? 0) + 1;
          }
          answered++;
          if (answered === n) {
            const c = process.cpuUsage(t0);
            done((c.user + c.system) / n);
          }
          next();
        }
        tail = text.slice(-8);
        if (answered >= n && sent >= n) sock.end();
      });
    }
  });
}

const targets = [await start(distA), await start(distB)];
for (const t of targets) await load(t, 5000); // warm-up
const results = targets.map(() => []);
for (let r = 0; r < Number(rounds); r++) {
  for (const i of r % 2 === 0 ? [0, 1] : [1, 0]) results[i].push(await load(targets[i], Number(perRound)));
}
const median = (xs) => [...xs].sort((x, y) => x - y)[Math.floor(xs.length / 2)];
targets.forEach((t, i) => console.log(`${kind} ${t.dist}: CPU µs/req (both ends) ${results[i].map((x) => x.toFixed(1)).join(' ')}  median ${median(results[i]).toFixed(1)}`));
for (const t of targets) if (Object.keys(t.refused).length > 0) console.log(`${t.dist}: refused`, t.refused);
const diffs = results[0].map((a, r) => a - results[1][r]);
console.log(`A − B per round: ${diffs.map((d) => d.toFixed(1)).join(' ')}  median ${median(diffs).toFixed(1)}`);
process.exit(0);
