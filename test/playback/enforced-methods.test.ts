import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import request from 'supertest';
import { ConfigError, loadConfig } from '../../src/config.js';
import { ADMIN_KEY, withTestApp, type TestApp } from '../helpers/test-app.js';
import { issueViaApi } from '../helpers/admin-client.js';
import { assertMatchesContract } from '../helpers/openapi.js';
import { newerPlayHlsBody, pretty } from '../helpers/wcs-bodies.js';

const ALL = 'playHLS,playStream,publishStream,connect';

/** WCS's connect body: no stream yet, the client's custom object carries the token. */
function connectBody(custom: Record<string, unknown>) {
  return {
    nodeId: 'NTk1tLorQ00llGbPJuFexrKceubGCR0k@192.168.1.5',
    appKey: 'defaultApp',
    sessionId: '/192.168.1.100:59473/192.168.1.5:8443',
    useWsTunnel: false,
    mediaProviders: ['WebRTC'],
    custom,
  };
}

function playStreamBody(overrides: Record<string, unknown>, custom: Record<string, unknown>) {
  return newerPlayHlsBody({ mediaProvider: 'WebRTC', ...overrides }, custom);
}

async function post(t: TestApp, method: string, body: unknown) {
  const raw = pretty(body);
  const res = await request(t.app).post(`/wcs/${method}`).set('Content-Type', 'application/json').send(raw);
  assertMatchesContract('POST', `/wcs/${method}`, res);
  return { res, raw, reason: t.logs.decisions().at(-1)?.reason };
}

describe('ENFORCED_METHODS', () => {
  it('by default only playHLS is checked: playStream, publishStream and connect are echoed without a token', () =>
    withTestApp({ store: 'memory' }, async (t) => {
      for (const [method, body] of [
        ['playStream', playStreamBody({}, {})],
        ['publishStream', playStreamBody({ published: true }, {})],
        ['connect', connectBody({})],
      ] as const) {
        const { res, raw } = await post(t, method, body);
        assert.equal(res.status, 200, method);
        assert.equal(res.text, raw);
      }
      assert.equal(t.logs.decisions().length, 0, 'echoed methods make no decision');
    }));

  it('playStream is authorized for the play action on the stream, and starts a viewer session', () =>
    withTestApp({ store: 'memory', env: { ENFORCED_METHODS: ALL } }, async (t) => {
      const { token, record } = await issueViaApi(t.app, { streams: ['test'], maxUses: 1 });
      const allowed = await post(t, 'playStream', playStreamBody({ mediaSessionId: 'webrtc-1' }, { token }));
      assert.equal(allowed.res.status, 200);
      assert.equal(allowed.res.text, allowed.raw);
      assert.equal((await post(t, 'playStream', playStreamBody({ mediaSessionId: 'webrtc-1' }, { token }))).res.status, 200);
      const second = await post(t, 'playStream', playStreamBody({ mediaSessionId: 'webrtc-2' }, { token }));
      assert.deepEqual([second.res.status, second.reason], [403, 'use_limit_reached']);
      const other = await post(t, 'playStream', playStreamBody({ name: 'other', mediaSessionId: 'webrtc-1' }, { token }));
      assert.deepEqual([other.res.status, other.reason], [403, 'stream_not_allowed']);
      const missing = await post(t, 'playStream', playStreamBody({}, {}));
      assert.deepEqual([missing.res.status, missing.reason], [403, 'missing_token']);
      const read = await request(t.app).get(`/v1/tokens/${record.id}`).set('Authorization', `Bearer ${ADMIN_KEY}`);
      assert.equal(read.body.uses, 1);
      assert.equal(t.logs.decisions().at(-1)?.method, 'playStream');
    }));

  it('publishStream asks for the publish action: a play-only token is refused, a publish token allowed', () =>
    withTestApp({ store: 'memory', env: { ENFORCED_METHODS: ALL } }, async (t) => {
      const player = await issueViaApi(t.app, { streams: ['test'] });
      const publisher = await issueViaApi(t.app, { streams: ['test'], actions: ['publish'] });
      const refused = await post(t, 'publishStream', playStreamBody({ published: true }, { token: player.token }));
      assert.deepEqual([refused.res.status, refused.reason], [403, 'action_not_allowed']);
      const allowed = await post(t, 'publishStream', playStreamBody({ published: true }, { token: publisher.token }));
      assert.deepEqual([allowed.res.status, allowed.reason], [200, 'valid']);
      const playing = await post(t, 'playHLS', newerPlayHlsBody({}, { token: publisher.token }));
      assert.deepEqual([playing.res.status, playing.reason], [403, 'action_not_allowed']);
    }));

  it('connect checks the token without a stream and consumes nothing', () =>
    withTestApp({ store: 'memory', env: { ENFORCED_METHODS: ALL } }, async (t) => {
      const { token, record } = await issueViaApi(t.app, { streams: ['some-stream'], maxUses: 1 });
      for (let i = 0; i < 3; i++) {
        const connected = await post(t, 'connect', connectBody({ token }));
        assert.deepEqual([connected.res.status, connected.reason], [200, 'valid']);
        assert.equal(connected.res.text, connected.raw);
      }
      const read = await request(t.app).get(`/v1/tokens/${record.id}`).set('Authorization', `Bearer ${ADMIN_KEY}`);
      assert.equal(read.body.uses, 0, 'connect is not a viewer session');
      const missing = await post(t, 'connect', connectBody({}));
      assert.deepEqual([missing.res.status, missing.reason], [403, 'missing_token']);
      const disabled = await request(t.app).patch(`/v1/tokens/${record.id}`).set('Authorization', `Bearer ${ADMIN_KEY}`).send({ disabled: true });
      assert.equal(disabled.status, 200);
      const refused = await post(t, 'connect', connectBody({ token }));
      assert.deepEqual([refused.res.status, refused.reason], [403, 'disabled']);
    }));

  it('events are never refused, even with every method enforced and no token', () =>
    withTestApp({ store: 'memory', env: { ENFORCED_METHODS: ALL } }, async (t) => {
      for (const method of ['StreamStatusEvent', 'ConnectionStatusEvent', 'stopStream']) {
        const { res, raw } = await post(t, method, { ...newerPlayHlsBody(), status: 'PLAYING' });
        assert.equal(res.status, 200, method);
        assert.equal(res.text, raw);
      }
    }));

  it('only enforceable methods can be listed: events or unknown names stop the service naming the variable', () => {
    assert.deepEqual(loadConfig({ ENFORCED_METHODS: ' playHLS , playStream,playHLS' }).enforcedMethods, ['playHLS', 'playStream']);
    assert.deepEqual(loadConfig({}).enforcedMethods, ['playHLS']);
    for (const value of ['StreamStatusEvent', 'playHLS,bogus']) {
      assert.throws(
        () => loadConfig({ ENFORCED_METHODS: value }),
        (error: unknown) => error instanceof ConfigError && error.message.includes('ENFORCED_METHODS') && error.message.includes('cannot be enforced'),
      );
    }
  });

  it('the policy settings are read with their units and bounds', () => {
    const config = loadConfig({ VIEWER_SESSION_WINDOW_SECONDS: '45', TOKEN_SESSIONS_RECORDED_MAX: '10', ADMIN_BATCH_BODY_LIMIT_BYTES: '2048' });
    assert.equal(config.viewerSessionWindowSeconds, 45);
    assert.equal(config.tokenSessionsRecordedMax, 10);
    assert.equal(config.adminBatchBodyLimitBytes, 2048);
    for (const [name, value] of [
      ['VIEWER_SESSION_WINDOW_SECONDS', '0'],
      ['TOKEN_SESSIONS_RECORDED_MAX', '10001'],
      ['ADMIN_BATCH_BODY_LIMIT_BYTES', 'lots'],
    ] as const) {
      assert.throws(
        () => loadConfig({ [name]: value }),
        (error: unknown) => error instanceof ConfigError && error.message.includes(name),
      );
    }
  });
});
