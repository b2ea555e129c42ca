import assert from 'node:assert/strict';
import { after, describe, test } from 'node:test';
import { MemoryFailureLimiter, type FailureLimiter } from '../../src/abuse/failure-limiter.js';
import { authorizePlayback, type AuthorizeDeps } from '../../src/playback/authorize-playback.js';
import type { Decision } from '../../src/playback/decision.js';
import { GuessThrottle } from '../../src/playback/guess-throttle.js';
import { CompositeTokenVerifier } from '../../src/tokens/composite-token-verifier.js';
import { issueToken, issueTokenSchema, prepareToken } from '../../src/tokens/issue-token.js';
import { MemoryTokenStore } from '../../src/tokens/memory-token-store.js';
import { OpaqueTokenVerifier } from '../../src/tokens/opaque-token-verifier.js';
import { ManualClock } from '../helpers/manual-clock.js';
import { buildTestApp } from '../helpers/test-app.js';

const clock = new ManualClock(Date.now());
const store = new MemoryTokenStore(clock);
after(() => store.close());
const issueDeps = { store, now: clock.now(), defaultTtlSeconds: 3600, maxTtlSeconds: 86_400 };
const input = issueTokenSchema.parse({ streams: ['live'], ttlSeconds: 3600 });
const { token } = await issueToken(input, issueDeps);
/** Shaped like ours, never stored: a guess. */
const guessToken = () => prepareToken(input, issueDeps).token;
const tick = () => new Promise((resolve) => setImmediate(resolve));

let address = 0;
/** A request from an address no other test uses, so each test starts with a clean throttle. */
function requestFrom(ip = `192.0.2.${++address}`, stream = 'live') {
  return { stream, appKey: 'app', action: 'play' as const, clientIp: ip, viewerSessionId: `s-${ip}`, consume: false, peerAddress: '127.0.0.1' };
}

function depsWith(options: { limiter?: FailureLimiter; asyncStore?: boolean; maxPerIp?: number } = {}): AuthorizeDeps {
  const limiter = options.limiter ?? new MemoryFailureLimiter({ windowMs: 60_000, clock });
  // A store without authorizeNow, as the Redis one.
  const tokens = options.asyncStore ? { authorize: store.authorize.bind(store) } : store;
  return {
    verifier: new CompositeTokenVerifier({ jwt: undefined, opaque: new OpaqueTokenVerifier({ store: tokens, clock }) }),
    storeTimeoutMs: 1000,
    storeFailurePolicy: 'deny',
    onStoreFailure: () => assert.fail('no store failure expected'),
    guessThrottle: new GuessThrottle(limiter, { maxPerIp: options.maxPerIp ?? 2, maxPerStream: 0 }),
  };
}

function now(answer: Decision | Promise<Decision>): Decision {
  assert.ok(!(answer instanceof Promise), 'expected a decision answered at once');
  return answer;
}

function later(answer: Decision | Promise<Decision>): Promise<Decision> {
  assert.ok(answer instanceof Promise, 'expected a promise (the asynchronous path)');
  return answer;
}

describe('authorizePlayback with the memory store and limiter answers at once', () => {
  test('allow, deny, and no throttle configured', () => {
    const deps = depsWith();
    assert.deepEqual(pick(now(authorizePlayback(token, requestFrom(), deps))), { allow: true, reason: 'valid' });
    assert.deepEqual(pick(now(authorizePlayback(token, requestFrom(undefined, 'other'), deps))), { allow: false, reason: 'stream_not_allowed' });
    const unthrottled = { ...deps, guessThrottle: undefined };
    assert.deepEqual(pick(now(authorizePlayback(token, requestFrom(), unthrottled))), { allow: true, reason: 'valid' });
  });

  test('a guess is refused at once and recorded; past the limit the address is throttled at once, even with a valid token', async () => {
    const { limiter, recorded } = countingLimiter();
    const deps = depsWith({ limiter });
    const request = requestFrom();
    assert.deepEqual(pick(now(authorizePlayback(guessToken(), requestFrom(request.clientIp), deps))), { allow: false, reason: 'unknown_token' });
    assert.equal(recorded(), 1, 'the guess was recorded');
    assert.deepEqual(pick(now(authorizePlayback(token, requestFrom(), deps))), { allow: true, reason: 'valid' }, 'other addresses: at once');
    // Its recording is still pending in the gate: the next decision for the address takes the asynchronous path.
    assert.deepEqual(pick(await later(authorizePlayback(guessToken(), requestFrom(request.clientIp), deps))), { allow: false, reason: 'unknown_token' });
    await tick();
    assert.equal(recorded(), 2);
    assert.deepEqual(pick(now(authorizePlayback(token, requestFrom(request.clientIp), deps))), { allow: false, reason: 'throttled' });
    assert.equal(recorded(), 2, 'a throttled request is no guess');
  });
});

describe('authorizePlayback falls back to the promise when a step cannot answer at once', () => {
  test('someone waits in the gate for the address: a promise, with the same answer once served', async () => {
    const deps = depsWith({ maxPerIp: 1 });
    const request = requestFrom();
    const held = await (deps.guessThrottle as GuessThrottle).admit(request);
    assert.notEqual(held, 'throttled');
    const waiting = later(authorizePlayback(token, requestFrom(request.clientIp), deps));
    await tick();
    if (held !== 'throttled') await held.finish(false);
    assert.deepEqual(pick(await waiting), { allow: true, reason: 'valid' });
    assert.deepEqual(pick(now(authorizePlayback(token, requestFrom(request.clientIp), deps))), { allow: true, reason: 'valid' });
  });

  test('a limiter that reads asynchronously (Redis) or a store without authorizeNow: a promise, with the same answers', async () => {
    const memory = new MemoryFailureLimiter({ windowMs: 60_000, clock });
    const redisLike: FailureLimiter = { remaining: (keys) => memory.remaining(keys), recordFailure: (keys) => memory.recordFailure(keys) };
    for (const deps of [depsWith({ limiter: redisLike }), depsWith({ asyncStore: true })]) {
      assert.deepEqual(pick(await later(authorizePlayback(token, requestFrom(), deps))), { allow: true, reason: 'valid' });
      assert.deepEqual(pick(await later(authorizePlayback(guessToken(), requestFrom(), deps))), { allow: false, reason: 'unknown_token' });
    }
  });
});

describe('authorizePlayback: the throttle admits at once but the verifier cannot (a JWT)', () => {
  test('the promise way, and the synchronous admission left nothing behind: one guess, recorded once', async () => {
    const { limiter, recorded } = countingLimiter();
    const deps = depsWith({ limiter, maxPerIp: 1 });
    const jwt = { verify: async () => ({ valid: false as const, kind: 'jwt' as const, tokenId: null, reason: 'invalid_signature' as const }) };
    deps.verifier = new CompositeTokenVerifier({ jwt, opaque: new OpaqueTokenVerifier({ store, clock }) });
    const request = requestFrom();
    const forged = 'eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.c2lnbmF0dXJl';
    assert.deepEqual(pick(await later(authorizePlayback(forged, requestFrom(request.clientIp), deps))), { allow: false, reason: 'invalid_signature' });
    await tick();
    assert.equal(recorded(), 1);
    assert.deepEqual(pick(now(authorizePlayback(token, requestFrom(request.clientIp), deps))), { allow: false, reason: 'throttled' });
  });
});

describe('authorizePlayback: a limiter that reads at once, a store that cannot (Redis with learnLocally)', () => {
  test('the gate is asked once, its ticket holds its place while the store answers, and a guess is recorded once', async () => {
    const { limiter, recorded, reads } = countingLimiter();
    const deps = depsWith({ limiter, asyncStore: true, maxPerIp: 1 });
    const request = requestFrom();
    const first = later(authorizePlayback(guessToken(), requestFrom(request.clientIp), deps));
    assert.equal(reads(), 1, 'one read of the limiter');
    // While the first lookup waits for the store, its place is held: the only failure left is its own.
    const second = later(authorizePlayback(token, requestFrom(request.clientIp), deps));
    assert.deepEqual(pick(await first), { allow: false, reason: 'unknown_token' });
    assert.deepEqual(pick(await second), { allow: false, reason: 'throttled' }, 'waited for the first, then limited');
    await tick();
    assert.equal(recorded(), 1);
    assert.deepEqual(pick(await later(authorizePlayback(token, requestFrom(), deps))), { allow: true, reason: 'valid' }, 'other addresses');
  });
});

describe('authorizePlayback with the services as main.ts builds them (TOKEN_STORE=memory)', () => {
  test('the instrumented store and limiter keep their synchronous answers: allow, guess, throttled at once', async () => {
    const app = buildTestApp({ store: 'memory', env: { BRUTE_FORCE_MAX_PER_IP: '1' } });
    try {
      const { services, config } = app;
      const issued = await issueToken(input, { ...issueDeps, store: services.store, now: app.clock.now() });
      const deps: AuthorizeDeps = { ...config, ...services, onStoreFailure: () => assert.fail('no store failure expected') };
      const ip = '198.51.100.7';
      assert.deepEqual(pick(now(authorizePlayback(issued.token, requestFrom(ip), deps))), { allow: true, reason: 'valid' });
      assert.deepEqual(pick(now(authorizePlayback(guessToken(), requestFrom(ip), deps))), { allow: false, reason: 'unknown_token' });
      await tick();
      assert.deepEqual(pick(now(authorizePlayback(issued.token, requestFrom(ip), deps))), { allow: false, reason: 'throttled' });
    } finally {
      await app.close();
    }
  });
});

/** A memory limiter (reads at once) that counts its reads and its recorded failures. */
function countingLimiter(): { limiter: FailureLimiter; recorded: () => number; reads: () => number } {
  const memory = new MemoryFailureLimiter({ windowMs: 60_000, clock });
  let recordings = 0;
  let readCount = 0;
  const limiter: FailureLimiter = {
    remaining: (keys) => ((readCount += 1), memory.remaining(keys)),
    remainingNow: (keys) => ((readCount += 1), memory.remainingNow(keys)),
    recordFailure: (keys) => ((recordings += 1), memory.recordFailure(keys)),
  };
  return { limiter, recorded: () => recordings, reads: () => readCount };
}

function pick(decision: Decision): { allow: boolean; reason: string } {
  return { allow: decision.allow, reason: decision.reason };
}
