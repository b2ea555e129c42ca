import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, test } from 'node:test';
import { childCpuMs, luaString, parseWrkOutput, wrkAvailable, wrkScript } from '../../bench/run-load-wrk.js';
import { runLoad, type BenchRequest } from '../../bench/run-load.js';

/**
 * Both load generators of `npm run bench` must send exactly the bytes of each request and count what came back: a
 * server that answers 200 only for a body it expects byte for byte (quotes, a digit right after an escaped byte,
 * UTF-8, a newline) and 403 for the deny kind. wrk is Debian's package (scripts/install-system-deps.sh installs it).
 */
const BODY = '{"a":"1\\"2","é":"\\n","n":12}\n';
const REQUESTS: BenchRequest[] = [
  { kind: 'allow', path: '/hook/playHLS', headers: { 'content-type': 'application/json' }, body: BODY, expectStatus: 200 },
  { kind: 'deny', path: '/hook/playHLS?deny=1', headers: { 'content-type': 'application/json' }, body: BODY, expectStatus: 403 },
  { kind: 'nginx', method: 'GET', path: '/nginx/auth', headers: { 'x-original-uri': '/live/s1.m3u8?token=a"b' }, expectStatus: 204 },
];

describe('bench load generators', () => {
  let server: Server;
  let baseUrl: string;
  before(async () => {
    server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (chunk: Buffer) => chunks.push(chunk));
      req.on('end', () => {
        const body = Buffer.concat(chunks).toString('utf8');
        if (req.method === 'GET') return res.writeHead(req.headers['x-original-uri'] === '/live/s1.m3u8?token=a"b' ? 204 : 422).end();
        if (body !== BODY || req.headers['content-type'] !== 'application/json') return res.writeHead(422).end();
        res.writeHead(req.url?.endsWith('deny=1') ? 403 : 200).end(body);
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  after(async () => {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  });

  test('a Lua string literal escapes every byte it must, in three digits', () => {
    assert.equal(luaString('a"1'), '"a\\0341"');
    assert.equal(luaString('é\n'), '"\\195\\169\\010"');
    // wrk sets Host and Content-Length itself: a request's own copy would make a second one.
    const script = wrkScript([{ ...REQUESTS[0]!, headers: { 'Content-Length': '9', host: 'x', 'content-type': 'application/json' } }]);
    assert.doesNotMatch(script, /length|host/i);
    assert.match(script, /\["content-type"\] = "application\/json"/);
  });

  test("a script error (wrk still exits 0) is an error naming wrk's complaint, not a run without answers", () => {
    assert.throws(() => parseWrkOutput('Running 1s test\n', 'requests.lua:4: invalid escape sequence'), /no result line[\s\S]*invalid escape sequence/);
    assert.equal(parseWrkOutput('x\nWRK_RESULT {"durationUs":5,"statuses":{"200":1}}\n').durationUs, 5);
  });

  test("wrk's CPU time is read from the `times` line bash prints after it", () => {
    assert.equal(childCpuMs('WRK_RESULT {}\n0m0.004s 0m0.013s\n1m2.500s 0m0.250s\n'), 62_750);
    assert.equal(childCpuMs('WRK_RESULT {}\n'), undefined);
  });

  for (const generator of ['wrk', 'autocannon'] as const) {
    test(`${generator} sends each request as given and counts the statuses`, async (t) => {
      if (generator === 'wrk' && !wrkAvailable()) {
        assert.fail('wrk is not installed: run scripts/install-system-deps.sh (apt-get install -y wrk)');
      }
      const result = await runLoad({ baseUrl, requests: REQUESTS, connections: 3, durationSeconds: 1, generator });
      t.diagnostic(JSON.stringify(result.statuses));
      assert.ok(result.requests > 30, `only ${result.requests} answers`);
      assert.deepEqual(Object.keys(result.statuses).sort(), ['200', '204', '403']);
      assert.equal(result.unexpected, 0);
      assert.equal(result.errors + result.timeouts, 0);
      for (const status of ['200', '204', '403']) assert.ok(Math.abs((result.statuses[status] ?? 0) - result.requests / 3) <= 10, JSON.stringify(result.statuses));
      assert.ok(result.latencyMs.p50 > 0 && result.latencyMs.p50 <= result.latencyMs.p99);
      // wrk's own CPU time comes back with its result (its share of the load generator's core); autocannon's is the
      // bench process's, measured there.
      if (generator === 'wrk') assert.ok(result.generatorCpuMs !== undefined && result.generatorCpuMs > 0 && result.generatorCpuMs < 2_000, String(result.generatorCpuMs));
      else assert.equal(result.generatorCpuMs, undefined);
    });
  }

  test('wrk takes a fractional duration (a --quick warm-up) as whole seconds', async (t) => {
    if (!wrkAvailable()) assert.fail('wrk is not installed: run scripts/install-system-deps.sh (apt-get install -y wrk)');
    const result = await runLoad({ baseUrl, requests: REQUESTS, connections: 2, durationSeconds: 0.5, generator: 'wrk' });
    t.diagnostic(`${result.durationSeconds} s`);
    assert.ok(result.requests > 0 && result.durationSeconds >= 0.9 && result.durationSeconds < 2);
  });

  test('a status the mix does not expect is counted as unexpected', async () => {
    const wrong = REQUESTS.map((request) => (request.kind === 'deny' ? { ...request, expectStatus: 200 } : request));
    const result = await runLoad({ baseUrl, requests: wrong, connections: 2, durationSeconds: 1, generator: wrkAvailable() ? 'wrk' : 'autocannon' });
    assert.ok(result.unexpected >= (result.statuses['403'] ?? 0) && result.unexpected > 0);
  });
});
