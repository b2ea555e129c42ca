import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { startServiceProcess, type ServiceProcess } from '../helpers/service-process.js';

const METRICS_TOKEN = 'metrics-scrape-token-0123456789';

describe('METRICS_PORT and METRICS_BEARER_TOKEN in the running service (src/main.ts)', () => {
  let service: ServiceProcess;
  before(async () => {
    service = await startServiceProcess({
      HOST: '127.0.0.1',
      PORT: '0',
      METRICS_PORT: '0',
      METRICS_BEARER_TOKEN: METRICS_TOKEN,
      ADMIN_API_KEYS: 'admin=metrics-port-test-admin-key',
      STORE_HEALTH_CHECK_INTERVAL_MS: '100',
      LOG_LEVEL: 'info',
    });
  });
  after(async () => {
    await service?.stop();
  });

  it('serves /metrics only on METRICS_PORT, and the main port answers 404 for it', async () => {
    assert.notEqual(service.metricsUrl, service.url);
    const onMain = await fetch(`${service.url}/metrics`, { headers: { authorization: `Bearer ${METRICS_TOKEN}` } });
    assert.equal(onMain.status, 404);
    const onMetrics = await fetch(`${service.metricsUrl}/metrics`, { headers: { authorization: `Bearer ${METRICS_TOKEN}` } });
    assert.equal(onMetrics.status, 200);
    assert.match(onMetrics.headers.get('content-type') ?? '', /^text\/plain/);
    assert.match(await onMetrics.text(), /^# HELP wcs_auth_decisions_total /m);
  });

  it('refuses a scrape without the bearer token or with a wrong one (401), on METRICS_PORT', async () => {
    const missing = await fetch(`${service.metricsUrl}/metrics`);
    assert.equal(missing.status, 401);
    assert.equal(missing.headers.get('www-authenticate'), 'Bearer');
    const wrong = await fetch(`${service.metricsUrl}/metrics`, { headers: { authorization: `Bearer ${METRICS_TOKEN}x` } });
    assert.equal(wrong.status, 401);
    const body = (await wrong.json()) as { error: { code: string } };
    assert.equal(body.error.code, 'unauthorized');
  });

  it('the metrics port serves nothing else: the hook, admin API and health stay on the main port', async () => {
    for (const path of ['/healthz', '/v1/tokens/tok_0123456789abcdef', '/wcs/playHLS']) {
      assert.equal((await fetch(`${service.metricsUrl}${path}`)).status, 404, path);
    }
    assert.equal((await fetch(`${service.url}/healthz`)).status, 200);
  });

  it('sets wcs_auth_store_up from the periodic store check, without anyone calling /readyz', async () => {
    let text = '';
    for (let attempt = 0; attempt < 100 && !/^wcs_auth_store_up\{store="memory"\} 1$/m.test(text); attempt++) {
      text = await (await fetch(`${service.metricsUrl}/metrics`, { headers: { authorization: `Bearer ${METRICS_TOKEN}` } })).text();
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    assert.match(text, /^wcs_auth_store_up\{store="memory"\} 1$/m);
  });

  it('on SIGTERM closes both ports and exits 0', async () => {
    assert.equal(await service.stop(), 0);
    await assert.rejects(fetch(`${service.metricsUrl}/metrics`));
    await assert.rejects(fetch(`${service.url}/healthz`));
  });
});
