import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { issueToken, playHls, revokeToken, unknownToken, type TimedAnswer } from '../helpers/hook-client.js';
import { serviceOnRedis, type ServiceInstance } from '../helpers/service-instance.js';
import { tokenLookups } from '../helpers/store-metrics.js';

/**
 * Unknown tokens and known tokens refused for scope or state take the same path: one store lookup each, and the
 * same answer bytes. (What network timing cannot show is argued in SECURITY.md.)
 */
function reasonOf(instance: ServiceInstance, answer: TimedAnswer): unknown {
  return instance.logs.decisions().find((line) => line.requestId === answer.requestId)?.reason;
}
const withoutRequestId = (answer: TimedAnswer) => answer.text.replace(answer.requestId, '<id>');
const headerNames = (answer: TimedAnswer) => [...answer.headers.keys()].filter((name) => name !== 'date').sort();

describe('unknown and known-but-wrong tokens are indistinguishable from outside', { timeout: 60_000 }, () => {
  let instance: ServiceInstance;
  serviceOnRedis({ BRUTE_FORCE_MAX_PER_IP: '0' }, ([first]) => (instance = first!));

  test('each refusal costs exactly one store lookup and answers the same 403 bytes, whatever the reason', async () => {
    const scoped = await issueToken(instance.url, { streams: ['mine'] });
    const revoked = await issueToken(instance.url, { streams: ['test'] });
    await revokeToken(instance.url, revoked.id);
    const app = await issueToken(instance.url, { streams: ['test'], appKeys: ['otherApp'] });

    const cases: [string, () => Promise<TimedAnswer>][] = [
      ['unknown_token', () => playHls(instance.url, unknownToken())],
      ['stream_not_allowed', () => playHls(instance.url, scoped.token, { stream: 'theirs' })],
      ['revoked', () => playHls(instance.url, revoked.token)],
      ['app_not_allowed', () => playHls(instance.url, app.token)],
    ];
    const answers: TimedAnswer[] = [];
    for (const [reason, send] of cases) {
      const lookups = await tokenLookups(instance);
      const answer = await send();
      assert.equal(reasonOf(instance, answer), reason);
      assert.equal((await tokenLookups(instance)) - lookups, 1, `${reason}: one lookup`);
      answers.push(answer);
    }
    const [first, ...rest] = answers;
    for (const answer of rest) {
      assert.equal(answer.status, first!.status);
      assert.equal(withoutRequestId(answer), withoutRequestId(first!));
      assert.deepEqual(headerNames(answer), headerNames(first!));
    }

    const validLookups = await tokenLookups(instance);
    assert.equal((await playHls(instance.url, scoped.token, { stream: 'mine' })).status, 200);
    assert.equal((await tokenLookups(instance)) - validLookups, 1, 'an allow costs the same single lookup');
  });

  test('a string that cannot be a token (wrong shape, public knowledge) is refused without a lookup, with the same answer', async () => {
    const lookups = await tokenLookups(instance);
    const answer = await playHls(instance.url, 'not-a-token');
    const unknown = await playHls(instance.url, unknownToken());
    assert.equal(reasonOf(instance, answer), 'unknown_token');
    assert.equal((await tokenLookups(instance)) - lookups, 1, 'only the well-formed one was looked up');
    assert.equal(withoutRequestId(answer), withoutRequestId(unknown));
  });
});
