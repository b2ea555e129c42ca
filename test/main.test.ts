import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { freePort } from './helpers/free-port.js';
import { startTestRedis } from './helpers/redis-server.js';
import { spawnService, type SpawnedService } from './helpers/service-process.js';
import { newerPlayHlsBody } from './helpers/wcs-bodies.js';

async function waitFor(condition: () => boolean, what: string, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

describe('the service entry point', () => {
  it('refuses to start on invalid config: exit code 1 and a message naming the variable', async () => {
    const service = spawnService({ PORT: 'eighty', STORE_FAILURE_POLICY: 'panic' });
    assert.equal(await service.exit, 1);
    assert.match(service.stderr(), /PORT: must be a whole number/);
    assert.match(service.stderr(), /STORE_FAILURE_POLICY: must be deny or allow/);
  });

  it('quick start: with the memory store and no admin key it prints one key, which then works', async () => {
    const port = await freePort();
    const service = spawnService({ PORT: String(port), HOST: '127.0.0.1' });
    await waitFor(() => service.stdout().includes('wcs-token-auth listening'), 'listening');
    const key = /(wta_admin_[A-Za-z0-9_-]{43})/.exec(service.stderr())?.[1];
    assert.ok(key, 'a generated admin key is printed on stderr');
    assert.ok(!service.stdout().includes(key), 'the key is not in the JSON log');
    assert.match(service.stdout(), /TOKEN_STORE=memory: tokens are lost on restart/);

    const issued = await fetch(`http://127.0.0.1:${port}/v1/tokens`, {
      method: 'POST',
      headers: { Authorization: `Bearer ${key}`, 'Content-Type': 'application/json' },
      body: JSON.stringify({ streams: ['test'] }),
    });
    assert.equal(issued.status, 201);
    const { token } = (await issued.json()) as { token: string };
    const hook = await fetch(`http://127.0.0.1:${port}/wcs/playHLS`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify(newerPlayHlsBody({}, { token })),
    });
    assert.equal(hook.status, 200);
    assert.ok(!service.stdout().includes(token), 'the token never reaches the log');

    service.child.kill('SIGTERM');
    assert.equal(await service.exit, 0);
    assert.match(service.stdout(), /"msg":"stopped"/);
  });

  /** Starts the service with a memory store and `env`, and has it make one decision (a refused unknown token). */
  async function oneDecision(env: Record<string, string>): Promise<{ service: SpawnedService; requestId: string }> {
    const port = await freePort();
    const service = spawnService({ PORT: String(port), HOST: '127.0.0.1', ADMIN_API_KEYS: 'ops=0123456789abcdef0123', ...env });
    await waitFor(() => service.stdout().includes('wcs-token-auth listening'), 'listening');
    const hook = await fetch(`http://127.0.0.1:${port}/wcs/playHLS`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify(newerPlayHlsBody({}, { token: `wta_${'L'.repeat(43)}` })),
    });
    assert.equal(hook.status, 403);
    return { service, requestId: hook.headers.get('x-request-id') ?? 'missing' };
  }

  // That the default is synchronous (not pino's unbuffered async mode) is checked in log-destination.test.ts.
  it('by default (LOG_ASYNC=false) a decision line is on stdout well before LOG_ASYNC=true would flush it', async () => {
    const { service, requestId } = await oneDecision({});
    // Written before the answer left (only reading our end of the pipe can lag), not at LOG_ASYNC's 1 s flush.
    await waitFor(() => service.stdout().includes(requestId), 'the decision line', 900);
    assert.match(service.stdout(), new RegExp(`"event":"decision".*"requestId":"${requestId}"`));
    service.child.kill('SIGTERM');
    assert.equal(await service.exit, 0);
  });

  it('with LOG_ASYNC=true buffers lines, writes them within about a second, and flushes the rest at exit', async () => {
    const { service, requestId } = await oneDecision({ LOG_ASYNC: 'true' });
    await waitFor(() => service.stdout().includes(requestId), 'the buffered decision line', 5000);
    service.child.kill('SIGTERM');
    assert.equal(await service.exit, 0);
    assert.match(service.stdout(), /"msg":"stopped"/, 'the last line, logged just before exit, was flushed');
  });

  it('on SIGTERM finishes an in-flight request before exiting 0', async () => {
    const redis = await startTestRedis();
    try {
      const port = await freePort();
      const service = spawnService({
        PORT: String(port),
        HOST: '127.0.0.1',
        TOKEN_STORE: 'redis',
        REDIS_URL: redis.url,
        REDIS_KEY_PREFIX: redis.keyPrefix,
        STORE_TIMEOUT_MS: '1500',
        ADMIN_API_KEYS: 'ops=0123456789abcdef0123',
      });
      await waitFor(() => service.stdout().includes('wcs-token-auth listening'), 'listening');
      const ready = await fetch(`http://127.0.0.1:${port}/readyz`);
      assert.equal(ready.status, 200);

      // A stalled Redis keeps the decision in flight for STORE_TIMEOUT_MS; SIGTERM arrives meanwhile.
      redis.stall();
      const inFlight = fetch(`http://127.0.0.1:${port}/wcs/playHLS`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify(newerPlayHlsBody({}, { token: `wta_${'D'.repeat(43)}` })),
      });
      await new Promise((resolve) => setTimeout(resolve, 300));
      service.child.kill('SIGTERM');
      const res = await inFlight;
      assert.equal(res.status, 403, 'the in-flight request got its answer (store_unavailable → deny)');
      redis.resume();
      assert.equal(await service.exit, 0);
      assert.match(service.stdout(), /shutting down/);
      await assert.rejects(fetch(`http://127.0.0.1:${port}/healthz`), 'no longer accepting connections');
    } finally {
      redis.resume();
      await redis.stop();
    }
  });

  it('with Redis and no admin keys it starts, warns, and the admin API refuses every request', async () => {
    const port = await freePort();
    const service = spawnService({
      PORT: String(port),
      HOST: '127.0.0.1',
      TOKEN_STORE: 'redis',
      REDIS_URL: `redis://127.0.0.1:${await freePort()}`,
      STORE_TIMEOUT_MS: '100',
    });
    await waitFor(() => service.stdout().includes('wcs-token-auth listening'), 'listening');
    assert.match(service.stdout(), /ADMIN_API_KEYS is not set/);
    assert.doesNotMatch(service.stderr(), /wta_admin_/);
    const res = await fetch(`http://127.0.0.1:${port}/v1/tokens/tok_AAAAAAAAAAAAAAAA`, {
      headers: { Authorization: 'Bearer anything-at-all-here' },
    });
    assert.equal(res.status, 401);
    const ready = await fetch(`http://127.0.0.1:${port}/readyz`);
    assert.equal(ready.status, 503, 'no Redis at that port: not ready, but alive');
    assert.equal((await fetch(`http://127.0.0.1:${port}/healthz`)).status, 200);
    service.child.kill('SIGTERM');
    assert.equal(await service.exit, 0);
  });
});
