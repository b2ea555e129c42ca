import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { issueToken, playHls, timedRequest, unknownToken, type TimedAnswer } from '../helpers/hook-client.js';
import { serviceOnRedis, type ServiceInstance } from '../helpers/service-instance.js';
import { tokenLookups } from '../helpers/store-metrics.js';
import { ADMIN_KEY } from '../helpers/test-app.js';
import { newerPlayHlsBody, pretty } from '../helpers/wcs-bodies.js';

/**
 * The guess throttle and the admin limiter hold under concurrency (parallel guesses used to all get a lookup, or a
 * key comparison, before the first failure was counted), count one address under all its spellings, and count a
 * hook call without `sessionId` too (per TCP peer). With both stores.
 */
const SPELLINGS_OF_7777 = ['7.7.7.7', '::ffff:7.7.7.7', '0:0:0:0:0:ffff:707:707', '7.7.7.7%eth0', '::FFFF:7.7.7.7', '::ffff:0707:0707'];
const MAX_GUESSES = 20;
const MAX_ADMIN_FAILURES = 10;

function reasonOf(instance: ServiceInstance, answer: TimedAnswer): unknown {
  return instance.logs.decisions().find((line) => line.requestId === answer.requestId)?.reason;
}

for (const store of ['memory', 'redis'] as const) {
  describe(`guess throttle and admin limiter under concurrency (${store} store)`, { timeout: 120_000 }, () => {
    let instance: ServiceInstance;
    serviceOnRedis(
      { STORE_TIMEOUT_MS: '5000', BRUTE_FORCE_MAX_PER_IP: String(MAX_GUESSES), ADMIN_AUTH_MAX_FAILURES: String(MAX_ADMIN_FAILURES), EXPOSE_DENY_REASON: 'true' },
      ([first]) => (instance = first!),
      { store },
    );

    test(`100 parallel unknown tokens from one address: at most ${MAX_GUESSES} get a lookup, the rest are throttled`, async () => {
      const before = await tokenLookups(instance);
      const answers = await Promise.all(Array.from({ length: 100 }, () => playHls(instance.url, unknownToken(), { clientIp: '10.9.0.1', deadlineMs: 30_000 })));
      const reasons = answers.map((answer) => reasonOf(instance, answer));
      const looked = reasons.filter((reason) => reason === 'unknown_token').length;
      assert.equal(looked, MAX_GUESSES, `${looked} guesses got a lookup`);
      assert.equal(reasons.filter((reason) => reason === 'throttled').length, 100 - MAX_GUESSES);
      assert.equal((await tokenLookups(instance)) - before, MAX_GUESSES);
    });

    test('parallel valid tokens from one address are all decided (they wait for room, they are not refused)', async () => {
      const { token } = await issueToken(instance.url, { streams: ['test'] });
      const answers = await Promise.all(
        Array.from({ length: 60 }, (_, i) => playHls(instance.url, token, { clientIp: '10.9.0.2', viewerSessionId: `s-${i}`, deadlineMs: 30_000 })),
      );
      assert.deepEqual([...new Set(answers.map((answer) => answer.status))], [200]);
    });

    test('every spelling of one address shares one budget, and logs show one form', async () => {
      for (let i = 0; i < MAX_GUESSES; i++) {
        const answer = await playHls(instance.url, unknownToken(), { clientIp: SPELLINGS_OF_7777[i % SPELLINGS_OF_7777.length] });
        assert.equal(reasonOf(instance, answer), 'unknown_token');
      }
      const { token } = await issueToken(instance.url, { streams: ['test'] });
      for (const spelling of SPELLINGS_OF_7777) {
        const answer = await playHls(instance.url, token, { clientIp: spelling });
        assert.equal(reasonOf(instance, answer), 'throttled', spelling);
      }
      const logged = new Set(instance.logs.decisions().filter((line) => String(line.clientIp).includes('7')).map((line) => line.clientIp));
      assert.deepEqual([...logged], ['7.7.7.7']);
    });

    test('an IP-bound token and an allow-list see every spelling of an address as that address', async () => {
      const bound = await issueToken(instance.url, { streams: ['test'], bindIpOnFirstUse: true });
      const listed = await issueToken(instance.url, { streams: ['test'], allowedIps: ['8.8.4.4', '2001:db8::/64'] });
      for (const spelling of ['::ffff:8.8.4.4', '8.8.4.4', '0:0:0:0:0:ffff:808:404', '8.8.4.4%lo']) {
        assert.equal((await playHls(instance.url, bound.token, { clientIp: spelling, viewerSessionId: 'one' })).status, 200, `bound: ${spelling}`);
        assert.equal((await playHls(instance.url, listed.token, { clientIp: spelling })).status, 200, `listed: ${spelling}`);
      }
      for (const spelling of ['2001:DB8::7', '2001:db8:0:0:0:0:0:7', '2001:db8::7%eth0']) {
        assert.equal((await playHls(instance.url, listed.token, { clientIp: spelling })).status, 200, `listed: ${spelling}`);
      }
      assert.equal((await playHls(instance.url, bound.token, { clientIp: '8.8.4.5', viewerSessionId: 'two' })).status, 403);
    });

    test('hook calls without sessionId are counted per TCP peer, and throttled past the limit', async () => {
      const guess = () => {
        const body = newerPlayHlsBody({ sessionId: undefined, mediaSessionId: undefined }, { token: unknownToken() });
        return timedRequest(`${instance.url}/wcs/playHLS`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: pretty(body) });
      };
      const reasons: unknown[] = [];
      for (let i = 0; i < MAX_GUESSES + 3; i++) reasons.push(reasonOf(instance, await guess()));
      assert.deepEqual(reasons.slice(0, MAX_GUESSES), Array(MAX_GUESSES).fill('unknown_token'));
      assert.deepEqual(reasons.slice(MAX_GUESSES), ['throttled', 'throttled', 'throttled']);
      // Viewers that WCS names by address are not affected by the peer's budget.
      const { token } = await issueToken(instance.url, { streams: ['test'] });
      assert.equal((await playHls(instance.url, token, { clientIp: '10.9.0.3' })).status, 200);
    });

    test(`100 parallel wrong admin keys: at most ${MAX_ADMIN_FAILURES} are compared (401), the rest get 429`, async () => {
      const answers = await Promise.all(
        Array.from({ length: 100 }, (_, i) =>
          timedRequest(`${instance.url}/v1/tokens/tok_AAAAAAAAAAAAAAAA`, { headers: { authorization: `Bearer wrong-admin-key-${i}-padding` }, deadlineMs: 30_000 }),
        ),
      );
      const statuses = answers.map((answer) => answer.status);
      assert.equal(statuses.filter((status) => status === 401).length, MAX_ADMIN_FAILURES);
      assert.equal(statuses.filter((status) => status === 429).length, 100 - MAX_ADMIN_FAILURES);
      assert.equal((await timedRequest(`${instance.url}/v1/tokens/tok_AAAAAAAAAAAAAAAA`, { headers: { authorization: `Bearer ${ADMIN_KEY}` } })).status, 429);
    });
  });
}
