import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { issueToken } from '../helpers/hook-client.js';
import { buildTestApp, serveTestApp, type ServedTestApp, type TestApp } from '../helpers/test-app.js';
import { FakeWcs } from './fake-wcs.js';
import { httpGet } from './https-get.js';
import { findE2ePrograms } from './programs.js';
import { startShippedNginx, writeTestCert, type ShippedNginx } from './shipped-nginx.js';

const found = findE2ePrograms();
const STREAMS = ['live', 'other'];

/**
 * The shipped config caches segment authorizations (WTA_SEGMENT_AUTH=service) for a few seconds. A cached answer may
 * only be reused for a request the service would decide the same way: its key must hold every input the decision
 * reads (directory, token, viewer address, appKey and the rest of the query, method, a URI the service refuses).
 * Each test first gets an allow cached, then sends a request that differs in one input the service refuses.
 */
describe('nginx segment authorization cache (real nginx, WTA_SEGMENT_AUTH=service)', { skip: found.missing ?? false }, () => {
  const nginxBin = found.programs?.nginx ?? '';
  let dir: string;
  let service: TestApp;
  let served: ServedTestApp;
  let wcs: FakeWcs;
  let nginx: ShippedNginx;
  let cert: string;
  const authCalls: string[] = [];

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'wta-auth-cache-'));
    for (const stream of STREAMS) {
      mkdirSync(join(dir, 'hls', stream), { recursive: true });
      writeFileSync(join(dir, 'hls', stream, `${stream}1.ts`), Buffer.from(`placeholder ${stream}1.ts`));
    }
    service = buildTestApp({ store: 'memory' });
    served = await serveTestApp(service, (req, res) => {
      if (req.url?.startsWith('/nginx/auth')) authCalls.push(String(req.headers['x-original-uri']));
      service.app(req, res);
    });
    wcs = new FakeWcs({ hlsDir: join(dir, 'hls') });
    await wcs.start();
    cert = writeTestCert(dir);
    nginx = await startShippedNginx(nginxBin, dir, 'service', {
      WTA_ADDRESS: served.url.slice('http://'.length),
      WCS_HLS_ADDRESS: `127.0.0.1:${wcs.port}`,
    });
  });

  after(async () => {
    for (const step of [() => nginx?.server.stop(), () => wcs?.stop(), () => served?.close()]) await Promise.resolve(step()).catch(() => {});
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  const get = (path: string, method = 'GET') => httpGet(nginx.url, { ca: cert, path, method });

  test('a token for one WCS application: an allow cached with its appKey does not serve another appKey, or none', async () => {
    const { token } = await issueToken(served.url, { streams: ['live'], appKeys: ['appA'] });
    assert.equal((await get(`/live/live1.ts?token=${token}&appKey=appA`)).status, 200);
    assert.equal((await get(`/live/live1.ts?token=${token}&appKey=appA`)).status, 200, 'same request: served from the cache');
    assert.equal((await get(`/live/live1.ts?token=${token}&appKey=appB`)).status, 403);
    assert.equal((await get(`/live/live1.ts?token=${token}`)).status, 403);
    assert.equal((await get(`/live/live1.ts?token=${token}&appKey=appA&appKey=appB`)).status, 403, 'appKey twice: the service reads none');
  });

  test('the same viewer fetching segments of one directory with one query string still uses the cache', async () => {
    const { token } = await issueToken(served.url, { streams: ['other'] });
    const before = authCalls.length;
    for (let i = 0; i < 3; i++) assert.equal((await get(`/other/other1.ts?token=${token}&sessionId=s1`)).status, 200);
    assert.equal(authCalls.length - before, 1, 'one auth call for three fetches');
  });

  test('an allow cached for GET does not let another method through (the service allows GET and HEAD only)', async () => {
    const { token } = await issueToken(served.url, { streams: ['live'] });
    assert.equal((await get(`/live/live1.ts?token=${token}`)).status, 200);
    assert.equal((await get(`/live/live1.ts?token=${token}`, 'POST')).status, 403);
  });

  test('an allow cached for a URI does not serve one the service refuses as too long', async () => {
    const { token } = await issueToken(served.url, { streams: ['live'] });
    assert.equal((await get(`/live/live1.ts?token=${token}`)).status, 200);
    const long = `/live/live1${'1'.repeat(4100)}.ts?token=${token}`;
    assert.equal((await get(long)).status, 403);
  });

  test('an allow cached for a directory does not serve a file name the service cannot read there', async () => {
    const { token } = await issueToken(served.url, { streams: ['live'] });
    assert.equal((await get(`/live/live1.ts?token=${token}`)).status, 200);
    for (const file of ['live%ZZ.ts', 'live%C3.ts', 'other1.ts']) {
      const status = (await get(`/live/${file}?token=${token}`)).status;
      assert.ok(status === 400 || status === 403, `${file}: ${status}`);
    }
    const dotted = await issueToken(served.url, { streams: ['live.t'] });
    // Allowed, and so cached; the fake WCS serves no directory with a dot (404), nor would it serve the next one.
    assert.equal((await get(`/live.t/live.t1.ts?token=${dotted.token}`)).status, 404);
    const status = (await get(`/live.t/live.ts?token=${dotted.token}`)).status;
    assert.ok(status === 400 || status === 403, `live.t/live.ts: ${status}`);
  });
});
