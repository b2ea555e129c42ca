import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { eventually, issueToken, playHls, revokeToken, timedRequest, unknownToken, type TimedAnswer } from '../helpers/hook-client.js';
import { startTestRedis, type TestRedis } from '../helpers/redis-server.js';
import { startServiceProcess, type ServiceProcess } from '../helpers/service-process.js';
import { ADMIN_KEY } from '../helpers/test-app.js';

/**
 * Bounded load and soak: two real service processes (one `deny`, one `cached`) on one Redis with an append-only
 * file, a few thousand mixed requests from a fixed number of workers, and Redis killed and restarted (same port,
 * same data) a third of the way in. Checked: no request hangs, every answer is 200/403 as its kind and the policy
 * say, nothing invalid is ever allowed, no use-limited token lets in more viewer sessions than its limit, valid tokens are decided from the store again after the restart, and the
 * heap does not grow without bound. Counts are fixed; nothing here asserts speed.
 */
const TOTAL_REQUESTS = 3000;
const WORKERS = 12;
const RESTART_AFTER = 1000;
const TOKENS = 30;
const STORE_TIMEOUT_MS = 300;

const LIMITED_TOKENS = 4;
const MAX_USES = 3;
/** Viewer sessions that take turns on each use-limited token: more than MAX_USES, each coming back many times. */
const LIMITED_SESSIONS = 9;

type Kind = 'valid' | 'wrong_stream' | 'unknown' | 'revoked' | 'limited';
const KINDS: Kind[] = ['valid', 'valid', 'wrong_stream', 'unknown', 'revoked', 'limited'];

/** The process's JSON log lines (anything else it printed is skipped). */
function logLines(service: ServiceProcess): Record<string, unknown>[] {
  return service.output.flatMap((line) => {
    try {
      return [JSON.parse(line) as Record<string, unknown>];
    } catch {
      return [];
    }
  });
}

async function heapUsedBytes(url: string): Promise<number> {
  const text = (await timedRequest(`${url}/metrics`)).text;
  const match = /^nodejs_heap_size_used_bytes (\d+(?:\.\d+)?(?:e\+\d+)?)$/m.exec(text);
  return Number(match?.[1] ?? NaN);
}

describe('bounded load and soak across a Redis restart', { timeout: 240_000 }, () => {
  let redis: TestRedis;
  let dataDir: string;
  let deny: ServiceProcess;
  let cached: ServiceProcess;

  before(async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'wta-soak-'));
    // AOF with fsync per write: the restart keeps every token, so answers before and after can be compared.
    redis = await startTestRedis({ extraArgs: ['--appendonly', 'yes', '--appendfsync', 'always', '--dir', dataDir] });
    const env = (policy: string) => ({
      HOST: '127.0.0.1',
      PORT: '0',
      ADMIN_API_KEYS: `admin=${ADMIN_KEY}`,
      TOKEN_STORE: 'redis',
      REDIS_URL: redis.url,
      REDIS_KEY_PREFIX: redis.keyPrefix,
      STORE_TIMEOUT_MS: String(STORE_TIMEOUT_MS),
      STORE_FAILURE_POLICY: policy,
      DECISION_CACHE_TTL_SECONDS: '600',
    });
    // One after the other, so that after() stops the first should the second fail to start.
    deny = await startServiceProcess(env('deny'));
    cached = await startServiceProcess(env('cached'));
  });
  after(async () => {
    await deny?.stop();
    await cached?.stop();
    await redis?.stop();
    if (dataDir) rmSync(dataDir, { recursive: true, force: true });
  });

  test(`${TOTAL_REQUESTS} mixed requests at two instances, Redis restarted after ${RESTART_AFTER}: no hang, every answer as its kind and policy say`, async (t) => {
    if (!redis.owned) return t.skip('needs a Redis the tests started');
    const valid: { token: string; stream: string }[] = [];
    const revoked: string[] = [];
    for (let i = 0; i < TOKENS; i++) {
      const issued = await issueToken(deny.url, { streams: [`soak-${i}`] });
      if (i % 3 === 2) {
        await revokeToken(cached.url, issued.id);
        revoked.push(issued.token);
      } else valid.push({ token: issued.token, stream: `soak-${i}` });
    }
    const limited: { token: string; stream: string }[] = [];
    for (let i = 0; i < LIMITED_TOKENS; i++) {
      const issued = await issueToken(deny.url, { streams: [`lim-${i}`], maxUses: MAX_USES });
      limited.push({ token: issued.token, stream: `lim-${i}` });
    }
    // Warm-up: each instance allows every valid token once (the cached instance now remembers them).
    for (const instance of [deny, cached]) {
      for (const { token, stream } of valid) assert.equal((await playHls(instance.url, token, { stream })).status, 200);
    }
    const heapBefore = await Promise.all([deny, cached].map((p) => heapUsedBytes(p.url)));

    // Down for a while (a bare restart is over before the clients notice), then back with the same data.
    const restartRedisAfterOutage = async () => {
      await redis.kill();
      await new Promise((resolve) => setTimeout(resolve, 1500));
      await redis.restart();
    };
    const results: { index: number; instance: 'deny' | 'cached'; kind: Kind; answer: TimedAnswer; limitedKey?: string }[] = [];
    const hangs: string[] = [];
    let next = 0;
    let restart: Promise<void> | undefined;
    const worker = async () => {
      for (let index = next++; index < TOTAL_REQUESTS; index = next++) {
        if (index === RESTART_AFTER) restart = restartRedisAfterOutage();
        const kind = KINDS[index % KINDS.length]!;
        // Limited requests alternate between the instances by their own count (their index is always odd).
        const which = (kind === 'limited' ? Math.floor(index / KINDS.length) : index) % 2 === 0 ? 'deny' : 'cached';
        const target = which === 'deny' ? deny : cached;
        const pick = valid[index % valid.length]!;
        // Client addresses rotate so the brute-force limit (default 20 guesses per IP) stays out of this test's way.
        const clientIp = `10.77.${Math.floor(index / 250) % 250}.${index % 250}`;
        // The nth limited request goes to token n % 4, as session ⌊n / 4⌋ % 9: every token sees every session, often.
        const nth = Math.floor(index / KINDS.length);
        const lim = limited[nth % LIMITED_TOKENS]!;
        const session = `soak-session-${Math.floor(nth / LIMITED_TOKENS) % LIMITED_SESSIONS}`;
        try {
          const answer =
            kind === 'limited'
              ? await playHls(target.url, lim.token, { stream: lim.stream, clientIp, viewerSessionId: session, deadlineMs: 5000 })
              : kind === 'valid'
              ? await playHls(target.url, pick.token, { stream: pick.stream, clientIp, deadlineMs: 5000 })
              : kind === 'wrong_stream'
                ? await playHls(target.url, pick.token, { stream: 'not-granted', clientIp, deadlineMs: 5000 })
                : kind === 'unknown'
                  ? await playHls(target.url, unknownToken(), { stream: pick.stream, clientIp, deadlineMs: 5000 })
                  : await playHls(target.url, revoked[index % revoked.length]!, { stream: 'soak-2', clientIp, deadlineMs: 5000 });
          results.push({ index, instance: which, kind, answer, ...(kind === 'limited' ? { limitedKey: `${lim.stream} ${session}` } : {}) });
        } catch (error) {
          hangs.push(`#${index} ${which} ${kind}: ${(error as Error).name}`);
        }
      }
    };
    await Promise.all(Array.from({ length: WORKERS }, worker));
    await restart;

    assert.deepEqual(hangs, [], 'no request hung (client deadline 5 s)');
    assert.equal(results.length, TOTAL_REQUESTS);

    const reasons = new Map<string, unknown>();
    // The processes' log lines arrive through pipes a little after the answers: wait until every answer has its line.
    await eventually(async () => {
      for (const line of [...logLines(deny), ...logLines(cached)]) if (line.event === 'decision') reasons.set(String(line.requestId), line.reason);
      return results.every(({ answer }) => reasons.has(answer.requestId));
    }, 'a decision log line for every answer');
    const tally = new Map<string, number>();
    const sessionsLetIn = new Map<string, Set<string>>();
    for (const { index, instance, kind, answer, limitedKey } of results) {
      const reason = reasons.get(answer.requestId);
      const key = `${instance}/${kind}/${answer.status}/${String(reason)}`;
      tally.set(key, (tally.get(key) ?? 0) + 1);
      assert.ok([200, 403].includes(answer.status), `#${index}: status ${answer.status}`);
      if (kind === 'limited') {
        if (answer.status === 200) {
          const [stream = '', session = ''] = (limitedKey ?? '').split(' ');
          sessionsLetIn.set(stream, (sessionsLetIn.get(stream) ?? new Set()).add(session));
          assert.ok(['valid', 'cached'].includes(String(reason)), `#${index} ${instance}: limited token allowed as ${String(reason)}`);
        } else {
          assert.ok(['use_limit_reached', 'store_unavailable'].includes(String(reason)), `#${index} ${instance}: limited token refused as ${String(reason)}`);
        }
        continue;
      }
      if (kind !== 'valid') {
        assert.equal(answer.status, 403, `#${index} ${instance} ${kind} was allowed (${String(reason)})`);
        continue;
      }
      const allowedAs = instance === 'deny' ? ['valid'] : ['valid', 'cached'];
      if (answer.status === 200) assert.ok(allowedAs.includes(String(reason)), `#${index} ${instance}: allowed as ${String(reason)}`);
      // The deny instance refuses during the outage; the cached one allowed every valid token at warm-up.
      else assert.ok(instance === 'deny' && reason === 'store_unavailable', `#${index} ${instance}: valid token refused as ${String(reason)}`);
    }
    // The guarantee: across both instances, through the outage and the cache, no token let in more sessions than
    // its limit; and the test saw the limit bite (otherwise it proved nothing).
    assert.equal(sessionsLetIn.size, LIMITED_TOKENS);
    for (const [stream, sessions] of sessionsLetIn) assert.ok(sessions.size <= MAX_USES, `${stream}: ${sessions.size} sessions let in`);
    assert.ok((tally.get('deny/limited/403/use_limit_reached') ?? 0) + (tally.get('cached/limited/403/use_limit_reached') ?? 0) > 0);
    t.diagnostic(`answers by instance/kind/status/reason: ${JSON.stringify(Object.fromEntries([...tally].sort()))}`);
    const duringOutage = [...tally].filter(([key]) => /store_unavailable|cached/.test(key)).reduce((sum, [, n]) => sum + n, 0);
    assert.ok(duringOutage > 0, 'some requests met the restart (otherwise this test proved nothing about it)');

    // After the restart: both ready, both decide from the store, nothing was lost.
    for (const instance of [deny, cached]) {
      await eventually(async () => (await timedRequest(`${instance.url}/readyz`)).text.includes('"status":"ready"'), 'ready after the restart', 150);
      for (const { token, stream } of valid.slice(0, 5)) {
        const answer = await playHls(instance.url, token, { stream });
        assert.equal(answer.status, 200);
      }
      assert.equal((await playHls(instance.url, revoked[0]!, { stream: 'soak-2' })).status, 403);
      assert.ok(logLines(instance).some((line) => line.event === 'store_outage'));
      assert.ok(logLines(instance).some((line) => line.event === 'store_recovered'));
    }

    const heapAfter = await Promise.all([deny, cached].map((p) => heapUsedBytes(p.url)));
    t.diagnostic(`heap used before/after (MB): ${heapBefore.map((b, i) => `${(b / 1e6).toFixed(1)}/${(heapAfter[i]! / 1e6).toFixed(1)}`).join(', ')}`);
    for (const [i, before] of heapBefore.entries()) {
      assert.ok(Number.isFinite(before) && Number.isFinite(heapAfter[i]!));
      // Generous: garbage not yet collected is fine; a leak per request (3000 requests) is not.
      assert.ok(heapAfter[i]! - before < 64e6, `heap grew by ${((heapAfter[i]! - before) / 1e6).toFixed(1)} MB`);
    }
  });

  test('both processes shut down cleanly on SIGTERM (exit 0) after the soak', async () => {
    assert.equal(await deny.stop(), 0);
    assert.equal(await cached.stop(), 0);
  });
});
