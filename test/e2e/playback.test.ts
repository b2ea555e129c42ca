import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { startTestRedis, type TestRedis } from '../helpers/redis-server.js';
import { issueToken, revokeToken } from '../helpers/hook-client.js';
import { ADMIN_KEY, buildTestApp, serveTestApp, type ServedTestApp, type TestApp } from '../helpers/test-app.js';
import { FakeWcs } from './fake-wcs.js';
import { startHlsSource, type HlsSource } from './hls-source.js';
import { playHls, playThenRevoke, type ViewerResult } from './hls-viewer.js';
import { httpGet } from './https-get.js';
import { type NginxServer } from './nginx-server.js';
import { findE2ePrograms } from './programs.js';
import { startShippedNginx, writeTestCert } from './shipped-nginx.js';
import { startTcpForwarder, type TcpForwarder } from './tcp-forwarder.js';

const found = findE2ePrograms();
const STREAM = 'live';
const SIGNING_SECRET = 'e2e-wcs-signing-secret';
const JWT_SECRET = randomBytes(32).toString('base64url');

describe('HLS playback end to end: ffmpeg viewer → nginx (shipped config) → auth_request → service → WCS stand-in', { skip: found.missing ?? false }, () => {
  const { ffmpeg, nginx: nginxBin } = found.programs ?? { ffmpeg: '', nginx: '' };
  let dir: string;
  let redis: TestRedis;
  let service: TestApp;
  let served: ServedTestApp;
  let source: HlsSource;
  let wcsBehindNginx: FakeWcs;
  let wcsWithHook: FakeWcs;
  let nginx: NginxServer;
  let secondViewerPath: TcpForwarder;
  let cert: string;
  let nginxUrl: string;
  /** nginx reached from another address (127.0.0.2): a second viewer. */
  let nginxUrlFromElsewhere: string;
  let serviceUrl: string;

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'wta-e2e-'));
    redis = await startTestRedis();
    service = buildTestApp({
      store: 'redis',
      redis,
      env: { WCS_SIGNING_SECRET: SIGNING_SECRET, JWT_SIGNING_KEYS: 'e2e:HS256=env:E2E_JWT_SECRET', E2E_JWT_SECRET: JWT_SECRET },
    });
    served = await serveTestApp(service);
    serviceUrl = served.url;

    source = await startHlsSource({ ffmpeg, dir: join(dir, 'hls'), stream: STREAM, minSegments: 3, maxSeconds: 120 });
    // nginx mode: WCS itself checks nothing (hls_auth_enabled=false), nginx asks the service.
    wcsBehindNginx = new FakeWcs({ hlsDir: join(dir, 'hls') });
    // WCS hook mode: viewers talk to WCS directly and WCS calls the service's playHLS hook, signed.
    wcsWithHook = new FakeWcs({ hlsDir: join(dir, 'hls'), hookUrl: `${serviceUrl}/wcs`, signingSecret: SIGNING_SECRET });
    await wcsBehindNginx.start();
    await wcsWithHook.start();

    cert = writeTestCert(dir);
    const shipped = await startShippedNginx(nginxBin, dir, 'nginx', {
      WCS_HLS_ADDRESS: `127.0.0.1:${wcsBehindNginx.port}`,
      WTA_ADDRESS: serviceUrl.slice('http://'.length),
    });
    nginx = shipped.server;
    nginxUrl = shipped.url;
    secondViewerPath = await startTcpForwarder(shipped.port, '127.0.0.2');
    nginxUrlFromElsewhere = `https://127.0.0.1:${secondViewerPath.port}`;
  });

  after(async () => {
    const steps = [
      () => secondViewerPath?.stop(),
      () => nginx?.stop(),
      () => source?.stop(),
      () => wcsBehindNginx?.stop(),
      () => wcsWithHook?.stop(),
      () => served?.close(),
      () => redis?.stop(),
    ];
    for (const step of steps) await Promise.resolve(step()).catch(() => {});
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  const issue = (body: Record<string, unknown>) => issueToken(serviceUrl, body);
  const revoke = async (id: string) => assert.equal((await revokeToken(serviceUrl, id)).status, 200);
  const playlistUrl = (base: string, token?: string) => `${base}/${STREAM}/${STREAM}.m3u8${token === undefined ? '' : `?token=${token}`}`;
  const decisionsFor = (filter: Record<string, unknown>) =>
    service.logs.decisions().filter((line) => Object.entries(filter).every(([key, value]) => line[key] === value));
  const assertDecodedNothing = (result: ViewerResult, status: number) => {
    assert.equal(result.frames, 0, 'no frame may be decoded');
    assert.notEqual(result.exitCode, 0);
    assert.match(result.stderr, new RegExp(String(status)));
  };

  test('with a valid token, ffmpeg reads the playlist and segments through nginx and decodes frames', async () => {
    const { token, id } = await issue({ streams: [STREAM] });
    const result = await playHls(ffmpeg, playlistUrl(nginxUrl, token), { maxFrames: 5, timeoutMs: 60_000 });
    assert.equal(result.exitCode, 0, result.stderr);
    assert.equal(result.frames, 5);
    assert.ok(decisionsFor({ method: 'nginx', tokenId: id, resource: 'playlist', allow: true }).length >= 1);
    assert.ok(decisionsFor({ method: 'nginx', tokenId: id, resource: 'segment', allow: true }).length >= 1);
    assert.ok(wcsBehindNginx.requests.some((r) => r.path.endsWith('.ts') && r.headers['x-auth-token-id'] === id));
  });

  const refusals: { name: string; status: 401 | 403; reason: string; token: () => Promise<string | undefined> }[] = [
    { name: 'no token', status: 401, reason: 'missing_token', token: async () => undefined },
    { name: 'a wrong token', status: 403, reason: 'unknown_token', token: async () => `wta_${randomBytes(32).toString('base64url')}` },
    { name: 'a token of another stream', status: 403, reason: 'stream_not_allowed', token: async () => (await issue({ streams: ['other'] })).token },
    {
      name: 'a revoked token',
      status: 403,
      reason: 'revoked',
      token: async () => {
        const issued = await issue({ streams: [STREAM] });
        await revoke(issued.id);
        return issued.token;
      },
    },
    {
      name: 'an expired token',
      status: 403,
      reason: 'expired',
      token: async () => {
        const issued = await issue({ streams: [STREAM], ttlSeconds: 60 });
        service.clock.advance(61_000);
        return issued.token;
      },
    },
  ];
  for (const refusal of refusals) {
    test(`with ${refusal.name}, nginx answers ${refusal.status}, ffmpeg decodes nothing, and the decision says ${refusal.reason}`, async () => {
      const token = await refusal.token();
      const before = decisionsFor({ method: 'nginx', reason: refusal.reason }).length;
      const direct = await httpGet(playlistUrl(nginxUrl, token), { ca: cert });
      assert.equal(direct.status, refusal.status);
      assert.doesNotMatch(direct.body.toString('utf8'), /EXTM3U/);
      const result = await playHls(ffmpeg, playlistUrl(nginxUrl, token), { maxFrames: 5, timeoutMs: 60_000 });
      assertDecodedNothing(result, refusal.status);
      assert.ok(decisionsFor({ method: 'nginx', reason: refusal.reason }).length >= before + 2);
    });
  }

  test('segments are authorized too: 401 without a token, 403 with another stream\'s token, MPEG-TS with the right one', async () => {
    const { token } = await issue({ streams: [STREAM] });
    const { token: otherToken } = await issue({ streams: ['other'] });
    const segment = source.segments().at(-1);
    assert.ok(segment);
    const segmentUrl = `${nginxUrl}/${STREAM}/${segment}`;
    assert.equal((await httpGet(segmentUrl, { ca: cert })).status, 401);
    assert.equal((await httpGet(`${segmentUrl}?token=${otherToken}`, { ca: cert })).status, 403);
    const ok = await httpGet(`${segmentUrl}?token=${token}`, { ca: cert });
    assert.equal(ok.status, 200);
    assert.equal(ok.body[0], 0x47, 'an MPEG-TS packet starts with the sync byte 0x47');
  });

  test('playlist checks always reach the service; segment checks are cached per token, stream and viewer', async () => {
    const { token, id } = await issue({ streams: [STREAM] });
    for (let i = 0; i < 2; i++) assert.equal((await httpGet(playlistUrl(nginxUrl, token), { ca: cert })).status, 200);
    assert.equal(decisionsFor({ tokenId: id, resource: 'playlist' }).length, 2);
    const segments = source.segments().slice(-2);
    assert.equal(segments.length, 2);
    for (const segment of segments) {
      assert.equal((await httpGet(`${nginxUrl}/${STREAM}/${segment}?token=${token}&sessionId=s1`, { ca: cert })).status, 200);
    }
    assert.equal(decisionsFor({ tokenId: id, resource: 'segment' }).length, 1, 'the second segment used the cached authorization');
  });

  test('playlists are never cached (expires -1); segments are cached with the query string in the key', async () => {
    const { token } = await issue({ streams: [STREAM] });
    const playlist = await httpGet(playlistUrl(nginxUrl, token), { ca: cert });
    assert.equal(playlist.headers['cache-control'], 'no-cache');
    const segment = source.segments().at(-1);
    const path = `/${STREAM}/${segment}`;
    const fetchesBefore = wcsBehindNginx.requests.filter((r) => r.path === path).length;
    for (let i = 0; i < 2; i++) assert.equal((await httpGet(`${nginxUrl}${path}?token=${token}`, { ca: cert })).status, 200);
    assert.equal(wcsBehindNginx.requests.filter((r) => r.path === path).length, fetchesBefore + 1, 'the second fetch came from the cache');
    assert.equal((await httpGet(`${nginxUrl}${path}?token=${token}&x=1`, { ca: cert })).status, 200);
    assert.equal(wcsBehindNginx.requests.filter((r) => r.path === path).length, fetchesBefore + 2, 'another query string is another key');
  });

  test('a token revoked while a viewer is playing stops the viewer at its next playlist fetch', async () => {
    const { token, id } = await issue({ streams: [STREAM] });
    await playThenRevoke(ffmpeg, playlistUrl(nginxUrl, token), () => revoke(id));
    assert.ok(decisionsFor({ method: 'nginx', tokenId: id, resource: 'playlist', reason: 'revoked' }).length >= 1);
  });

  /** The first viewer plays (and plays again: same session); a viewer at another address is refused with `reason`. */
  const assertOneViewerSessionOnly = async (token: string, tokenId: string, reason: string) => {
    const first = await playHls(ffmpeg, playlistUrl(nginxUrl, token), { maxFrames: 5, timeoutMs: 60_000 });
    assert.equal(first.frames, 5, first.stderr);
    const again = await playHls(ffmpeg, playlistUrl(nginxUrl, token), { maxFrames: 5, timeoutMs: 60_000 });
    assert.equal(again.frames, 5, `the same viewer's session goes on: ${again.stderr}`);

    const direct = await httpGet(playlistUrl(nginxUrlFromElsewhere, token), { ca: cert });
    assert.equal(direct.status, 403);
    const other = await playHls(ffmpeg, playlistUrl(nginxUrlFromElsewhere, token), { maxFrames: 5, timeoutMs: 60_000 });
    assertDecodedNothing(other, 403);
    const refused = decisionsFor({ method: 'nginx', tokenId, allow: false });
    assert.ok(refused.length >= 2, 'both the direct request and the second viewer were refused');
    const shown = JSON.stringify(refused.map((line) => ({ clientIp: line.clientIp, reason: line.reason, resource: line.resource })));
    assert.ok(refused.every((line) => line.clientIp === '127.0.0.2'), `only the second viewer was refused: ${shown}`);
    // On a loaded machine one of those refusals may come from the store timeout instead; the limit must show too.
    assert.ok(refused.some((line) => line.reason === reason), `the second viewer was refused for ${reason}: ${shown}`);
    assert.ok(decisionsFor({ method: 'nginx', tokenId, allow: true, resource: 'segment' }).length >= 1, "the first viewer's segments passed");
  };

  test('a one-time JWT (once: true) lets exactly one viewer session in: its playlist reloads and segments pass, a second viewer is refused', async () => {
    const response = await fetch(`${serviceUrl}/v1/tokens`, {
      method: 'POST',
      headers: { Authorization: `Bearer ${ADMIN_KEY}`, 'Content-Type': 'application/json' },
      body: JSON.stringify({ type: 'jwt', streams: [STREAM], once: true }),
    });
    assert.equal(response.status, 201);
    const { token, jti } = (await response.json()) as { token: string; jti: string };
    await assertOneViewerSessionOnly(token, jti, 'already_used');
  });

  test('a one-time opaque token (maxUses: 1) lets exactly one viewer session in', async (t) => {
    const response = await fetch(`${serviceUrl}/v1/tokens`, {
      method: 'POST',
      headers: { Authorization: `Bearer ${ADMIN_KEY}`, 'Content-Type': 'application/json' },
      body: JSON.stringify({ streams: [STREAM], maxUses: 1 }),
    });
    const body = (await response.json()) as { token: string; record: { id: string } };
    if (response.status === 400 && JSON.stringify(body).includes('maxUses')) {
      // Written ahead of the opaque-token policies (issue 4, not merged yet); runs once the model has maxUses.
      t.skip('maxUses is not part of the opaque token model on this branch yet');
      return;
    }
    assert.equal(response.status, 201);
    await assertOneViewerSessionOnly(body.token, body.record.id, 'use_limit_reached');
  });

  test('CORS: a preflight is answered without a token, refusals carry Access-Control-Allow-Origin, WCS\'s own is not doubled', async () => {
    const preflight = await httpGet(playlistUrl(nginxUrl), { ca: cert, method: 'OPTIONS', headers: { Origin: 'https://player.example' } });
    assert.equal(preflight.status, 204);
    assert.equal(preflight.headers['access-control-allow-origin'], '*');
    const refused = await httpGet(playlistUrl(nginxUrl), { ca: cert, headers: { Origin: 'https://player.example' } });
    assert.equal(refused.status, 401);
    assert.equal(refused.headers['access-control-allow-origin'], '*');
    const { token } = await issue({ streams: [STREAM] });
    const allowed = await httpGet(playlistUrl(nginxUrl, token), { ca: cert, headers: { Origin: 'https://player.example' } });
    assert.equal(allowed.status, 200);
    assert.equal(allowed.headers['access-control-allow-origin'], '*', 'one header, not "*, *"');
  });

  test('nginx passes the X-Forwarded-* headers and the accepted token id to WCS, and logs the token id but never the token', async () => {
    const { token, id } = await issue({ streams: [STREAM] });
    assert.equal((await httpGet(playlistUrl(nginxUrl, token), { ca: cert })).status, 200);
    const seen = wcsBehindNginx.requests.filter((r) => r.headers['x-auth-token-id'] === id);
    assert.equal(seen.length, 1);
    assert.equal(seen[0]?.headers['x-forwarded-proto'], 'https');
    assert.equal(seen[0]?.headers['x-forwarded-for'], '127.0.0.1');
    assert.match(String(seen[0]?.headers['x-forwarded-host']), /^127\.0\.0\.1:\d+$/);
    const log = await nginx.accessLogWith((line) => line.includes(`token_id=${id}`));
    assert.ok(!log.some((line) => line.includes('token=') || line.includes('wta_')), 'no token in the access log');
  });

  test('WCS hook mode: through the WCS stand-in a valid token plays, after a pretty-printed, signed playHLS call', async () => {
    const { token, id } = await issue({ streams: [STREAM] });
    const result = await playHls(ffmpeg, playlistUrl(wcsWithHook.url, token), { maxFrames: 5, timeoutMs: 60_000 });
    assert.equal(result.exitCode, 0, result.stderr);
    assert.equal(result.frames, 5);
    const call = wcsWithHook.hookCalls.at(-1);
    assert.equal(call?.status, 200);
    assert.match(call?.rawBody ?? '', /\n {2}"custom": \{\n/);
    assert.match(call?.authorization ?? '', /^WCS [0-9a-f]{32}$/);
    assert.ok(decisionsFor({ method: 'playHLS', tokenId: id, allow: true }).length >= 1);
  });

  const hookRefusals: { name: string; reason: string; token: () => Promise<string | undefined> }[] = [
    { name: 'no token', reason: 'missing_token', token: async () => undefined },
    { name: 'a token of another stream', reason: 'stream_not_allowed', token: async () => (await issue({ streams: ['other'] })).token },
    {
      name: 'a revoked token',
      reason: 'revoked',
      token: async () => {
        const issued = await issue({ streams: [STREAM] });
        await revoke(issued.id);
        return issued.token;
      },
    },
  ];
  for (const refusal of hookRefusals) {
    test(`WCS hook mode: with ${refusal.name} the hook answers 403, WCS gives the viewer 401, ffmpeg decodes nothing`, async () => {
      const token = await refusal.token();
      const result = await playHls(ffmpeg, playlistUrl(wcsWithHook.url, token), { maxFrames: 5, timeoutMs: 60_000 });
      assertDecodedNothing(result, 401);
      assert.equal(wcsWithHook.hookCalls.at(-1)?.status, 403);
      assert.equal(decisionsFor({ method: 'playHLS' }).at(-1)?.reason, refusal.reason);
    });
  }

  test('WCS hook mode: a hook request signed with the wrong secret is refused (bad_signature), the viewer gets 401', async () => {
    const { token } = await issue({ streams: [STREAM] });
    wcsWithHook.signingSecret = 'not-the-configured-secret';
    try {
      const response = await httpGet(playlistUrl(wcsWithHook.url, token));
      assert.equal(response.status, 401);
      assert.equal(decisionsFor({ method: 'playHLS' }).at(-1)?.reason, 'bad_signature');
    } finally {
      wcsWithHook.signingSecret = SIGNING_SECRET;
    }
  });

  test('nginx logged no error through all of the above (no failed auth subrequest, no upstream error)', () => {
    assert.equal(nginx.errorLog().trim(), '');
  });
});
