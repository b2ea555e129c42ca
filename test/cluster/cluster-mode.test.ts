import assert from 'node:assert/strict';
import { request as httpRequest } from 'node:http';
import { connect } from 'node:net';
import { after, before, describe, test } from 'node:test';
import { freePort } from '../helpers/free-port.js';
import { startTestRedis, type TestRedis } from '../helpers/redis-server.js';
import { startServiceProcess, type ServiceProcess } from '../helpers/service-process.js';
import { newerPlayHlsBody, pretty } from '../helpers/wcs-bodies.js';

const ADMIN_KEY = 'cluster-test-admin-key-0123456789';
const SHUTDOWN_TIMEOUT_MS = 10_000;
/** The primary gives workers SHUTDOWN_TIMEOUT_MS plus 5 s before it kills them. */
const STOP_BOUND_MS = SHUTDOWN_TIMEOUT_MS + 5_000;

type LogLine = Record<string, unknown>;
const isListening = (line: LogLine) => line.msg === 'wcs-token-auth listening';
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const isAlive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

/** The service's JSON log lines so far (stdout and stderr are collected together; other lines are skipped). */
function logLines(service: ServiceProcess): LogLine[] {
  return service.output.flatMap((text) => {
    try {
      return [JSON.parse(text) as LogLine];
    } catch {
      return [];
    }
  });
}

/** Waits for a log line (log lines arrive through a pipe, after the answers they describe). */
async function waitForLine(service: ServiceProcess, match: (line: LogLine) => boolean, timeoutMs = 60_000): Promise<LogLine> {
  for (let waited = 0; waited <= timeoutMs; waited += 50) {
    const found = logLines(service).find(match);
    if (found) return found;
    await sleep(50);
  }
  throw new Error(`no matching log line within ${timeoutMs} ms:\n${service.output.join('\n')}`);
}

interface HttpAnswer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

/** One request on a connection of its own (no keep-alive), so that each one may land on another worker. */
function requestOnNewConnection(
  port: number,
  options: { method: string; path: string; headers?: Record<string, string>; body?: string },
): Promise<HttpAnswer> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(
      { host: '127.0.0.1', port, method: options.method, path: options.path, headers: options.headers, agent: false },
      (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => (body += chunk));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.end(options.body);
  });
}

function sampleFor(text: string, metric: string): number | undefined {
  const line = text.split('\n').find((l) => l.startsWith(`${metric} `) || l.startsWith(`${metric}{`));
  return line === undefined ? undefined : Number(line.slice(line.lastIndexOf(' ') + 1));
}

describe('WORKERS=2 with a Redis store', { timeout: 180_000 }, () => {
  let redis: TestRedis;
  let service: ServiceProcess;
  let port: number;
  let token: string;
  let allowed = 0;

  const playHls = (withToken: string) =>
    requestOnNewConnection(port, {
      method: 'POST',
      path: '/wcs/playHLS',
      headers: { 'content-type': 'application/json' },
      body: pretty(newerPlayHlsBody({}, { token: withToken })),
    });
  const lines = () => logLines(service);
  const workerPids = () => [...new Set(lines().filter(isListening).map((line) => Number(line.pid)))];

  before(async () => {
    redis = await startTestRedis();
    port = await freePort();
    // Resolves once the first worker listens.
    service = await startServiceProcess({
      WORKERS: '2',
      HOST: '127.0.0.1',
      PORT: String(port),
      TOKEN_STORE: 'redis',
      REDIS_URL: redis.url,
      REDIS_KEY_PREFIX: redis.keyPrefix,
      ADMIN_API_KEYS: `admin=${ADMIN_KEY}`,
      SHUTDOWN_TIMEOUT_MS: String(SHUTDOWN_TIMEOUT_MS),
      LOG_LEVEL: 'info',
    });
  });

  after(async () => {
    if (service && service.child.exitCode === null && service.child.signalCode === null) service.child.kill('SIGKILL');
    await redis?.stop();
  });

  test('two workers start and listen on the one port', async () => {
    await waitForLine(service, (line) => isListening(line) && line.worker === 1);
    await waitForLine(service, (line) => isListening(line) && line.worker === 2);
    const listening = lines().filter(isListening);
    assert.deepEqual(new Set(listening.map((line) => line.worker)), new Set([1, 2]));
    assert.equal(new Set(listening.map((line) => line.pid)).size, 2, 'two processes');
    assert.ok(listening.every((line) => (line.address as { port: number }).port === port));
  });

  test('both workers decide, with tokens issued through either of them', async () => {
    const issued = await requestOnNewConnection(port, {
      method: 'POST',
      path: '/v1/tokens',
      headers: { authorization: `Bearer ${ADMIN_KEY}`, 'content-type': 'application/json' },
      body: JSON.stringify({ streams: ['test'], ttlSeconds: 600 }),
    });
    assert.equal(issued.status, 201);
    token = (JSON.parse(issued.body) as { token: string }).token;

    const allowLines = () => lines().filter((l) => l.event === 'decision' && l.allow === true);
    const decidedBy = () => new Set(allowLines().map((l) => l.worker));
    // Connections go to the workers in turn; a bound on the count keeps a broken distribution from looping forever.
    for (let i = 0; i < 40 && decidedBy().size < 2; i++) {
      const answer = await playHls(token);
      assert.equal(answer.status, 200);
      allowed++;
      await waitForLine(service, () => allowLines().length >= allowed);
    }
    assert.deepEqual(decidedBy(), new Set([1, 2]));
    assert.equal((await playHls('wta_' + 'A'.repeat(43))).status, 403);
  });

  test('/metrics on any worker counts the decisions of all workers', async () => {
    for (let i = 0; i < 4; i++) {
      const scrape = await requestOnNewConnection(port, { method: 'GET', path: '/metrics' });
      assert.equal(scrape.status, 200);
      assert.match(String(scrape.headers['content-type']), /^text\/plain/);
      assert.equal(
        sampleFor(scrape.body, 'wcs_auth_decisions_total{method="playHLS",result="allow",reason="valid",token_kind="opaque"}'),
        allowed,
      );
      assert.equal(sampleFor(scrape.body, 'wcs_auth_decisions_total{method="playHLS",result="deny",reason="unknown_token",token_kind="opaque"}'), 1);
      assert.equal(sampleFor(scrape.body, 'wcs_auth_workers'), 2);
    }
  });

  test('SIGHUP to the primary reaches every worker (JWT key reload) and stops nobody', async () => {
    service.child.kill('SIGHUP');
    await waitForLine(service, (line) => line.event === 'jwt_keys_reloaded' && line.worker === 1);
    await waitForLine(service, (line) => line.event === 'jwt_keys_reloaded' && line.worker === 2);
    assert.equal(service.child.exitCode, null);
    assert.equal((await playHls(token)).status, 200);
    allowed++;
    const scrape = await requestOnNewConnection(port, { method: 'GET', path: '/metrics' });
    assert.equal(sampleFor(scrape.body, 'wcs_auth_jwt_key_reloads_total{result="ok"}'), 2);
  });

  test('a worker that dies is replaced, and the service keeps deciding', async () => {
    const victim = lines().find((line) => isListening(line) && line.worker === 1);
    assert.ok(victim);
    process.kill(Number(victim.pid), 'SIGKILL');
    const replacement = await waitForLine(service, (line) => isListening(line) && Number(line.worker) > 2);
    assert.notEqual(replacement.pid, victim.pid);
    for (let i = 0; i < 4; i++) {
      assert.equal((await playHls(token)).status, 200);
      allowed++;
    }
    const scrape = await requestOnNewConnection(port, { method: 'GET', path: '/metrics' });
    assert.equal(sampleFor(scrape.body, 'wcs_auth_workers'), 2);
  });

  test('SIGTERM lets a request in flight finish, then stops every worker and the primary, exit code 0', async () => {
    const pids = workerPids().filter(isAlive);
    assert.equal(pids.length, 2);
    // A slow client: headers and half the body now, the rest after SIGTERM. Its worker must wait for it.
    const body = pretty(newerPlayHlsBody({}, { token }));
    const socket = connect(port, '127.0.0.1');
    await new Promise<void>((resolve, reject) => socket.once('connect', resolve).once('error', reject));
    let answer = '';
    socket.setEncoding('utf8').on('data', (chunk: string) => (answer += chunk));
    const closed = new Promise<void>((resolve) => socket.once('close', () => resolve()));
    const head = `POST /wcs/playHLS HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n`;
    socket.write(head + body.slice(0, 40));
    // Time for the primary to hand the connection to a worker (microseconds on an idle machine).
    await new Promise((resolve) => setTimeout(resolve, 1500));

    const stoppingSince = Date.now();
    const stopped = service.stop(); // SIGTERM to the primary
    await waitForLine(service, (line) => line.msg === 'shutting down: stopping every worker');
    socket.write(body.slice(40));
    await closed; // by the worker, once it has answered: it is shutting down
    assert.match(answer, /^HTTP\/1\.1 200 OK/);
    assert.ok(answer.endsWith(body), 'the in-flight request got its full echo');

    assert.equal(await stopped, 0);
    assert.ok(Date.now() - stoppingSince < STOP_BOUND_MS, 'stopped within the shutdown bound');
    assert.deepEqual(pids.filter(isAlive), [], 'no worker outlives the primary');
    assert.deepEqual(
      new Set(lines().filter((line) => line.msg === 'stopped').map((line) => line.pid)),
      new Set(pids),
      'each worker shut down gracefully',
    );
    assert.equal(lines().find((line) => line.msg === 'all workers stopped')?.forced, false);
    assert.equal(lines().filter((line) => line.msg === 'shutdown timeout reached: closing remaining connections').length, 0);
  });
});

describe('WORKERS > 1 with the memory store', { timeout: 60_000 }, () => {
  test('refuses to start: exit code 1 and a message naming WORKERS and TOKEN_STORE', async () => {
    await assert.rejects(
      startServiceProcess({ WORKERS: '2', TOKEN_STORE: 'memory', PORT: String(await freePort()), HOST: '127.0.0.1' }),
      (error: Error) => /exited with 1 before listening/.test(error.message) && /WORKERS: 2 workers need TOKEN_STORE=redis/.test(error.message),
    );
  });
});
