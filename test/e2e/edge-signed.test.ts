import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { freePort } from '../helpers/free-port.js';
import { issueToken, revokeToken } from '../helpers/hook-client.js';
import { buildTestApp, serveTestApp, type ServedTestApp, type TestApp } from '../helpers/test-app.js';
import { FakeWcs } from './fake-wcs.js';
import { startHlsSource, type HlsSource } from './hls-source.js';
import { playHls, playThenRevoke } from './hls-viewer.js';
import { httpGet } from './https-get.js';
import { writeAbrStream, writeLlHlsStream } from './ll-hls-files.js';
import { findE2ePrograms } from './programs.js';
import { startShippedNginx, writeTestCert, type ShippedNginx } from './shipped-nginx.js';
import { startTcpForwarder, type TcpForwarder } from './tcp-forwarder.js';

const found = findE2ePrograms();
const STREAM = 'live';
const LL_STREAM = 'llive';
const ABR_STREAM = 'abr';
const EDGE_SECRET = randomBytes(32).toString('base64url');
const MEDIA = /\.(?:ts|m4s|mp4|m4a|aac)(?:\?|$)/;

describe('nginx mode at CDN scale (real nginx, ffmpeg fMP4): edge-signed segments, LL-HLS, URL forms, hostile URIs', { skip: found.missing ?? false }, () => {
  const { ffmpeg, nginx: nginxBin } = found.programs ?? { ffmpeg: '', nginx: '' };
  let dir: string;
  let service: TestApp;
  let served: ServedTestApp;
  let source: HlsSource;
  /** WCS 5.2.1959+: copies the playlist's query string into segment URIs. */
  let wcs: FakeWcs;
  /** An older WCS: segment URIs without a query string. */
  let oldWcs: FakeWcs;
  let signedQuery: ShippedNginx;
  let signedRewrite: ShippedNginx;
  let serviceMode: ShippedNginx;
  let deadService: ShippedNginx;
  let elsewhere: TcpForwarder;
  let cert: string;
  /** Every X-Original-URI the service was asked about through NGINX_AUTH_PATH, in order. */
  const authCalls: string[] = [];
  /**
   * nginx checks a signature's expiry against the real clock, so the service's (manual) clock follows it, shifted by
   * this offset where a test needs signatures made in the past or the future.
   */
  let clockOffsetMs = 0;
  let clockFollower: NodeJS.Timeout | undefined;
  const withClockOffset = async <T>(offsetMs: number, run: () => Promise<T>): Promise<T> => {
    clockOffsetMs = offsetMs;
    service.clock.set(Date.now() + offsetMs);
    try {
      return await run();
    } finally {
      clockOffsetMs = 0;
      service.clock.set(Date.now());
    }
  };

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'wta-edge-'));
    service = buildTestApp({ store: 'memory', env: { EDGE_SIGNING_SECRET: EDGE_SECRET, EDGE_SIGNATURE_TTL_SECONDS: '30' } });
    service.clock.set(Date.now());
    clockFollower = setInterval(() => service.clock.set(Date.now() + clockOffsetMs), 100);
    served = await serveTestApp(service, (req, res) => {
      if (req.url?.startsWith('/nginx/auth')) authCalls.push(String(req.headers['x-original-uri']));
      service.app(req, res);
    });
    const serviceAddress = served.url.slice('http://'.length);

    source = await startHlsSource({ ffmpeg, dir: join(dir, 'hls'), stream: STREAM, minSegments: 3, maxSeconds: 150, segmentType: 'fmp4' });
    writeLlHlsStream(join(dir, 'hls'), LL_STREAM);
    writeAbrStream(join(dir, 'hls'), ABR_STREAM);
    wcs = new FakeWcs({ hlsDir: join(dir, 'hls'), blockingReloadMs: 1500 });
    oldWcs = new FakeWcs({ hlsDir: join(dir, 'hls'), copyQuery: false });
    await wcs.start();
    await oldWcs.start();

    cert = writeTestCert(dir);
    const signed = { WTA_SEGMENT_AUTH: 'signed', WTA_EDGE_SIGNING_SECRET: EDGE_SECRET, WTA_ADDRESS: serviceAddress };
    signedQuery = await startShippedNginx(nginxBin, dir, 'signed-query', { ...signed, WCS_HLS_ADDRESS: `127.0.0.1:${wcs.port}` });
    signedRewrite = await startShippedNginx(nginxBin, dir, 'signed-rewrite', {
      ...signed,
      WTA_EDGE_SIGNATURE_DELIVERY: 'rewrite',
      WCS_HLS_ADDRESS: `127.0.0.1:${oldWcs.port}`,
    });
    serviceMode = await startShippedNginx(nginxBin, dir, 'service', { WTA_ADDRESS: serviceAddress, WCS_HLS_ADDRESS: `127.0.0.1:${wcs.port}` });
    deadService = await startShippedNginx(nginxBin, dir, 'dead-service', {
      WTA_ADDRESS: `127.0.0.1:${await freePort()}`,
      WCS_HLS_ADDRESS: `127.0.0.1:${wcs.port}`,
    });
    elsewhere = await startTcpForwarder(signedQuery.port, '127.0.0.2');
  });

  after(async () => {
    clearInterval(clockFollower);
    const steps = [
      () => elsewhere?.stop(),
      () => signedQuery?.server.stop(),
      () => signedRewrite?.server.stop(),
      () => serviceMode?.server.stop(),
      () => deadService?.server.stop(),
      () => source?.stop(),
      () => wcs?.stop(),
      () => oldWcs?.stop(),
      () => served?.close(),
    ];
    for (const step of steps) await Promise.resolve(step()).catch(() => {});
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  const issue = (streams: string[]) => issueToken(served.url, { streams });
  const revoke = async (id: string) => assert.equal((await revokeToken(served.url, id)).status, 200);
  const segmentCalls = () => authCalls.filter((uri) => MEDIA.test(uri.split('?')[0] + '?')).length;
  const get = (url: string) => httpGet(url, { ca: cert });
  /** The URIs a playlist answer lists (media lines and URI="…" attributes), relative to the stream directory. */
  const listedUris = (playlist: string) =>
    playlist.split('\n').flatMap((line) => (line.startsWith('#') ? [...line.matchAll(/URI="([^"]+)"/g)].map((m) => m[1] ?? '') : line ? [line] : []));
  const signedMediaUrl = async (nginx: ShippedNginx, token: string): Promise<string> => {
    const playlist = await get(`${nginx.url}/${STREAM}/${STREAM}.m3u8?token=${token}`);
    assert.equal(playlist.status, 200);
    const uri = listedUris(playlist.body.toString('utf8')).find((entry) => entry.includes('.m4s?'));
    assert.ok(uri, 'the playlist lists fMP4 media segments with a query string');
    assert.match(uri, /wta_sig=/);
    return `${nginx.url}/${STREAM}/${uri}`;
  };

  for (const mode of ['query', 'rewrite'] as const) {
    test(`signed segments (${mode} delivery): ffmpeg plays fMP4 through nginx and no segment reaches the service`, async () => {
      const nginx = mode === 'query' ? signedQuery : signedRewrite;
      const origin = mode === 'query' ? wcs : oldWcs;
      const { token, id } = await issue([STREAM]);
      const segmentCallsBefore = segmentCalls();
      const originBefore = origin.requests.length;
      const result = await playHls(ffmpeg, `${nginx.url}/${STREAM}/${STREAM}.m3u8?token=${token}`, { maxFrames: 10, timeoutMs: 60_000 });
      assert.equal(result.exitCode, 0, result.stderr);
      assert.equal(result.frames, 10);
      assert.equal(segmentCalls(), segmentCallsBefore, 'zero service calls for segments');
      const fetched = origin.requests.slice(originBefore).filter((r) => MEDIA.test(`${r.path}?`));
      assert.ok(fetched.some((r) => r.path.endsWith('/init.mp4')), 'the fMP4 init segment passed');
      assert.ok(fetched.filter((r) => r.path.endsWith('.m4s')).length >= 2, 'media segments passed');
      assert.ok(fetched.every((r) => r.headers['x-auth-token-id'] === id), 'nginx passed the signed token id to WCS');
      assert.equal(service.logs.decisions().filter((line) => line.tokenId === id && line.resource === 'segment').length, 0);
    });
  }

  test('service segment mode: ffmpeg plays fMP4 and the segments are checked by the service', async () => {
    const { token } = await issue([STREAM]);
    const before = segmentCalls();
    const result = await playHls(ffmpeg, `${serviceMode.url}/${STREAM}/${STREAM}.m3u8?token=${token}`, { maxFrames: 10, timeoutMs: 60_000 });
    assert.equal(result.exitCode, 0, result.stderr);
    assert.ok(segmentCalls() > before, 'segments were authorized by the service');
  });

  test('signed mode refuses missing, tampered (every field), other-stream and other-address signatures, without a call', async () => {
    const { token } = await issue([STREAM]);
    const url = new URL(await signedMediaUrl(signedQuery, token));
    assert.equal((await get(url.href)).status, 200, 'the untouched signed URI passes');
    const callsBefore = authCalls.length;
    const withParam = (name: string, value: string | null) => {
      const changed = new URL(url.href);
      if (value === null) changed.searchParams.delete(name);
      else changed.searchParams.set(name, value);
      return changed.href;
    };
    const flip = (value: string) => (value[0] === 'A' ? 'B' : 'A') + value.slice(1);
    const params = url.searchParams;
    const cases: [string, string, number][] = [
      ['no signature', withParam('wta_sig', null), 401],
      ['no signature parameters at all', `${url.origin}${url.pathname}?token=${token}`, 401],
      ['a changed signature', withParam('wta_sig', flip(params.get('wta_sig') ?? '')), 403],
      ['a later expiry', withParam('wta_exp', String(Number(params.get('wta_exp')) + 3600)), 403],
      ['no expiry', withParam('wta_exp', null), 403],
      ['another token id', withParam('wta_tid', 'someone-else'), 403],
      ['a token id with a separator', withParam('wta_tid', `${params.get('wta_tid')}|x`), 403],
      ['the address binding switched off', withParam('wta_ip', '0'), 403],
      ['another stream directory', url.href.replace(`/${STREAM}/`, '/other/').replace(/\/other\/live/, '/other/other'), 403],
      ['an ABR variant directory of the same stream', url.href.replace(`/${STREAM}/${STREAM}`, `/${STREAM}-720p/${STREAM}-720p`), 403],
    ];
    for (const [name, target, status] of cases) assert.equal((await get(target)).status, status, name);
    assert.equal((await get(url.href.replace(signedQuery.url, `https://127.0.0.1:${elsewhere.port}`))).status, 403, 'another viewer address');
    assert.equal(authCalls.length, callsBefore, 'nginx decided all of these without calling the service');
  });

  test('signed mode: a new signature for the same segment is served from the segment cache (the signature is not in its key)', async () => {
    const { token } = await issue([STREAM]);
    const first = await signedMediaUrl(signedQuery, token);
    const second = await withClockOffset(5_000, () => signedMediaUrl(signedQuery, token));
    const path = new URL(first).pathname;
    const sameSegment = second.replace(/\/[^/?]+\?/, `${path.slice(path.lastIndexOf('/'))}?`);
    assert.notEqual(new URL(first).searchParams.get('wta_sig'), new URL(sameSegment).searchParams.get('wta_sig'));
    const fetches = () => wcs.requests.filter((r) => r.path === path).length;
    assert.equal((await get(first)).status, 200);
    const before = fetches();
    assert.equal((await get(sameSegment)).status, 200);
    assert.equal(fetches(), before, 'the second signature was served from the cache');
  });

  test('a signature never outlives its TTL: one issued 60 s ago (TTL 30 s) is refused as expired', async () => {
    const { token } = await issue([STREAM]);
    const url = await withClockOffset(-60_000, () => signedMediaUrl(signedQuery, token));
    assert.ok(Number(new URL(url).searchParams.get('wta_exp')) < Date.now() / 1000);
    assert.equal((await get(url)).status, 403);
  });

  test("another stream's signature does not open this stream's segments", async () => {
    const { token: otherToken } = await issue([LL_STREAM]);
    const playlist = await get(`${signedQuery.url}/${LL_STREAM}/${LL_STREAM}.m3u8?token=${otherToken}`);
    assert.equal(playlist.status, 200);
    const signature = listedUris(playlist.body.toString('utf8')).find((uri) => uri.includes('wta_sig='))?.split('?')[1];
    assert.ok(signature);
    const segment = source.segments().at(-1);
    assert.equal((await get(`${signedQuery.url}/${STREAM}/${segment}?${signature}`)).status, 403);
  });

  test('revoking the token stops a viewer of signed segments at its next playlist fetch', async () => {
    const { token, id } = await issue([STREAM]);
    await playThenRevoke(ffmpeg, `${signedQuery.url}/${STREAM}/${STREAM}.m3u8?token=${token}`, () => revoke(id));
    assert.ok(service.logs.decisions().some((line) => line.tokenId === id && line.resource === 'playlist' && line.reason === 'revoked'));
  });

  test('LL-HLS: a blocking reload (_HLS_msn, _HLS_part) is a session check held by WCS; parts and init pass in both modes', async () => {
    const { token, id } = await issue([LL_STREAM]);
    for (const nginx of [signedQuery, serviceMode]) {
      const started = Date.now();
      const reload = await get(`${nginx.url}/${LL_STREAM}/${LL_STREAM}.m3u8?token=${token}&_HLS_msn=4&_HLS_part=1`);
      assert.equal(reload.status, 200);
      assert.ok(Date.now() - started >= 1400, 'nginx waited for the held answer');
      const uris = listedUris(reload.body.toString('utf8'));
      assert.ok(uris.some((uri) => uri.startsWith('init.mp4?')));
      assert.ok(uris.some((uri) => /\.part\d+\.m4s\?/.test(uri)), 'partial segments are listed');
      for (const uri of uris) assert.equal((await get(`${nginx.url}/${LL_STREAM}/${uri}`)).status, 200, uri);
    }
    const playlistChecks = service.logs.decisions().filter((line) => line.tokenId === id && line.resource === 'playlist' && line.allow);
    assert.equal(playlistChecks.length, 2, 'each blocking reload was a session check');
  });

  test('ABR: the master and each variant playlist are session checks, variant segments pass, in every mode', async () => {
    const { token, id } = await issue([ABR_STREAM]);
    const { token: other } = await issue([STREAM]);
    for (const nginx of [serviceMode, signedQuery, signedRewrite]) {
      const before = service.logs.decisions().filter((line) => line.tokenId === id && line.resource === 'playlist').length;
      const master = await get(`${nginx.url}/${ABR_STREAM}/${ABR_STREAM}.m3u8?token=${token}`);
      assert.equal(master.status, 200);
      const variants = listedUris(master.body.toString('utf8'));
      assert.equal(variants.length, 2);
      for (const variant of variants) {
        assert.match(variant, /[?&]token=/, 'the variant URI carries the token (copied by WCS, or written by nginx)');
        const playlist = await get(`${nginx.url}/${ABR_STREAM}/${variant}`);
        assert.equal(playlist.status, 200, variant);
        const segment = listedUris(playlist.body.toString('utf8'))[0];
        const variantDir = variant.split('?')[0]?.split('/')[0];
        assert.equal((await get(`${nginx.url}/${ABR_STREAM}/${variantDir}/${segment}`)).status, 200, `${variantDir}/${segment}`);
        const withOtherToken = variant.replace(/token=[^&]+/, `token=${other}`);
        assert.equal((await get(`${nginx.url}/${ABR_STREAM}/${withOtherToken}`)).status, 403, "another stream's token");
      }
      const checks = service.logs.decisions().filter((line) => line.tokenId === id && line.resource === 'playlist' && line.allow);
      assert.equal(checks.length - before, 3, 'master + two variants, each a session check');
    }
  });

  test('URL forms: the stream at the root plays; a directory and a file name that disagree are refused', async () => {
    const { token } = await issue([STREAM]);
    const root = await get(`${serviceMode.url}/${STREAM}.m3u8?token=${token}`);
    assert.equal(root.status, 200);
    const media = listedUris(root.body.toString('utf8')).find((uri) => uri.endsWith('.m4s') || uri.includes('.m4s?'));
    assert.ok(media?.startsWith(`${STREAM}/`));
    assert.equal((await get(`${serviceMode.url}/${media}`)).status, 200);
    const result = await playHls(ffmpeg, `${signedQuery.url}/${STREAM}.m3u8?token=${token}`, { maxFrames: 5, timeoutMs: 60_000 });
    assert.equal(result.frames, 5, result.stderr);

    const { token: mine } = await issue(['mine']);
    const segment = source.segments().at(-1) ?? '';
    for (const path of [`/mine/${STREAM}/${STREAM}.m3u8`, `/mine/${STREAM}.m3u8`, `/mine/${STREAM}/${segment}`, `/mine-720p/${STREAM}.m3u8`]) {
      const response = await get(`${serviceMode.url}${path}?token=${mine}`);
      assert.equal(response.status, 403, path);
      assert.equal(service.logs.decisions().at(-1)?.reason, 'unrecognized_uri', path);
    }
    // A media file named after another stream than its directory is refused by nginx itself.
    assert.equal((await get(`${serviceMode.url}/mine/${segment}?token=${mine}`)).status, 400);
    assert.equal((await get(`${serviceMode.url}/${STREAM}/${STREAM}.m3u8?token=${mine}`)).status, 403);
    assert.equal((await get(`${serviceMode.url}/${STREAM}/${STREAM}.mp3?token=${token}`)).status, 404, 'unknown extensions stay refused');
  });

  test('hostile URIs are refused by nginx (400) before the cache and the service: dot segments, encoded separators, encoded or repeated token names', async () => {
    const { token } = await issue([STREAM]);
    const segment = source.segments().at(-1) ?? '';
    assert.equal((await get(`${serviceMode.url}/${STREAM}/${segment}?token=${token}`)).status, 200, 'an allowed (and now cached) segment check');
    const callsBefore = authCalls.length;
    const wcsBefore = wcs.requests.length;
    const hostile = [
      `/${STREAM}/../secret/seg1.ts?token=${token}`,
      `/${STREAM}/%2e%2e/secret/seg1.ts?token=${token}`,
      `/${STREAM}/%2E%2e/secret/seg1.ts?token=${token}`,
      `/${STREAM}/..%2fsecret/seg1.ts?token=${token}`,
      `/${STREAM}/.%2e/secret/seg1.ts?token=${token}`,
      `/${STREAM}/./${segment}?token=${token}`,
      `/${STREAM}//${segment}?token=${token}`,
      `/${STREAM}/${segment}?%74oken=${token}`,
      `/${STREAM}/${segment}?x=1&t%6Fken=${token}`,
      `/${STREAM}/${segment}?token=${token}&token=${token}`,
      `/${STREAM}/${segment}?token=${token}&TOKEN=other`,
      `/${STREAM}/${STREAM}.m3u8?token=a&Token=${token}`,
      `/${STREAM}/${segment.replace(STREAM, 'other')}?token=${token}`,
      `/${STREAM}/${segment.replace(STREAM, STREAM.toUpperCase())}?token=${token}`,
    ];
    for (const path of hostile) {
      // Sent byte for byte: a URL parser would resolve the dot segments before they left the client.
      const response = await httpGet(`${serviceMode.url}/`, { ca: cert, path });
      assert.equal(response.status, 400, path);
    }
    assert.equal(authCalls.length, callsBefore, 'the service was not asked');
    assert.equal(wcs.requests.length, wcsBefore, 'WCS was not asked');
    // Agreeing names in another directory are not served from the allow cached for /live/: the service refuses.
    assert.equal((await get(`${serviceMode.url}/${STREAM}/other/${segment.replace(STREAM, 'other')}?token=${token}`)).status, 403);
    assert.equal(service.logs.decisions().at(-1)?.reason, 'unrecognized_uri');
    assert.equal((await get(`${serviceMode.url}/${STREAM}/${segment}`)).status, 401, 'a token-less segment is still refused');
  });

  test('the nginx error log holds no token, even when the service cannot be reached', async () => {
    const secret = `wta_${randomBytes(24).toString('base64url')}`;
    const response = await get(`${deadService.url}/${STREAM}/${STREAM}.m3u8?token=${secret}`);
    assert.equal(response.status, 500);
    await new Promise((resolve) => setTimeout(resolve, 200));
    const log = deadService.server.errorLog() + signedQuery.server.errorLog() + serviceMode.server.errorLog();
    assert.doesNotMatch(log, new RegExp(secret));
    assert.doesNotMatch(log, /token=/);
    await deadService.server.accessLogWith((line) => / 500 .*upstream=/.test(line)); // the failure shows in the access log
  });
});
