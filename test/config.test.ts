import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ConfigError, loadConfig, secretsInEnvironment } from '../src/config.js';

describe('configuration', () => {
  it('has working defaults for a quick start: memory store, /wcs, token, deny on failure', () => {
    const config = loadConfig({});
    assert.equal(config.port, 8080);
    assert.equal(config.hookBasePath, '/wcs');
    assert.equal(config.tokenQueryParam, 'token');
    assert.deepEqual(config.store, { kind: 'memory' });
    assert.equal(config.storeFailurePolicy, 'deny');
    assert.equal(config.signingSecret, undefined);
    assert.equal(config.adminKeys, undefined);
  });

  it('reads every documented variable', () => {
    const config = loadConfig({
      HOST: '127.0.0.1',
      PORT: '9000',
      WCS_HOOK_BASE_PATH: '/hooks/',
      TOKEN_QUERY_PARAM: 'aclAuth',
      WCS_SIGNING_SECRET: 's3cret',
      HOOK_ALLOW_HEADERS: '{"X-Auth":"yes"}',
      EXPOSE_DENY_REASON: 'true',
      TOKEN_STORE: 'redis',
      REDIS_URL: 'redis://redis:6380/2',
      REDIS_KEY_PREFIX: 'edge1:',
      STORE_TIMEOUT_MS: '500',
      STORE_FAILURE_POLICY: 'allow',
      BODY_LIMIT_BYTES: '4096',
      TOKEN_DEFAULT_TTL_SECONDS: '60',
      TOKEN_MAX_TTL_SECONDS: '120',
      TOKEN_RETENTION_SECONDS: '0',
      ADMIN_API_KEYS: 'a=0123456789abcdef,b=sha256:' + 'ab'.repeat(32) + '#tokens:read',
      LOG_LEVEL: 'warn',
      SHUTDOWN_TIMEOUT_MS: '1000',
    });
    assert.equal(config.host, '127.0.0.1');
    assert.equal(config.port, 9000);
    assert.equal(config.hookBasePath, '/hooks');
    assert.equal(config.tokenQueryParam, 'aclAuth');
    assert.equal(config.signingSecret, 's3cret');
    assert.deepEqual(config.allowHeaders, { 'X-Auth': 'yes' });
    assert.equal(config.exposeDenyReason, true);
    assert.deepEqual(config.store, { kind: 'redis', url: 'redis://redis:6380/2', keyPrefix: 'edge1:' });
    assert.equal(config.storeTimeoutMs, 500);
    assert.equal(config.storeFailurePolicy, 'allow');
    assert.equal(config.bodyLimitBytes, 4096);
    assert.equal(config.tokenDefaultTtlSeconds, 60);
    assert.equal(config.tokenMaxTtlSeconds, 120);
    assert.equal(config.tokenRetentionSeconds, 0);
    assert.deepEqual(
      config.adminKeys?.map((key) => ({ id: key.id, scopes: [...key.scopes] })),
      [
        { id: 'a', scopes: ['tokens:read', 'tokens:write', 'sessions:read', 'sessions:write'] },
        { id: 'b', scopes: ['tokens:read'] },
      ],
    );
    assert.equal(config.logLevel, 'warn');
    assert.equal(config.shutdownTimeoutMs, 1000);
  });

  it('treats empty values as unset', () => {
    assert.equal(loadConfig({ PORT: '', WCS_SIGNING_SECRET: '' }).port, 8080);
  });

  const invalid: [Record<string, string>, string, RegExp][] = [
    [{ PORT: 'eighty' }, 'PORT', /whole number/],
    [{ PORT: '70000' }, 'PORT', /at most 65535/],
    [{ WCS_HOOK_BASE_PATH: 'wcs' }, 'WCS_HOOK_BASE_PATH', /starting with \//],
    [{ TOKEN_QUERY_PARAM: 'to ken' }, 'TOKEN_QUERY_PARAM', /letters, digits/],
    [{ TOKEN_QUERY_PARAM: 'wta_sig' }, 'TOKEN_QUERY_PARAM', /must not start with wta_/],
    [{ HOOK_ALLOW_HEADERS: 'X-A: b' }, 'HOOK_ALLOW_HEADERS', /JSON object/],
    [{ HOOK_ALLOW_HEADERS: '{"X-A":"b\\r\\nInjected: 1"}' }, 'HOOK_ALLOW_HEADERS.X-A', /no CR\/LF/],
    [{ EXPOSE_DENY_REASON: 'maybe' }, 'EXPOSE_DENY_REASON', /true or false/],
    [{ TOKEN_STORE: 'postgres' }, 'TOKEN_STORE', /memory or redis/],
    [{ REDIS_URL: 'http://localhost' }, 'REDIS_URL', /redis:\/\//],
    [{ STORE_TIMEOUT_MS: '0' }, 'STORE_TIMEOUT_MS', /at least 1/],
    [{ STORE_FAILURE_POLICY: 'panic' }, 'STORE_FAILURE_POLICY', /deny or allow/],
    [{ BODY_LIMIT_BYTES: '10' }, 'BODY_LIMIT_BYTES', /at least 256/],
    [{ TOKEN_DEFAULT_TTL_SECONDS: '100', TOKEN_MAX_TTL_SECONDS: '50' }, 'TOKEN_DEFAULT_TTL_SECONDS', /must not exceed/],
    [{ ADMIN_API_KEYS: 'nokey' }, 'ADMIN_API_KEYS', /keyId=credential/],
    [{ ADMIN_API_KEYS: 'a=short' }, 'ADMIN_API_KEYS', /at least 16/],
    [{ ADMIN_API_KEYS: 'a=sha256:1234' }, 'ADMIN_API_KEYS', /64 hex/],
    [{ ADMIN_API_KEYS: 'a=0123456789abcdef#tokens:delete' }, 'ADMIN_API_KEYS', /unknown scope/],
    [{ ADMIN_API_KEYS: 'a=0123456789abcdef,a=0123456789abcdeg' }, 'ADMIN_API_KEYS', /listed twice/],
    [{ LOG_LEVEL: 'loud' }, 'LOG_LEVEL', /./],
    [{ LOG_ASYNC: 'sometimes' }, 'LOG_ASYNC', /true or false/],
    [{ LOG_BATCH: 'yes please' }, 'LOG_BATCH', /true or false/],
  ];
  for (const [env, variable, message] of invalid) {
    it(`refuses ${JSON.stringify(env)}, naming ${variable} and why`, () => {
      assert.throws(
        () => loadConfig(env),
        (error: unknown) => {
          assert.ok(error instanceof ConfigError);
          const problem = error.problems.find((p) => p.startsWith(`${variable}:`));
          assert.ok(problem, `no problem reported for ${variable}: ${error.message}`);
          assert.match(problem, message);
          return true;
        },
      );
    });
  }

  it('never repeats an admin key in its error message', () => {
    assert.throws(
      () => loadConfig({ ADMIN_API_KEYS: 'a=short-secret#bad' }),
      (error: unknown) => error instanceof ConfigError && !error.message.includes('short-secret'),
    );
  });

  it('lists every configured secret for the logger to scrub, the edge and webhook secrets included', () => {
    const env = {
      REDIS_PASSWORD: 'redis-password-1',
      WCS_SIGNING_SECRET: 'wcs-secret-1',
      METRICS_BEARER_TOKEN: 'metrics-bearer-1',
      EDGE_SIGNING_SECRET: 'edge-secret-0123456789abcdef0123456789',
      WEBHOOK_SECRET: 'whsec_c2VjcmV0LXNlY3JldC1zZWNyZXQtc2VjcmV0',
    };
    const listed = secretsInEnvironment(env);
    for (const value of Object.values(env)) assert.ok(listed.includes(value), value);
  });

  it('lists the credentials inside URLs, admin keys and the variables JWT key specs name, but not key hashes', () => {
    const hash = 'ab'.repeat(32);
    const listed = secretsInEnvironment({
      REDIS_URL: 'redis://user:p%40ss-word-1@redis:6379/0',
      JWT_JWKS_URL: 'https://jwks-user:jwks-pass-1@idp.example/keys',
      ADMIN_API_KEYS: `ops=plain-admin-key-0123456789,ro=sha256:${hash}#tokens:read`,
      JWT_KEYS: 'k1=env:JWT_KEY_ONE',
      JWT_KEY_ONE: 'hmac-key-material-0123456789',
      UNRELATED: 'not-a-secret-value',
    });
    for (const value of ['p%40ss-word-1', 'p@ss-word-1', 'jwks-pass-1', 'plain-admin-key-0123456789', 'hmac-key-material-0123456789']) {
      assert.ok(listed.includes(value), value);
    }
    assert.ok(!listed.includes(`sha256:${hash}`) && !listed.includes('not-a-secret-value'));
  });
});
