import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { generateOpaqueToken, hashToken } from '../../src/tokens/opaque-token.js';
import { OpaqueTokenVerifier } from '../../src/tokens/opaque-token-verifier.js';
import { RedisTokenStore } from '../../src/tokens/redis-token-store.js';
import { ManualClock } from '../helpers/manual-clock.js';
import { startTestRedis, type TestRedis } from '../helpers/redis-server.js';
import { recordFor } from './token-store.contract.js';

/**
 * Issue 15: the decision script's values travel as one JSON array (decisionArgsJson) instead of one argument each.
 * Whatever the strings hold — quotes, backslashes, control characters, NUL, non-ASCII — the script must compare
 * and record the very bytes it received before: an exact stream, an app key, a glob, and the session ledger's IP.
 */
let redis: TestRedis;
let store: RedisTokenStore;
const clock = new ManualClock();
before(async () => {
  redis = await startTestRedis();
  store = new RedisTokenStore({ url: redis.url, keyPrefix: redis.keyPrefix, commandTimeoutMs: 5000, retentionMs: 10_000, clock });
});
after(async () => {
  await store.close();
  await redis.stop();
});

const HOSTILE = ['a"b\\c', 'line\nbreak\ttab', 'nul\u0000byte', 'é😀\u2028', '[1,2]', '1796000000000'];

test('hostile strings decide and record as they did as separate arguments', async () => {
  const verifier = new OpaqueTokenVerifier({ store, clock, sessions: { viewerWindowMs: 30_000, recordedSessionsMax: 3 } });
  for (const text of HOSTILE) {
    const token = generateOpaqueToken();
    await store.create(hashToken(token), recordFor(clock, { streams: [text, `${text}*x`], appKeys: [text], maxUses: 5 }));
    const decide = async (stream: string, appKey: string) => {
      const verdict = await verifier.verify(token, { stream, appKey, action: 'play', clientIp: '192.0.2.10', viewerSessionId: `s-${text}`, consume: true });
      return verdict.valid ? 'valid' : verdict.reason;
    };
    assert.equal(await decide(text, text), 'valid', JSON.stringify(text));
    assert.equal(await decide(`${text}-glob-x`, text), 'valid', `glob ${JSON.stringify(text)}`);
    assert.equal(await decide(`${text}?`, text), 'stream_not_allowed', JSON.stringify(text));
    assert.equal(await decide(text, `${text} `), 'app_not_allowed', JSON.stringify(text));
    const entry = await store.findEntryById((await store.findByHash(hashToken(token)))!.id);
    assert.equal(entry?.usage.uses, 1, 'one session started, its later checks spent nothing');
    const sessions = await store.listSessions(entry!.record.id);
    assert.deepEqual(sessions?.map((session) => session.ip), ['192.0.2.10']);
  }
});

test('a lone surrogate in a decision value is decided as Redis stores it (U+FFFD), never a failed script', async () => {
  // The doors refuse such strings; this pins that the scripts do not depend on it. Redis's cjson refuses an escaped
  // lone surrogate, so without the mending in decisionArgsJson and the session JSON the whole script fails.
  const withSessions = new RedisTokenStore({
    url: redis.url,
    keyPrefix: `${redis.keyPrefix}s:`,
    commandTimeoutMs: 5000,
    retentionMs: 10_000,
    clock,
    sessions: { windowMs: 30_000, defaultMaxViewerSessions: 0, limitMode: 'refuse', events: [] },
  });
  try {
    for (const target of [store, withSessions]) {
      const verifier = new OpaqueTokenVerifier({ store: target, clock, sessions: { viewerWindowMs: 30_000, recordedSessionsMax: 3 } });
      const token = generateOpaqueToken();
      await target.create(hashToken(token), recordFor(clock, { streams: ['cam\uFFFD'], maxUses: 5 }));
      const decide = async (stream: string) => {
        const verdict = await verifier.verify(token, { stream, appKey: undefined, action: 'play', clientIp: '192.0.2.10', viewerSessionId: 'lone\ud800', consume: true });
        return verdict.valid ? 'valid' : verdict.reason;
      };
      assert.equal(await decide('cam\ud800'), 'valid', 'the lone half reads as U+FFFD, as Redis stores it');
      assert.equal(await decide('other\udc00'), 'stream_not_allowed');
    }
  } finally {
    await withSessions.close();
  }
});
