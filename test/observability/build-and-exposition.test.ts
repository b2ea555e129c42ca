import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import request from 'supertest';
import { ADMIN_KEY, buildTestApp } from '../helpers/test-app.js';
import { assertMatchesContract } from '../helpers/openapi.js';
import { findProgram } from '../e2e/programs.js';
import { newerPlayHlsBody } from '../helpers/wcs-bodies.js';

const PACKAGE_VERSION = (JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string }).version;

const admin = (app: ReturnType<typeof buildTestApp>['app']) => ({
  get: (path: string) => request(app).get(path).set('Authorization', `Bearer ${ADMIN_KEY}`),
  post: (path: string) => request(app).post(path).set('Authorization', `Bearer ${ADMIN_KEY}`).set('Content-Type', 'application/json'),
});

/** Traffic through every kind of route and exit, so the scrape holds the series production would. */
async function exerciseRoutes(app: ReturnType<typeof buildTestApp>['app']): Promise<void> {
  const issued = await admin(app).post('/v1/tokens').send({ streams: ['test'] });
  assert.equal(issued.status, 201);
  await request(app).post('/wcs/playHLS').set('Content-Type', 'application/json').send(newerPlayHlsBody({}, { token: issued.body.token }));
  await request(app).post('/wcs/playHLS').set('Content-Type', 'application/json').send(newerPlayHlsBody({}, { token: 'nope' }));
  await admin(app).get(`/v1/tokens/${issued.body.record.id}`);
  await admin(app).get('/v1/tokens/not-an-id');
  await admin(app).post('/v1/tokens').send('{"broken"');
  await request(app).get('/healthz');
  await request(app).get('/readyz');
  await request(app).get('/no/such/route');
}

describe('what the service says about its build', () => {
  it('/healthz reports the version from package.json', async () => {
    const t = buildTestApp({ store: 'memory' });
    const res = await request(t.app).get('/healthz');
    assert.equal(res.status, 200);
    assert.deepEqual(res.body, { status: 'ok', version: PACKAGE_VERSION });
    assertMatchesContract('GET', '/healthz', res);
    await t.close();
  });

  it('wcs_auth_build_info is 1 with the version and the Node.js version as labels', async () => {
    const t = buildTestApp({ store: 'memory' });
    const text = (await request(t.app).get('/metrics')).text;
    const line = text.split('\n').find((l) => l.startsWith('wcs_auth_build_info{'));
    assert.equal(line, `wcs_auth_build_info{version="${PACKAGE_VERSION}",node_version="${process.version}"} 1`);
    await t.close();
  });
});

describe('HTTP metrics label every route by its full template', () => {
  it('answers that went through the error handler carry the mount path too (/v1/tokens/:id, not /tokens/:id)', async () => {
    const t = buildTestApp({ store: 'memory' });
    await exerciseRoutes(t.app);
    const text = await t.metrics.registry.metrics();
    const routes = new Set([...text.matchAll(/^wcs_auth_http_requests_total\{route="([^"]*)",method="([A-Z]+)",status="(\d+)"\}/gm)].map((m) => `${m[2]} ${m[1]} ${m[3]}`));
    for (const expected of [
      'POST /v1/tokens 201',
      'POST /v1/tokens 400',
      'GET /v1/tokens/:id 200',
      'GET /v1/tokens/:id 404',
      'POST /wcs/:method 200',
      'POST /wcs/:method 403',
      'GET /healthz 200',
      'GET unmatched 404',
    ]) {
      assert.ok(routes.has(expected), `${expected} in ${[...routes].join(', ')}`);
    }
    for (const route of routes) assert.match(route, /^[A-Z]+ (\/wcs\/|\/v1\/|\/healthz|\/readyz|\/metrics|unmatched)/, route);
    await t.close();
  });
});

const promtool = findProgram('promtool');

describe('the /metrics exposition', { skip: promtool ? false : 'promtool not found (Debian package prometheus; scripts/install-system-deps.sh)' }, () => {
  it('passes `promtool check metrics` after traffic on every route (no *_total gauges, valid names and help)', async () => {
    const t = buildTestApp({ store: 'memory' });
    await exerciseRoutes(t.app);
    const text = (await request(t.app).get('/metrics')).text;
    assert.match(text, /^wcs_auth_decisions_total\{/m, 'the scrape holds decision series');
    const check = spawnSync(promtool!, ['check', 'metrics'], { input: text, encoding: 'utf8', timeout: 30_000 });
    assert.equal(check.status, 0, `promtool check metrics:\n${check.stdout}${check.stderr}`);
    assert.doesNotMatch(text, /^# TYPE \S+_total gauge$/m);
    await t.close();
  });
});
