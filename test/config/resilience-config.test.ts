import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { describe, test } from 'node:test';
import { ConfigError, loadConfig } from '../../src/config.js';

function problems(env: Record<string, string>): string[] {
  try {
    loadConfig(env);
  } catch (error) {
    if (error instanceof ConfigError) return error.problems;
    throw error;
  }
  return [];
}

describe('configuration of failure policy, Redis topology and abuse limits', () => {
  test('defaults: deny, standalone Redis, 30 s / 10000-entry cache, 20 guesses per IP a minute, 10 admin failures per 5 minutes', () => {
    const config = loadConfig({ TOKEN_STORE: 'redis' });
    assert.equal(config.storeFailurePolicy, 'deny');
    assert.deepEqual(config.redisConnection, { mode: 'standalone', url: 'redis://127.0.0.1:6379' });
    assert.deepEqual(config.redisWaitReplicas, { count: 0, timeoutMs: 100 });
    assert.deepEqual(config.decisionCacheSettings, { ttlSeconds: 30, maxEntries: 10_000 });
    assert.deepEqual(config.bruteForce, { windowSeconds: 60, maxPerIp: 20, maxPerStream: 0 });
    assert.deepEqual(config.adminAuthThrottle, { maxFailures: 10, windowSeconds: 300 });
  });

  test('REDIS_SENTINELS and REDIS_CLUSTER_NODES are parsed into host/port lists (IPv6 in brackets)', () => {
    const sentinel = loadConfig({ TOKEN_STORE: 'redis', REDIS_SENTINELS: 's1:26379, [::1]:26380', REDIS_SENTINEL_NAME: 'main', REDIS_PASSWORD: 'pw' });
    assert.deepEqual(sentinel.redisConnection, {
      mode: 'sentinel',
      sentinels: [
        { host: 's1', port: 26379 },
        { host: '::1', port: 26380 },
      ],
      name: 'main',
      password: 'pw',
    });
    const cluster = loadConfig({ TOKEN_STORE: 'redis', REDIS_CLUSTER_NODES: '10.0.0.1:7000,10.0.0.2:7001' });
    assert.deepEqual(cluster.redisConnection, {
      mode: 'cluster',
      nodes: [
        { host: '10.0.0.1', port: 7000 },
        { host: '10.0.0.2', port: 7001 },
      ],
      password: undefined,
    });
  });

  const invalid: [Record<string, string>, RegExp][] = [
    [{ STORE_FAILURE_POLICY: 'open' }, /^STORE_FAILURE_POLICY: must be deny or allow, or cached/],
    [{ TOKEN_STORE: 'redis', REDIS_SENTINELS: 'nohost' }, /^REDIS_SENTINELS: "nohost" must look like host:port/],
    [{ TOKEN_STORE: 'redis', REDIS_CLUSTER_NODES: 'a:70000' }, /^REDIS_CLUSTER_NODES: "a:70000" must look like host:port/],
    [{ TOKEN_STORE: 'redis', REDIS_SENTINELS: 'a:1', REDIS_CLUSTER_NODES: 'b:2' }, /^REDIS_CLUSTER_NODES: cannot be combined with REDIS_SENTINELS/],
    [{ REDIS_SENTINELS: 'a:1' }, /^REDIS_SENTINELS: needs TOKEN_STORE=redis/],
    [{ TOKEN_STORE: 'redis', REDIS_PASSWORD: 'pw' }, /^REDIS_PASSWORD: only for REDIS_SENTINELS or REDIS_CLUSTER_NODES/],
    [{ TOKEN_STORE: 'redis', REDIS_WAIT_REPLICAS: '1', REDIS_WAIT_TIMEOUT_MS: '200' }, /^REDIS_WAIT_TIMEOUT_MS: must be less than STORE_TIMEOUT_MS/],
    [{ DECISION_CACHE_TTL_SECONDS: '0' }, /^DECISION_CACHE_TTL_SECONDS: must be at least 1/],
    [{ DECISION_CACHE_MAX_ENTRIES: 'lots' }, /^DECISION_CACHE_MAX_ENTRIES: must be a whole number/],
    [{ BRUTE_FORCE_MAX_PER_IP: '-1' }, /^BRUTE_FORCE_MAX_PER_IP: must be a whole number/],
    [{ BRUTE_FORCE_WINDOW_SECONDS: '0' }, /^BRUTE_FORCE_WINDOW_SECONDS: must be at least 1/],
    [{ ADMIN_AUTH_WINDOW_SECONDS: '1.5' }, /^ADMIN_AUTH_WINDOW_SECONDS: must be a whole number/],
  ];
  for (const [env, expected] of invalid) {
    test(`refuses ${JSON.stringify(env)} naming the variable`, () => {
      const found = problems(env);
      assert.ok(found.some((problem) => expected.test(problem)), `problems: ${JSON.stringify(found)}`);
    });
  }

  test('the password never appears in a configuration error', () => {
    const found = problems({ TOKEN_STORE: 'redis', REDIS_PASSWORD: 'sup3r-secret-pw' });
    assert.ok(found.length > 0 && found.every((problem) => !problem.includes('sup3r-secret-pw')));
  });

  test('the service itself stops with exit code 1 and names the variable', () => {
    const result = spawnSync(process.execPath, ['--import', 'tsx', 'src/main.ts'], {
      env: { ...process.env, STORE_FAILURE_POLICY: 'sometimes', PORT: '0' },
      encoding: 'utf8',
      timeout: 60_000,
    });
    assert.equal(result.status, 1);
    assert.match(result.stderr, /STORE_FAILURE_POLICY: must be deny or allow, or cached/);
  });
});
