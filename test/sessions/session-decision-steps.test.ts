import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, describe, test } from 'node:test';
import type { Redis } from 'ioredis';
import request from 'supertest';
import { issueToken, playHls } from '../helpers/hook-client.js';
import type { TestRedis } from '../helpers/redis-server.js';
import { serviceOnRedis, type ServiceInstance } from '../helpers/service-instance.js';
import { kickSession, listSessions, reasonOf, watch } from '../helpers/session-client.js';
import { ADMIN_KEY } from '../helpers/test-app.js';
import { generateTestKeys, keyDir, mintJwt, seconds } from '../tokens/jwt/jwt-fixtures.js';

/**
 * Issue 15: one Redis round trip per decision, also with the live session registry on (it is always on), for opaque
 * tokens and for JWTs with a one-time jti, a plain jti, or none. Rule of the house: a decision refused for its
 * viewer session changes no state — a one-time JWT is not claimed, a maxUses use is not spent — in both stores.
 */
const keys = generateTestKeys();
const files = keyDir();
after(() => files.cleanup());

function sessionEnv(jwtKeyFile: string): Record<string, string> {
  return {
    STORE_TIMEOUT_MS: '5000',
    BRUTE_FORCE_MAX_PER_IP: '0',
    // No sweep during a count.
    SESSION_SWEEP_INTERVAL_SECONDS: '3600',
    VIEWER_MAX_SESSIONS: '1',
    JWT_KEYS: `ec:ES256=file:${jwtKeyFile}`,
  };
}

function jwtFor(instance: ServiceInstance, claims: Record<string, unknown>): string {
  const now = seconds(instance.clock.now());
  return mintJwt('ES256', { iat: now, exp: now + 600, streams: ['test'], ...claims }, keys.ec256.privateKey, { kid: 'ec' });
}

/** Counts the commands the service sends to Redis (commands run inside a script are not round trips). */
class RoundTrips {
  private lines: string[] = [];
  private marks = 0;
  private constructor(
    private readonly monitor: Redis,
    private readonly probe: Redis,
  ) {
    monitor.on('monitor', (_time: string, args: string[], source: string) => {
      if (source !== 'lua') this.lines.push(args.join(' '));
    });
  }

  static async on(redis: TestRedis): Promise<RoundTrips> {
    return new RoundTrips(await redis.client.monitor(), redis.client.duplicate());
  }

  /** The service's commands while `action` ran: MONITOR lines between two markers sent by this test. */
  async during(action: () => Promise<unknown>): Promise<string[]> {
    const start = await this.mark();
    await action();
    const end = await this.mark();
    return this.lines.slice(start + 1, end).filter((line) => !line.startsWith('ping'));
  }

  private async mark(): Promise<number> {
    const text = `echo round-trips-mark-${++this.marks}`;
    await this.probe.echo(text.slice(5));
    for (let i = 0; i < 200; i++) {
      const at = this.lines.indexOf(text);
      if (at >= 0) return at;
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
    throw new Error('MONITOR did not show the marker');
  }

  async close(): Promise<void> {
    this.monitor.disconnect();
    this.probe.disconnect();
  }
}

describe('one Redis round trip per decision, with viewer sessions on', { timeout: 60_000 }, () => {
  let instance: ServiceInstance;
  let trips: RoundTrips;
  serviceOnRedis(sessionEnv(files.write('ec-trips.pem', keys.ec256.publicPem)), async ([first], redis) => {
    instance = first!;
    trips = await RoundTrips.on(redis!);
  });
  after(() => trips?.close());

  /** A first decision loads the scripts (EVALSHA, then EVAL once); the second is what every decision costs. */
  async function countSecond(token: () => string, viewer: string): Promise<{ commands: string[]; reasons: unknown[] }> {
    const reasons: unknown[] = [];
    const decide = async (session: string) => {
      const answer = await playHls(instance.url, token(), { viewerSessionId: session });
      reasons.push(reasonOf(instance, answer));
    };
    await decide(`${viewer}-warm-up`);
    const commands = await trips.during(() => decide(`${viewer}-counted`));
    return { commands, reasons };
  }

  const cases: { name: string; token: () => Promise<() => string> }[] = [
    { name: 'opaque token', token: async () => { const { token } = await issueToken(instance.url, { streams: ['test'] }); return () => token; } },
    { name: 'JWT with a one-time jti (a new jti each time)', token: async () => () => jwtFor(instance, { jti: randomUUID(), once: true, vid: `v-${randomUUID()}` }) },
    { name: 'JWT with a jti', token: async () => { const jwt = jwtFor(instance, { jti: randomUUID() }); return () => jwt; } },
    { name: 'JWT without jti', token: async () => { const jwt = jwtFor(instance, {}); return () => jwt; } },
  ];
  for (const c of cases) {
    test(`${c.name}: one command from the service per allowed decision`, async () => {
      const { commands, reasons } = await countSecond(await c.token(), randomUUID());
      assert.deepEqual(reasons, ['valid', 'valid']);
      assert.equal(commands.length, 1, `commands: ${JSON.stringify(commands.map((line) => line.slice(0, 60)))}`);
      assert.match(commands[0] ?? '', /^evalsha /);
    });
  }
});

for (const kind of ['memory', 'redis'] as const) {
  describe(`a decision refused for its viewer session changes nothing (${kind})`, { timeout: 60_000 }, () => {
    let instance: ServiceInstance;
    serviceOnRedis(sessionEnv(files.write(`ec-${kind}.pem`, keys.ec256.publicPem)), ([first]) => (instance = first!), { store: kind });

    /** The viewer's only session (VIEWER_MAX_SESSIONS=1), on an opaque token; returns its live session id. */
    async function occupy(viewer: string): Promise<string> {
      const { token } = await issueToken(instance.url, { streams: ['test'], viewerId: viewer });
      assert.deepEqual(await watch(instance, token, `${viewer}-first`), [200, 'valid']);
      const [session] = (await listSessions(instance, { viewerId: viewer })).items;
      assert.ok(session);
      return session.id;
    }

    test('a one-time JWT refused viewer_session_limit is not claimed: another session may still use it', async () => {
      const viewer = `v-${randomUUID()}`;
      const first = await occupy(viewer);
      const jwt = jwtFor(instance, { jti: randomUUID(), once: true, vid: viewer });
      assert.deepEqual(await watch(instance, jwt, 'refused'), [403, 'viewer_session_limit']);
      assert.equal(await kickSession(instance, first), 204);
      assert.deepEqual(await watch(instance, jwt, 'later'), [200, 'valid'], 'the refused request claimed nothing');
      assert.deepEqual(await watch(instance, jwt, 'refused'), [403, 'already_used'], 'the later session owns it now');
    });

    test('a one-time JWT whose session was ended is refused session_ended, and its jti stays as it was', async () => {
      const viewer = `v-${randomUUID()}`;
      const jti = randomUUID();
      const jwt = jwtFor(instance, { jti, once: true, vid: viewer });
      assert.deepEqual(await watch(instance, jwt, 'owner'), [200, 'valid']);
      const [session] = (await listSessions(instance, { tokenId: jti })).items;
      assert.equal(await kickSession(instance, session!.id), 204);
      assert.deepEqual(await watch(instance, jwt, 'owner'), [403, 'session_ended']);
      assert.deepEqual(await watch(instance, jwt, 'other'), [403, 'already_used']);
    });

    test('an opaque maxUses token refused viewer_session_limit spends no use', async () => {
      const viewer = `v-${randomUUID()}`;
      const first = await occupy(viewer);
      const { token } = await issueToken(instance.url, { streams: ['test'], viewerId: viewer, maxUses: 1 });
      assert.deepEqual(await watch(instance, token, 'refused'), [403, 'viewer_session_limit']);
      assert.equal(await kickSession(instance, first), 204);
      assert.deepEqual(await watch(instance, token, 'later'), [200, 'valid'], 'the refused request spent nothing');
    });

    test('a JWT without jti refused for its session answers so, and the viewer keeps one session', async () => {
      const viewer = `v-${randomUUID()}`;
      await occupy(viewer);
      const answer = await playHls(instance.url, jwtFor(instance, { vid: viewer }), { viewerSessionId: 'no-jti' });
      assert.deepEqual([answer.status, reasonOf(instance, answer)], [403, 'viewer_session_limit']);
      assert.equal((await listSessions(instance, { viewerId: viewer })).items.length, 1);
    });
  
    test('a JWT session started in the jti step is counted in wcs_auth_sessions_started_total', async () => {
      const before = await instance.metric('wcs_auth_sessions_started_total');
      const jwt = jwtFor(instance, { jti: randomUUID(), once: true, vid: `v-${randomUUID()}` });
      assert.deepEqual(await watch(instance, jwt, 'counted'), [200, 'valid']);
      assert.deepEqual(await watch(instance, jwt, 'counted'), [200, 'valid'], 'a continuing check starts nothing');
      assert.equal(await instance.metric('wcs_auth_sessions_started_total'), before + 1);
    });

    test('a PATCH of viewerId is no revocation: the live session goes on, under the viewer it started with', async () => {
      const [from, to] = [`v-${randomUUID()}`, `v-${randomUUID()}`];
      const { token, id } = await issueToken(instance.url, { streams: ['test'], viewerId: from });
      assert.deepEqual(await watch(instance, token, 'live'), [200, 'valid']);
      const patched = await request(instance.url).patch(`/v1/tokens/${id}`).set('Authorization', `Bearer ${ADMIN_KEY}`).send({ viewerId: to });
      assert.equal(patched.status, 200);
      assert.deepEqual(await watch(instance, token, 'live'), [200, 'valid'], 'the session goes on');
      assert.equal((await listSessions(instance, { viewerId: from })).items.length, 1, 'listed under the viewer it started with');
      const other = await issueToken(instance.url, { streams: ['test'], viewerId: to });
      assert.deepEqual(await watch(instance, other.token, 'new'), [200, 'valid'], 'the new viewer has no session yet');
      const again = await issueToken(instance.url, { streams: ['test'], viewerId: from });
      assert.deepEqual(await watch(instance, again.token, 'new'), [403, 'viewer_session_limit'], 'the old viewer still has one');
    });

    test('a continuing session stays counted under its viewer when its stream and viewer id spell the viewer member of its stored JSON', async () => {
      // The Redis script finds the viewer's hash in the session's JSON by a plain search for `"vh":"`: inside the
      // JSON a value's quotes are escaped, so no stream or viewer id can put that text before the member itself.
      const viewer = `v-${randomUUID()}","vh":"00`;
      const stream = 'live","vh":"0000","x":"';
      const { token } = await issueToken(instance.url, { streams: [stream], viewerId: viewer });
      assert.deepEqual(await watch(instance, token, 'spelled', stream), [200, 'valid']);
      instance.clock.advance(40_000);
      assert.deepEqual(await watch(instance, token, 'spelled', stream), [200, 'valid'], 'the session goes on');
      // Past the window of the start, within that of the continuing check: only the latter counts the viewer's one session.
      instance.clock.advance(40_000);
      const again = await issueToken(instance.url, { streams: ['test'], viewerId: viewer });
      assert.deepEqual(await watch(instance, again.token, 'new'), [403, 'viewer_session_limit'], 'the continuing check renewed the count');
    });
  });
}
