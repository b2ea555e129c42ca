import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { startPlayerServer } from '../../examples/player/server.mjs';
import { issueToken } from '../helpers/hook-client.js';
import { ADMIN_KEY, buildTestApp, serveTestApp, type ServedTestApp, type TestApp } from '../helpers/test-app.js';
import { FakeWcs } from './fake-wcs.js';
import { startHlsSource, type HlsSource } from './hls-source.js';
import { httpGet } from './https-get.js';
import { type NginxServer } from './nginx-server.js';
import { findE2ePrograms } from './programs.js';
import { startShippedNginx, writeTestCert } from './shipped-nginx.js';

const CHROMIUM = ['/usr/bin/chromium', '/usr/bin/chromium-browser'].find((path) => existsSync(path));
const found = findE2ePrograms();
const skip = found.missing ?? (CHROMIUM ? false : 'chromium not found (apt-get install chromium; scripts/install-system-deps.sh)');
const STREAM = 'live';
/** Where the measured revocation delay is written, for README's "Web players" figure. */
const MEASUREMENT_FILE = process.env.PLAYER_MEASUREMENT_FILE;

interface PlayerState {
  mode: string | null;
  fatal: { details: string; code: number | null } | null;
  playing: boolean;
  currentTime: number;
  events: { at: number; type: string; details?: string; code?: number | null }[];
}

describe('the player example (examples/player, hls.js) in headless Chromium through the shipped nginx config', { skip, timeout: 90_000 }, () => {
  const { ffmpeg, nginx: nginxBin } = found.programs ?? { ffmpeg: '', nginx: '' };
  let dir: string;
  let service: TestApp;
  let served: ServedTestApp;
  let serviceUrl: string;
  let source: HlsSource;
  let wcs: FakeWcs;
  let nginx: NginxServer;
  let nginxUrl: string;
  let player: { origin: string; close(): Promise<void> };
  let browser: BrowserContext;
  let cert: string;

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'wta-player-'));
    service = buildTestApp({ store: 'memory' });
    served = await serveTestApp(service);
    serviceUrl = served.url;
    source = await startHlsSource({ ffmpeg, dir: join(dir, 'hls'), stream: STREAM, minSegments: 3, maxSeconds: 150 });
    wcs = new FakeWcs({ hlsDir: join(dir, 'hls') });
    await wcs.start();
    // The page's own origin: another port than nginx, so every request to nginx is cross-origin.
    player = await startPlayerServer({ port: 0 });
    cert = writeTestCert(dir);
    const shipped = await startShippedNginx(nginxBin, dir, 'nginx', {
      WCS_HLS_ADDRESS: `127.0.0.1:${wcs.port}`,
      WTA_ADDRESS: serviceUrl.slice('http://'.length),
      CORS_ALLOW_ORIGIN: player.origin,
    });
    nginx = shipped.server;
    nginxUrl = shipped.url;
    browser = await chromium.launchPersistentContext(join(dir, 'chromium-profile'), {
      executablePath: CHROMIUM,
      headless: true,
      args: [
        '--no-sandbox',
        '--disable-gpu',
        '--disable-quic',
        '--no-first-run',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
        // Muted video may play without a user gesture; this makes it so for any page of this test.
        '--autoplay-policy=no-user-gesture-required',
      ],
      // nginx's certificate is the self-signed one of gen-self-signed-cert.sh.
      ignoreHTTPSErrors: true,
    });
  });

  after(async () => {
    const steps = [
      () => browser?.close(),
      () => nginx?.stop(),
      () => player?.close(),
      () => source?.stop(),
      () => wcs?.stop(),
      () => served?.close(),
    ];
    for (const step of steps) await Promise.resolve(step()).catch(() => {});
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  const issue = (body: Record<string, unknown>) => issueToken(serviceUrl, body);
  const playlist = () => `${nginxUrl}/${STREAM}/${STREAM}.m3u8`;
  const open = async (token: string, mode: 'query' | 'xhr'): Promise<Page> => {
    const page = await browser.newPage();
    const query = new URLSearchParams({ src: playlist(), token, mode });
    await page.goto(`${player.origin}/?${query.toString()}`);
    return page;
  };
  const state = (page: Page) => page.evaluate(() => (globalThis as unknown as { playerState: PlayerState }).playerState);
  const waitFor = async (page: Page, condition: string, what: string, timeoutMs = 30_000) => {
    try {
      await page.waitForFunction(condition, undefined, { timeout: timeoutMs, polling: 100 });
    } catch {
      assert.fail(`${what}: ${JSON.stringify(await state(page))}`);
    }
  };
  const PLAYED_2S = 'window.playerState.currentTime > 2';
  const FATAL = 'window.playerState.fatal !== null';

  it('plays with a valid token: the video time advances', async () => {
    const { token, id } = await issue({ streams: [STREAM] });
    const page = await open(token, 'query');
    try {
      await waitFor(page, PLAYED_2S, 'the video plays');
      const before = (await state(page)).currentTime;
      await waitFor(page, `window.playerState.currentTime > ${before + 1}`, 'the video keeps playing');
      assert.equal((await state(page)).fatal, null);
      const decisions = service.logs.decisions().filter((line) => line.tokenId === id && line.allow === true);
      assert.ok(decisions.some((line) => line.resource === 'playlist') && decisions.some((line) => line.resource === 'segment'));
    } finally {
      await page.close();
    }
  });

  for (const [name, token, code] of [
    ['a wrong token', `wta_${'x'.repeat(43)}`, 403],
    ['no token', '', 401],
  ] as const) {
    it(`fails with ${name}: the player sees a fatal ${code}, and the refusal carries CORS headers`, async () => {
      const page = await open(token, 'query');
      try {
        await waitFor(page, FATAL, 'the player gives up');
        const { fatal, playing } = await state(page);
        // Without CORS headers on the refusal the browser would hide the status: the player would see 0.
        assert.deepEqual(fatal, { details: 'manifestLoadError', code });
        assert.equal(playing, false);
      } finally {
        await page.close();
      }
      const direct = await httpGet(`${playlist()}${token ? `?token=${token}` : ''}`, { ca: cert, headers: { Origin: player.origin } });
      assert.equal(direct.status, code);
      assert.equal(direct.headers['access-control-allow-origin'], player.origin);
    });
  }

  it('stops after a revocation, and records how long after it playback stopped', async (t) => {
    const { token, id } = await issue({ streams: [STREAM] });
    const page = await open(token, 'query');
    try {
      await waitFor(page, PLAYED_2S, 'the video plays before the revocation');
      const response = await fetch(`${serviceUrl}/v1/tokens/${id}`, { method: 'DELETE', headers: { Authorization: `Bearer ${ADMIN_KEY}` } });
      assert.equal(response.status, 200);
      const revokedAt = Date.now();
      // Sampled from here; bounded by count (45 s at most), not by the player's own timers.
      let last = (await state(page)).currentTime;
      let lastAdvanceAt = revokedAt;
      let fatalAt: number | undefined;
      for (let i = 0; i < 180; i++) {
        await new Promise((resolve) => setTimeout(resolve, 250));
        const now = await state(page);
        if (now.currentTime > last + 0.01) lastAdvanceAt = Date.now();
        last = now.currentTime;
        if (now.fatal && fatalAt === undefined) fatalAt = Date.now();
        if (fatalAt !== undefined && Date.now() - lastAdvanceAt > 3000) break;
      }
      const final = await state(page);
      assert.equal(final.fatal?.code, 403, `refused at a playlist reload: ${JSON.stringify(final)}`);
      assert.ok(Date.now() - lastAdvanceAt > 3000, 'the video time no longer advances');
      const stoppedAfterSeconds = (lastAdvanceAt - revokedAt) / 1000;
      const refusedAfterSeconds = ((fatalAt ?? revokedAt) - revokedAt) / 1000;
      t.diagnostic(`playback stopped ${stoppedAfterSeconds.toFixed(1)} s after the revocation (player refused after ${refusedAfterSeconds.toFixed(1)} s)`);
      if (MEASUREMENT_FILE) writeFileSync(MEASUREMENT_FILE, JSON.stringify({ stoppedAfterSeconds, refusedAfterSeconds }) + '\n');
      assert.ok(service.logs.decisions().some((line) => line.tokenId === id && line.reason === 'revoked' && line.resource === 'playlist'));
      // The buffer plays out, then nothing more: bounded by the playlist reload and the buffered segments.
      assert.ok(stoppedAfterSeconds < 20, `stopped ${stoppedAfterSeconds} s after the revocation`);
    } finally {
      await page.close();
    }
  });

  it('with a WCS that does not copy the token into segment URIs, the query variant fails (401) and the xhrSetup variant plays', async () => {
    wcs.copyQuery = false;
    try {
      const { token } = await issue({ streams: [STREAM] });
      const plain = await open(token, 'query');
      try {
        await waitFor(plain, FATAL, 'segments without a token are refused');
        assert.deepEqual((await state(plain)).fatal, { details: 'fragLoadError', code: 401 });
      } finally {
        await plain.close();
      }
      const withXhrSetup = await open(token, 'xhr');
      try {
        await waitFor(withXhrSetup, PLAYED_2S, 'the xhrSetup variant plays');
        assert.equal((await state(withXhrSetup)).fatal, null);
      } finally {
        await withXhrSetup.close();
      }
    } finally {
      wcs.copyQuery = true;
    }
  });
});
