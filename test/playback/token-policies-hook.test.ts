import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import request from 'supertest';
import { ADMIN_KEY } from '../helpers/test-app.js';
import { issueViaApi } from '../helpers/admin-client.js';
import { counterValue } from '../helpers/metric-value.js';
import { assertMatchesContract } from '../helpers/openapi.js';
import { freshAppPerTest, STORE_KINDS, type TestApp } from '../helpers/test-app.js';
import { newerPlayHlsBody, olderPlayHlsBody, pretty } from '../helpers/wcs-bodies.js';

const WINDOW_SECONDS = 30;

/** One hook call: who asks (viewer session, client IP), for what, and what must come back. */
interface Step {
  session?: string | null;
  /** Client IP as WCS writes it in sessionId; null: the older shape, whose sessionId carries no IP. */
  ip?: string | null;
  stream?: string;
  /** Milliseconds to move the clock before the call. */
  advanceMs?: number;
  /** Admin change before the call. */
  patch?: Record<string, unknown>;
  status: 200 | 403;
  reason: string;
}

interface Case {
  name: string;
  issue: Record<string, unknown>;
  steps: Step[];
  /** Uses the token shows at the end (GET /v1/tokens/{id}). */
  uses: number;
}

const cases: Case[] = [
  {
    name: 'maxUses 1 (one-time): a WCS retry of the same session is allowed, a second viewer is refused',
    issue: { streams: ['test'], maxUses: 1 },
    steps: [
      { session: 'A', status: 200, reason: 'valid' },
      { session: 'A', status: 200, reason: 'valid' },
      { session: 'A', status: 200, reason: 'valid' },
      { session: 'B', status: 403, reason: 'use_limit_reached' },
    ],
    uses: 1,
  },
  {
    name: 'maxUses 2: a refused early attempt uses nothing',
    issue: { streams: ['test'], maxUses: 2 },
    steps: [
      { session: 'B', stream: 'other', status: 403, reason: 'stream_not_allowed' },
      { session: 'A', status: 200, reason: 'valid' },
      { session: 'B', status: 200, reason: 'valid' },
      { session: 'C', status: 403, reason: 'use_limit_reached' },
      { session: 'A', status: 200, reason: 'valid' },
    ],
    uses: 2,
  },
  {
    name: 'without mediaSessionId, client IP + stream is the session',
    issue: { streams: ['test'], maxUses: 1 },
    steps: [
      { session: null, ip: '192.168.1.100', status: 200, reason: 'valid' },
      { session: null, ip: '192.168.1.100', status: 200, reason: 'valid' },
      { session: null, ip: '192.168.1.101', status: 403, reason: 'use_limit_reached' },
    ],
    uses: 1,
  },
  {
    name: 'maxViewers 1: a second viewer waits until the first has been silent for the window',
    issue: { streams: ['test'], maxViewers: 1 },
    steps: [
      { session: 'A', status: 200, reason: 'valid' },
      { session: 'B', status: 403, reason: 'viewer_limit_reached' },
      { session: 'A', advanceMs: 20_000, status: 200, reason: 'valid' },
      { session: 'B', advanceMs: 20_000, status: 403, reason: 'viewer_limit_reached' },
      { session: 'B', advanceMs: 10_000, status: 200, reason: 'valid' },
      { session: 'A', status: 403, reason: 'viewer_limit_reached' },
    ],
    uses: 2,
  },
  {
    name: 'allowedIps: IPv4 and IPv6 (as Java prints it) inside the ranges pass, others are refused',
    issue: { streams: ['test'], allowedIps: ['192.168.1.0/24', '2001:db8::/32'] },
    steps: [
      { ip: '192.168.1.100', status: 200, reason: 'valid' },
      { ip: '2001:db8:0:0:0:0:0:7', status: 200, reason: 'valid' },
      { ip: '10.0.0.1', status: 403, reason: 'ip_not_allowed' },
      { ip: '0:0:0:0:0:0:0:1', status: 403, reason: 'ip_not_allowed' },
      { ip: null, status: 403, reason: 'ip_not_allowed' },
    ],
    // Both allowed calls carry the same mediaSessionId: one session.
    uses: 1,
  },
  {
    name: 'bindIpOnFirstUse: the first viewer IP binds the token; other IPs are refused',
    issue: { streams: ['test'], bindIpOnFirstUse: true },
    steps: [
      { session: 'A', ip: '192.168.1.100', stream: 'other', status: 403, reason: 'stream_not_allowed' },
      { session: 'A', ip: '192.168.1.100', status: 200, reason: 'valid' },
      { session: 'B', ip: '192.168.1.100', status: 200, reason: 'valid' },
      { session: 'C', ip: '192.168.1.101', status: 403, reason: 'ip_mismatch' },
      { session: 'A', ip: null, status: 403, reason: 'ip_mismatch' },
    ],
    uses: 2,
  },
  {
    // A PATCH is no revocation: disabling refuses the checks but does not end the token's live sessions (revoke and
    // the session kick are the hard stops), so once re-enabled within the session window the viewer's old session
    // goes on, and takes no second use.
    name: 'disabled is reversible: PATCH disabled refuses, PATCH enabled allows the same session again',
    issue: { streams: ['test'] },
    steps: [
      { session: 'A', status: 200, reason: 'valid' },
      { session: 'A', patch: { disabled: true }, status: 403, reason: 'disabled' },
      { session: 'A', patch: { disabled: false }, status: 200, reason: 'valid' },
    ],
    uses: 1,
  },
  {
    name: 'PATCH of limits takes effect on the next decision',
    issue: { streams: ['test'] },
    steps: [
      { session: 'A', status: 200, reason: 'valid' },
      { session: 'B', status: 200, reason: 'valid' },
      { session: 'C', patch: { maxUses: 2 }, status: 403, reason: 'use_limit_reached' },
      { session: 'C', patch: { maxUses: null }, status: 200, reason: 'valid' },
      { session: 'D', patch: { allowedIps: ['10.0.0.0/8'] }, status: 403, reason: 'ip_not_allowed' },
    ],
    uses: 3,
  },
];

function hookBody(token: string, step: Step): unknown {
  if (step.ip === null) {
    // The older shape: a free-form sessionId, so no client IP.
    const body: Record<string, unknown> = olderPlayHlsBody({ token, name: step.stream ?? 'test' });
    if (step.session === null) delete body.mediaSessionId;
    else if (step.session !== undefined) body.mediaSessionId = step.session;
    return body;
  }
  const body: Record<string, unknown> = newerPlayHlsBody(
    {
      name: step.stream ?? 'test',
      sessionId: `/${step.ip ?? '192.168.1.100'}:59473/192.168.1.5:8445`,
      ...(step.session ? { mediaSessionId: step.session } : {}),
    },
    { token },
  );
  if (step.session === null) delete body.mediaSessionId;
  return body;
}

for (const storeKind of STORE_KINDS) {
  describe(`token policies through the playHLS hook with the ${storeKind} store`, () => {
    let t: TestApp;
    freshAppPerTest(storeKind, { VIEWER_SESSION_WINDOW_SECONDS: String(WINDOW_SECONDS), STORE_TIMEOUT_MS: '5000' }, (app) => {
      t = app;
    });

    for (const c of cases) {
      it(c.name, async () => {
        const { token, record } = await issueViaApi(t.app, c.issue);
        for (const [index, step] of c.steps.entries()) {
          if (step.advanceMs) t.clock.advance(step.advanceMs);
          if (step.patch) {
            const patched = await request(t.app).patch(`/v1/tokens/${record.id}`).set('Authorization', `Bearer ${ADMIN_KEY}`).send(step.patch);
            assert.equal(patched.status, 200, patched.text);
          }
          const raw = pretty(hookBody(token, step));
          const res = await request(t.app).post('/wcs/playHLS').set('Content-Type', 'application/json').send(raw);
          const decision = t.logs.decisions().at(-1);
          assert.deepEqual(
            { status: res.status, reason: decision?.reason },
            { status: step.status, reason: step.reason },
            `step ${index + 1}`,
          );
          assertMatchesContract('POST', '/wcs/playHLS', res);
          if (step.status === 200) assert.equal(res.text, raw);
          else assert.doesNotMatch(res.text, new RegExp(step.reason), 'the reason is not told to WCS');
        }
        const read = await request(t.app).get(`/v1/tokens/${record.id}`).set('Authorization', `Bearer ${ADMIN_KEY}`);
        assert.equal(read.body.uses, c.uses);
        assertMatchesContract('GET', `/v1/tokens/${record.id}`, read);
      });
    }

    it('a refused decision is counted with its policy reason, and the token headers go only on the allow answer', async () => {
      const { token } = await issueViaApi(t.app, { streams: ['test'], maxUses: 1, headers: { 'X-Viewer-Id': 'user-1' } });
      const first = await request(t.app).post('/wcs/playHLS').set('Content-Type', 'application/json').send(hookBody(token, { session: 'A', status: 200, reason: 'valid' }) as object);
      assert.equal(first.headers['x-viewer-id'], 'user-1');
      const second = await request(t.app).post('/wcs/playHLS').set('Content-Type', 'application/json').send(hookBody(token, { session: 'B', status: 403, reason: '' }) as object);
      assert.equal(second.status, 403);
      assert.equal(second.headers['x-viewer-id'], undefined);
      assert.equal(
        await counterValue(t.metrics, 'wcs_auth_decisions_total', { method: 'playHLS', result: 'deny', reason: 'use_limit_reached' }),
        1,
      );
    });

    it('an exhausted one-time token shows state exhausted and keeps its first session', async () => {
      const { token, record } = await issueViaApi(t.app, { streams: ['test'], maxUses: 1 });
      await request(t.app).post('/wcs/playHLS').set('Content-Type', 'application/json').send(hookBody(token, { session: 'A', status: 200, reason: '' }) as object);
      const read = await request(t.app).get(`/v1/tokens/${record.id}`).set('Authorization', `Bearer ${ADMIN_KEY}`);
      assert.equal(read.body.state, 'exhausted');
      const again = await request(t.app).post('/wcs/playHLS').set('Content-Type', 'application/json').send(hookBody(token, { session: 'A', status: 200, reason: '' }) as object);
      assert.equal(again.status, 200);
    });
  });
}
