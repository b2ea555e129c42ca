import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import request from 'supertest';
import { ConfigError, loadConfig } from '../../src/config.js';
import { assertMatchesContract } from '../helpers/openapi.js';
import { buildTestApp } from '../helpers/test-app.js';

const METRICS_TOKEN = 'metrics-scrape-token-0123456789';

describe('GET /metrics on the main port', () => {
  it('without METRICS_BEARER_TOKEN answers 200 in Prometheus text format to anyone', async () => {
    const { app, close } = buildTestApp({ store: 'memory' });
    const res = await request(app).get('/metrics');
    assert.equal(res.status, 200);
    assert.match(res.headers['content-type'] ?? '', /^text\/plain; version=0\.0\.4/);
    assert.match(res.text, /^# TYPE wcs_auth_decision_duration_seconds histogram$/m);
    assert.match(res.text, /^# TYPE process_cpu_seconds_total counter$/m);
    assertMatchesContract('GET', '/metrics', res);
    await close();
  });

  it('with METRICS_BEARER_TOKEN answers 401 without credentials, with a wrong token, or another scheme', async () => {
    const { app, close, metrics } = buildTestApp({ store: 'memory', env: { METRICS_BEARER_TOKEN: METRICS_TOKEN } });
    const missing = await request(app).get('/metrics');
    assert.equal(missing.status, 401);
    assert.equal(missing.headers['www-authenticate'], 'Bearer');
    assert.equal(missing.body.error.code, 'unauthorized');
    assert.ok(!missing.text.includes('wcs_auth_'), 'a refused scrape shows no metric');
    assertMatchesContract('GET', '/metrics', missing);
    for (const authorization of [`Bearer ${METRICS_TOKEN.slice(0, -1)}`, `Bearer ${METRICS_TOKEN}0`, `Basic ${METRICS_TOKEN}`, METRICS_TOKEN]) {
      const res = await request(app).get('/metrics').set('Authorization', authorization);
      assert.equal(res.status, 401, authorization);
      assert.ok(!res.text.includes(METRICS_TOKEN), 'the answer never repeats the token');
    }
    // The refused scrapes are themselves counted, by route template and status.
    assert.match(await metrics.registry.metrics(), /^wcs_auth_http_requests_total\{route="\/metrics",method="GET",status="401"\} 5$/m);
    await close();
  });

  it('with METRICS_BEARER_TOKEN answers 200 to the right token, whatever the scheme case', async () => {
    const { app, close } = buildTestApp({ store: 'memory', env: { METRICS_BEARER_TOKEN: METRICS_TOKEN } });
    for (const scheme of ['Bearer', 'bearer']) {
      const res = await request(app).get('/metrics').set('Authorization', `${scheme} ${METRICS_TOKEN}`);
      assert.equal(res.status, 200);
      assert.match(res.text, /wcs_auth_decisions_total/);
    }
    await close();
  });

  it('with METRICS_PORT set answers 404: the metrics are served on that port only', async () => {
    const { app, close } = buildTestApp({ store: 'memory', env: { METRICS_PORT: '9464' } });
    const res = await request(app).get('/metrics');
    assert.equal(res.status, 404);
    assertMatchesContract('GET', '/metrics', res);
    await close();
  });
});

describe('metrics configuration', () => {
  const problemsOf = (env: Record<string, string>) => {
    try {
      loadConfig(env);
    } catch (error) {
      assert.ok(error instanceof ConfigError);
      return error.problems.join('\n');
    }
    assert.fail('expected a ConfigError');
  };

  it('defaults: metrics on the main port, no bearer token, store checked every 5 s', () => {
    const config = loadConfig({});
    assert.equal(config.metricsPort, undefined);
    assert.equal(config.metricsBearerToken, undefined);
    assert.equal(config.storeHealthCheckIntervalMs, 5000);
  });

  it('reads METRICS_PORT, METRICS_BEARER_TOKEN and STORE_HEALTH_CHECK_INTERVAL_MS', () => {
    const config = loadConfig({ METRICS_PORT: '9464', METRICS_BEARER_TOKEN: METRICS_TOKEN, STORE_HEALTH_CHECK_INTERVAL_MS: '0' });
    assert.equal(config.metricsPort, 9464);
    assert.equal(config.metricsBearerToken, METRICS_TOKEN);
    assert.equal(config.storeHealthCheckIntervalMs, 0);
  });

  it('refuses invalid values, naming the variable', () => {
    assert.match(problemsOf({ METRICS_PORT: 'ninety' }), /^METRICS_PORT: must be a whole number/);
    assert.match(problemsOf({ METRICS_PORT: '70000' }), /^METRICS_PORT: must be at most 65535/);
    assert.match(problemsOf({ PORT: '8080', METRICS_PORT: '8080' }), /^METRICS_PORT: must differ from PORT/);
    assert.match(problemsOf({ METRICS_BEARER_TOKEN: 'short' }), /^METRICS_BEARER_TOKEN: must be 16-256 printable characters/);
    assert.match(problemsOf({ METRICS_BEARER_TOKEN: 'has a space in the middle' }), /^METRICS_BEARER_TOKEN: /);
    assert.match(problemsOf({ STORE_HEALTH_CHECK_INTERVAL_MS: '-1' }), /^STORE_HEALTH_CHECK_INTERVAL_MS: must be a whole number/);
  });

  it('a config error never repeats the metrics bearer token', () => {
    const token = 'x'.repeat(300);
    assert.ok(!problemsOf({ METRICS_BEARER_TOKEN: token }).includes(token));
  });
});
