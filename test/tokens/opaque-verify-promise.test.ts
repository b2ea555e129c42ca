import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { OpaqueTokenVerifier } from '../../src/tokens/opaque-token-verifier.js';
import { issueTokenSchema, prepareToken } from '../../src/tokens/issue-token.js';
import { MemoryTokenStore } from '../../src/tokens/memory-token-store.js';
import type { TokenStore } from '../../src/tokens/token-store.js';
import { ManualClock } from '../helpers/manual-clock.js';

const clock = new ManualClock(Date.now());
const issueDeps = { store: new MemoryTokenStore(clock), now: clock.now(), defaultTtlSeconds: 3600, maxTtlSeconds: 86_400 };
const { token } = prepareToken(issueTokenSchema.parse({ streams: ['live'], ttlSeconds: 3600 }), issueDeps);
const request = { stream: 'live', appKey: 'app', action: 'play' as const, clientIp: '192.0.2.9', viewerSessionId: 's-1', consume: false };

describe('OpaqueTokenVerifier.verify over an asynchronous store (no async wrapper)', () => {
  test("the store's answer mapped to a verdict; a token that cannot be ours is refused without a store call", async () => {
    let calls = 0;
    const store: Pick<TokenStore, 'authorize'> = {
      authorize: () => ((calls += 1), Promise.resolve(undefined)),
    };
    const verifier = new OpaqueTokenVerifier({ store, clock });
    assert.deepEqual(await verifier.verify(token, request), { valid: false, kind: 'opaque', tokenId: null, reason: 'unknown_token' });
    assert.equal(calls, 1);
    assert.equal((await verifier.verify('not-a-token', request)).valid, false);
    assert.equal(calls, 1);
  });

  test('a store that throws synchronously or rejects: a rejection, never a throw', async () => {
    const broken = new Error('store broke');
    const throwing = new OpaqueTokenVerifier({
      store: {
        authorize: () => {
          throw broken;
        },
      },
      clock,
    });
    let answer: Promise<unknown> | undefined;
    assert.doesNotThrow(() => (answer = throwing.verify(token, request)));
    await assert.rejects(answer as Promise<unknown>, (error) => error === broken);
    const rejecting = new OpaqueTokenVerifier({ store: { authorize: () => Promise.reject(broken) }, clock });
    await assert.rejects(rejecting.verify(token, request), (error) => error === broken);
  });
});
