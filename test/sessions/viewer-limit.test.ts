import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { issueToken, revokeToken } from '../helpers/hook-client.js';
import { startTestRedis, type TestRedis } from '../helpers/redis-server.js';
import { startServiceInstance, type ServiceInstance } from '../helpers/service-instance.js';
import { advance, allSessions, kickSession, listSessions, pairOn, viewerTokens, watch } from '../helpers/session-client.js';

/** The per-viewer live session limit across tokens, streams and instances, in both modes; kick and revoke. */
const LIMIT = 3;

describe('per-viewer session limit across tokens, streams and instances (Redis)', { timeout: 180_000 }, () => {
  let redis: TestRedis;
  const opened: ServiceInstance[] = [];
  before(async () => {
    redis = await startTestRedis();
  });
  after(async () => {
    for (const instance of opened) await instance.close();
    await redis?.stop();
  });

  for (const mode of ['refuse', 'replace'] as const) {
    test(`VIEWER_SESSION_LIMIT_MODE=${mode}: 50 concurrent new sessions of one viewer on two instances leave exactly ${LIMIT} live`, async () => {
      const pair = await pairOn(redis, `limit-${mode}`, { VIEWER_MAX_SESSIONS: String(LIMIT), VIEWER_SESSION_LIMIT_MODE: mode });
      opened.push(...pair);
      const tokens = await viewerTokens(pair[0], 'subscriber-42', 5);
      const attempts = Array.from({ length: 50 }, (_, i) => ({ instance: pair[i % 2]!, token: tokens[i % 5]!, session: `media-${mode}-${i}` }));
      const answers = await Promise.all(attempts.map(({ instance, token, session }) => watch(instance, token.token, session, token.stream)));

      const allowed = answers.filter(([status]) => status === 200).length;
      if (mode === 'refuse') {
        assert.equal(allowed, LIMIT, 'exactly the limit is allowed');
        assert.deepEqual(new Set(answers.filter(([status]) => status === 403).map(([, reason]) => reason)), new Set(['viewer_session_limit']));
      } else {
        assert.equal(allowed, 50, 'replace admits every new session');
      }
      const live = await allSessions(pair[1], { viewerId: 'subscriber-42' });
      assert.equal(live.length, LIMIT, 'the registry holds exactly the limit');

      // Whatever was replaced is refused on its next check, on either instance; the survivors continue.
      const again = await Promise.all(attempts.map(({ token, session }, i) => watch(pair[(i + 1) % 2]!, token.token, session, token.stream)));
      const continuing = again.filter(([status]) => status === 200).length;
      assert.equal(continuing, LIMIT);
      if (mode === 'replace') {
        assert.deepEqual(new Set(again.filter(([status]) => status === 403).map(([, reason]) => reason)), new Set(['session_replaced']));
      }
    });
  }

  test('replace ends the least recently seen session, not the oldest one', async () => {
    const pair = await pairOn(redis, 'lrs', { VIEWER_MAX_SESSIONS: '2', VIEWER_SESSION_LIMIT_MODE: 'replace' });
    opened.push(...pair);
    const [a, b] = pair;
    const [tv, phone] = await viewerTokens(a, 'family', 2);
    assert.deepEqual(await watch(a, tv!.token, 'tv', tv!.stream), [200, 'valid']);
    advance(pair, 1000);
    assert.deepEqual(await watch(b, phone!.token, 'phone', phone!.stream), [200, 'valid']);
    advance(pair, 1000);
    // The TV (started first) is checked again: now the phone is the least recently seen.
    assert.deepEqual(await watch(b, tv!.token, 'tv', tv!.stream), [200, 'valid']);
    advance(pair, 1000);
    assert.deepEqual(await watch(a, phone!.token, 'tablet', phone!.stream), [200, 'valid']);
    assert.deepEqual(await watch(a, phone!.token, 'phone', phone!.stream), [403, 'session_replaced']);
    assert.deepEqual(await watch(b, tv!.token, 'tv', tv!.stream), [200, 'valid']);
    assert.equal(await a.metric('wcs_auth_sessions_ended_total', { cause: 'replaced' }), 1);
  });

  test('a session kicked through one instance is refused on its next check on the other; the kick is audited', async () => {
    const pair = await pairOn(redis, 'kick');
    opened.push(...pair);
    const [a, b] = pair;
    const { token, id } = await issueToken(a.url, { streams: ['live'], viewerId: 'v-1' });
    assert.deepEqual(await watch(a, token, 'm-1', 'live'), [200, 'valid']);
    const [session] = (await listSessions(b, { tokenId: id })).items;
    assert.ok(session);
    assert.equal(session.viewerId, 'v-1');
    assert.equal(await kickSession(b, session.id), 204);
    assert.deepEqual(await watch(a, token, 'm-1', 'live'), [403, 'session_ended']);
    assert.deepEqual(await watch(b, token, 'm-1', 'live'), [403, 'session_ended']);
    assert.equal(await kickSession(a, session.id), 404, 'a session ends once');
    // A new session of the same token (the player reconnects) is a new session.
    assert.deepEqual(await watch(a, token, 'm-2', 'live'), [200, 'valid']);
    const audit = b.logs.lines.find((line) => line.event === 'audit' && line.action === 'session.end');
    assert.deepEqual([audit?.sessionId, audit?.tokenId, audit?.adminKeyId], [session.id, id, 'admin']);
    assert.equal(await b.metric('wcs_auth_sessions_ended_total', { cause: 'kicked' }), 1);
  });

  test('revoking a token ends its live sessions in the registry', async () => {
    const pair = await pairOn(redis, 'revoke');
    opened.push(...pair);
    const [a, b] = pair;
    const { token, id } = await issueToken(a.url, { streams: ['live'] });
    await watch(a, token, 'r-1', 'live');
    await watch(b, token, 'r-2', 'live');
    assert.equal((await listSessions(a, { tokenId: id })).items.length, 2);
    assert.equal((await revokeToken(b.url, id)).status, 200);
    assert.equal((await listSessions(a, { tokenId: id })).items.length, 0);
    assert.equal(await b.metric('wcs_auth_sessions_ended_total', { cause: 'token_revoked' }), 2);
  });
});

describe('per-viewer session limit (memory store: the same rules in one process)', { timeout: 60_000 }, () => {
  const opened: ServiceInstance[] = [];
  after(async () => {
    for (const instance of opened) await instance.close();
  });

  for (const mode of ['refuse', 'replace'] as const) {
    test(`VIEWER_SESSION_LIMIT_MODE=${mode}: 50 concurrent new sessions of one viewer leave exactly ${LIMIT} live`, async () => {
      const app = await startServiceInstance({ TOKEN_STORE: 'memory', VIEWER_MAX_SESSIONS: String(LIMIT), VIEWER_SESSION_LIMIT_MODE: mode });
      opened.push(app);
      const tokens = await viewerTokens(app, 'memory-viewer', 5);
      const answers = await Promise.all(Array.from({ length: 50 }, (_, i) => watch(app, tokens[i % 5]!.token, `mm-${i}`, tokens[i % 5]!.stream)));
      assert.equal(answers.filter(([status]) => status === 200).length, mode === 'refuse' ? LIMIT : 50);
      assert.equal((await allSessions(app, { viewerId: 'memory-viewer' })).length, LIMIT);
      const again = await Promise.all(Array.from({ length: 50 }, (_, i) => watch(app, tokens[i % 5]!.token, `mm-${i}`, tokens[i % 5]!.stream)));
      assert.equal(again.filter(([status]) => status === 200).length, LIMIT);
      if (mode === 'replace') assert.equal(await app.metric('wcs_auth_sessions_ended_total', { cause: 'replaced' }), 50 - LIMIT);
    });
  }

  test('replace ends the least recently seen session', async () => {
    const app = await startServiceInstance({ TOKEN_STORE: 'memory', VIEWER_MAX_SESSIONS: '2', VIEWER_SESSION_LIMIT_MODE: 'replace' });
    opened.push(app);
    const [tv, phone] = await viewerTokens(app, 'family', 2);
    await watch(app, tv!.token, 'tv', tv!.stream);
    app.clock.advance(1000);
    await watch(app, phone!.token, 'phone', phone!.stream);
    app.clock.advance(1000);
    await watch(app, tv!.token, 'tv', tv!.stream);
    app.clock.advance(1000);
    assert.deepEqual(await watch(app, phone!.token, 'tablet', phone!.stream), [200, 'valid']);
    assert.deepEqual(await watch(app, phone!.token, 'phone', phone!.stream), [403, 'session_replaced']);
    assert.deepEqual(await watch(app, tv!.token, 'tv', tv!.stream), [200, 'valid']);
  });
});
