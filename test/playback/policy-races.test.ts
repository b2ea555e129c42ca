import assert from 'node:assert/strict';
import { once } from 'node:events';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { issueViaApi } from '../helpers/admin-client.js';
import { startTestRedis, type TestRedis } from '../helpers/redis-server.js';
import { ADMIN_KEY, buildTestApp, type StoreKind, type TestApp } from '../helpers/test-app.js';
import { newerPlayHlsBody } from '../helpers/wcs-bodies.js';
import { hashToken } from '../../src/tokens/opaque-token.js';

/** Requests per race: enough to overlap on two instances, few enough for a loaded two-core machine. */
const RACERS = 40;

interface Instance {
  t: TestApp;
  server: Server;
  url: string;
}

async function listen(t: TestApp): Promise<Instance> {
  const server = createServer(t.app).listen(0, '127.0.0.1');
  await once(server, 'listening');
  return { t, server, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}` };
}

async function hook(instance: Instance, token: string, overrides: Record<string, unknown>): Promise<number> {
  const res = await fetch(`${instance.url}/wcs/playHLS`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify(newerPlayHlsBody(overrides, { token })),
  });
  await res.arrayBuffer();
  return res.status;
}

async function tokenView(instance: Instance, id: string): Promise<{ uses: number; state: string }> {
  const res = await fetch(`${instance.url}/v1/tokens/${id}`, { headers: { Authorization: `Bearer ${ADMIN_KEY}` } });
  return (await res.json()) as { uses: number; state: string };
}

async function sessionCount(instance: Instance, id: string): Promise<number> {
  const res = await fetch(`${instance.url}/v1/tokens/${id}/sessions`, { headers: { Authorization: `Bearer ${ADMIN_KEY}` } });
  return ((await res.json()) as { sessions: unknown[] }).sessions.length;
}

const count = (statuses: number[], status: number) => statuses.filter((s) => s === status).length;

/** Reasons of the refusals logged by every instance since `from` (per-instance log positions). */
function refusalReasons(instances: Instance[], from: number[]): string[] {
  return instances.flatMap(({ t }, i) =>
    t.logs
      .decisions()
      .slice(from[i])
      .filter((line) => line.allow === false)
      .map((line) => String(line.reason)),
  );
}

/**
 * Limits under concurrency. With Redis: two instances of the service share one real Redis and are hit at the same
 * moment, as two WCS edges would be. With memory: one instance, many requests in flight at once.
 */
for (const storeKind of ['redis', 'memory'] as StoreKind[]) {
  describe(`racing requests never exceed a limit (${storeKind}${storeKind === 'redis' ? ', two instances' : ''})`, () => {
    let redis: TestRedis | undefined;
    let instances: Instance[] = [];
    before(async () => {
      if (storeKind === 'redis') redis = await startTestRedis();
      // A generous store timeout: on a loaded machine a slow answer must not turn into store_unavailable here.
      const env = { STORE_TIMEOUT_MS: '10000' };
      const apps =
        storeKind === 'redis'
          ? [buildTestApp({ store: 'redis', redis, env }), buildTestApp({ store: 'redis', redis, env })]
          : [buildTestApp({ store: 'memory', env })];
      instances = await Promise.all(apps.map(listen));
    });
    after(async () => {
      for (const { t, server } of instances) {
        server.closeAllConnections();
        server.close();
        await t.close();
      }
      await redis?.stop();
    });
    const pick = (i: number) => instances[i % instances.length] as Instance;
    const first = () => pick(0);

    it(`maxUses 1: of ${RACERS} viewer sessions at once, exactly one gets in`, async () => {
      const { token, record } = await issueViaApi(first().t.app, { streams: ['test'], maxUses: 1 });
      const from = instances.map(({ t }) => t.logs.decisions().length);
      const statuses = await Promise.all(Array.from({ length: RACERS }, (_, i) => hook(pick(i), token, { mediaSessionId: `race-${i}` })));
      assert.equal(count(statuses, 200), 1);
      assert.equal(count(statuses, 403), RACERS - 1);
      assert.deepEqual(new Set(refusalReasons(instances, from)), new Set(['use_limit_reached']));
      assert.equal((await tokenView(pick(1), record.id)).uses, 1);
      assert.equal(await sessionCount(first(), record.id), 1);
      if (redis) {
        const store = first().t.redisStore;
        assert.ok(store);
        const hash = hashToken(token);
        assert.equal(await redis.client.hget(store.recordKey(hash), 'uses'), '1');
        assert.equal(await redis.client.hlen(store.sessionsKey(hash)), 1);
        // The ledger lives exactly as long as the record.
        assert.equal(await redis.client.pexpiretime(store.sessionsKey(hash)), await redis.client.pexpiretime(store.recordKey(hash)));
      }
    });

    it(`maxViewers 3: of ${RACERS} viewer sessions at once, exactly three get in`, async () => {
      const { token, record } = await issueViaApi(first().t.app, { streams: ['test'], maxViewers: 3 });
      const from = instances.map(({ t }) => t.logs.decisions().length);
      const statuses = await Promise.all(Array.from({ length: RACERS }, (_, i) => hook(pick(i), token, { mediaSessionId: `viewer-${i}` })));
      assert.equal(count(statuses, 200), 3);
      assert.deepEqual(new Set(refusalReasons(instances, from)), new Set(['viewer_limit_reached']));
      assert.equal((await tokenView(first(), record.id)).uses, 3);
      if (redis) {
        const store = first().t.redisStore;
        const hash = hashToken(token);
        assert.ok(store);
        assert.equal(await redis.client.zcard(store.activeKey(hash)), 3);
        assert.equal(await redis.client.pexpiretime(store.activeKey(hash)), await redis.client.pexpiretime(store.recordKey(hash)));
      }
    });

    it(`one session repeated ${RACERS} times at once (WCS retries) is allowed every time and uses one`, async () => {
      const { token, record } = await issueViaApi(first().t.app, { streams: ['test'], maxUses: 1 });
      const statuses = await Promise.all(Array.from({ length: RACERS }, (_, i) => hook(pick(i), token, { mediaSessionId: 'the-one-session' })));
      assert.equal(count(statuses, 200), RACERS);
      assert.equal((await tokenView(first(), record.id)).uses, 1);
      assert.equal(await hook(pick(1), token, { mediaSessionId: 'another' }), 403);
    });

    it('sessions retried while racing each other: exactly the limit of sessions is admitted, all of their repeats pass', async () => {
      const { token, record } = await issueViaApi(first().t.app, { streams: ['test'], maxUses: 3 });
      const sessions = 10;
      const repeats = 4;
      const calls = Array.from({ length: sessions * repeats }, (_, i) => ({ session: `s-${i % sessions}`, instance: pick(i) }));
      const statuses = await Promise.all(calls.map(({ session, instance }) => hook(instance, token, { mediaSessionId: session })));
      const admitted = new Set(calls.filter((_, i) => statuses[i] === 200).map(({ session }) => session));
      assert.equal(admitted.size, 3);
      // A session may lose the race on its first arrival and win on a later repeat only if it is admitted; once
      // admitted, every later repeat passes. So at least the final repeat of each admitted session is 200.
      for (const session of admitted) {
        const last = calls.map((call, i) => ({ ...call, status: statuses[i] })).filter((call) => call.session === session).at(-1);
        assert.equal(last?.status, 200);
      }
      assert.equal((await tokenView(first(), record.id)).uses, 3);
    });

    it(`${RACERS} refused requests at once consume nothing: the one-time token still admits its viewer afterwards`, async () => {
      const { token, record } = await issueViaApi(first().t.app, {
        streams: ['test'],
        maxUses: 1,
        maxViewers: 1,
        allowedIps: ['192.168.1.0/24'],
      });
      const statuses = await Promise.all(
        Array.from({ length: RACERS }, (_, i) =>
          i % 2 === 0
            ? hook(pick(i), token, { mediaSessionId: `wrong-stream-${i}`, name: 'other' })
            : hook(pick(i), token, { mediaSessionId: `wrong-ip-${i}`, sessionId: `/10.0.0.${i}:5000/192.168.1.5:8445` }),
        ),
      );
      assert.equal(count(statuses, 403), RACERS);
      const view = await tokenView(first(), record.id);
      assert.deepEqual([view.uses, view.state], [0, 'active']);
      assert.equal(await hook(pick(1), token, { mediaSessionId: 'the-viewer' }), 200);
    });
  });
}
