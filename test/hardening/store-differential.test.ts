import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import fc from 'fast-check';
import request from 'supertest';
import { startTestRedis, type TestRedis } from '../helpers/redis-server.js';
import { startServiceInstance, type ServiceInstance } from '../helpers/service-instance.js';
import { ADMIN_KEY } from '../helpers/test-app.js';
import { newerPlayHlsBody, pretty } from '../helpers/wcs-bodies.js';
import { generateTestKeys, keyDir, mintJwt, seconds } from '../tokens/jwt/jwt-fixtures.js';

/**
 * Differential test (issue 13): the memory store and the Redis store (a real redis-server) are driven through the
 * HTTP API with the same random sequences of issue / PATCH / revoke / decide / read, with hostile strings (lone
 * surrogates, globs, long names, emoji), huge and fractional numbers. Every answer — status, error code, decision
 * reason, token state and uses — must be the same. Any difference is a bug in one of the stores. Both are built as
 * the service builds them (createServices), so the live session registry takes part: viewer ids on tokens and JWTs,
 * a per-viewer limit, PATCHes of viewerId while sessions are live. Once more with TOKEN_RETENTION_SECONDS=0, where a
 * record is gone the moment it expires by the service's clock (which runs far ahead of Redis's: Redis never expires
 * a key on its own during a run, so only the service clock can say it is gone).
 */

const SURROGATES = ['\ud800', '\udfff', '\ud83d'];
/** Pattern and name alphabets small enough that globs often match, with the characters that once split the stores. */
/** Mostly the usual, now and then the hostile: sequences must get far enough to reach the stateful policies. */
const rarely = <T, U>(usual: fc.Arbitrary<T>, hostile: fc.Arbitrary<U>) =>
  fc.oneof({ weight: 12, arbitrary: usual }, { weight: 1, arbitrary: hostile });
const surrogate = fc.constantFrom(...SURROGATES);
const patternUnit = rarely(fc.constantFrom('a', 'b', '*', 'é', '😀'), surrogate);
const nameUnit = rarely(fc.constantFrom('a', 'b', 'é', '😀'), surrogate);
const pattern = fc.oneof(
  { weight: 6, arbitrary: fc.constantFrom('a', 'ab', 'a*', '*b', '*', 'é😀', '*😀*', 'a*b*') },
  { weight: 3, arbitrary: fc.string({ unit: patternUnit, minLength: 1, maxLength: 5 }) },
  { weight: 1, arbitrary: fc.constantFrom('*', `*${'a'.repeat(40)}b`, `${'*a'.repeat(60)}*`, 'x'.repeat(257), 'a b') },
);
const streamName = fc.oneof(
  { weight: 12, arbitrary: fc.constantFrom('a', 'a', 'ab', 'b', 'aab', 'é😀', 'aé😀b') },
  { weight: 3, arbitrary: fc.string({ unit: nameUnit, minLength: 1, maxLength: 6 }) },
  { weight: 1, arbitrary: fc.constantFrom('a'.repeat(256), 'a'.repeat(257), 'a'.repeat(5000), `${'a'.repeat(255)}\ud800`, '') },
);
const hostileText = rarely(fc.string({ unit: nameUnit, maxLength: 4 }), fc.constantFrom('', 'x'.repeat(300), '\u0000'));
const hugeNumber = fc.constantFrom(1e20, 1.5, -1, 0, 2 ** 53, Number.MAX_SAFE_INTEGER + 2);
const ttl = rarely(fc.integer({ min: 1, max: 120 }), hugeNumber);
const limit = rarely(fc.integer({ min: 1, max: 3 }), hugeNumber);
const viewerId = fc.constantFrom('v1', 'v2');

/** Each optional field is present one time in four: most tokens have one policy or two, not all of them. */
const sometimes = <T>(arbitrary: fc.Arbitrary<T>) => fc.oneof({ weight: 3, arbitrary: fc.constant(undefined) }, { weight: 1, arbitrary });
const withoutUndefined = (body: Record<string, unknown>) => Object.fromEntries(Object.entries(body).filter(([, value]) => value !== undefined));

const issueBody = fc
  .record({
    streams: fc.array(pattern, { minLength: 1, maxLength: 3 }),
    appKeys: sometimes(fc.array(rarely(fc.constantFrom('app', 'other', 'é'), surrogate), { minLength: 1, maxLength: 2 })),
    maxUses: sometimes(limit),
    maxViewers: sometimes(limit),
    bindIpOnFirstUse: sometimes(fc.boolean()),
    allowedIps: sometimes(fc.constantFrom(['192.168.1.0/24'], ['10.0.0.0/8', '2001:db8::/32'])),
    ttlSeconds: sometimes(ttl),
    metadata: sometimes(fc.dictionary(hostileText, fc.oneof(hostileText, hugeNumber), { maxKeys: 2 })),
    headers: sometimes(rarely(fc.constant({ 'X-Viewer': 'v' }), fc.constant({ 'X-Viewer': '\ud800' }))),
    viewerId: fc.oneof({ weight: 1, arbitrary: fc.constant(undefined) }, { weight: 1, arbitrary: viewerId }),
    maxViewerSessions: sometimes(limit),
  })
  .map(withoutUndefined);
const patchBody = fc
  .record({
    disabled: sometimes(fc.boolean()),
    maxUses: sometimes(fc.oneof(limit, fc.constant(null))),
    maxViewers: sometimes(fc.oneof(limit, fc.constant(null))),
    bindIpOnFirstUse: sometimes(fc.boolean()),
    allowedIps: sometimes(fc.oneof(fc.constant(null), fc.constantFrom(['10.0.0.0/8'], ['192.168.1.0/24']))),
    ttlSeconds: sometimes(ttl),
    metadata: sometimes(fc.dictionary(hostileText, hostileText, { maxKeys: 2 })),
    viewerId: sometimes(fc.oneof(viewerId, fc.constant(null))),
  })
  .map(withoutUndefined);
const decideStep = fc.record({
  token: fc.nat(5),
  name: streamName,
  appKey: rarely(fc.constantFrom('app', 'app', 'other', 'é'), surrogate),
  ip: fc.constantFrom('192.168.1.100', '192.168.1.101', '10.1.2.3', '2001:db8:0:0:0:0:0:7'),
  session: fc.option(rarely(fc.constantFrom('s1', 's2', 's3'), fc.constantFrom('s\ud800', 'x'.repeat(300))), { nil: undefined }),
});

function decide(step: Partial<Extract<Command, { kind: 'decide' }>>): Command {
  return { kind: 'decide', token: 0, name: 'a', appKey: 'app', ip: '192.168.1.100', session: undefined, ...step };
}

/** A JWT decided by both stores: claims with hostile values, `once` and `jti` for the jti store's state. */
const jwtStep = fc.record({
  streams: fc.array(pattern, { minLength: 1, maxLength: 2 }),
  // Seconds from now, or an absolute NumericDate (huge, fractional, past year 9999).
  exp: rarely(fc.constantFrom(600, 5, -5), fc.constantFrom(1e20, 253_402_300_800, 253_402_300_799, 1.5)),
  once: fc.boolean(),
  jti: fc.option(rarely(fc.constantFrom('j1', 'j2'), fc.constantFrom('j\ud800', 'j\udc00')), { nil: undefined }),
  name: streamName,
  session: fc.constantFrom('s1', 's2'),
  vid: fc.option(viewerId, { nil: undefined }),
});

type Command =
  | { kind: 'issue'; body: Record<string, unknown> }
  | { kind: 'patch'; token: number; body: Record<string, unknown> }
  | { kind: 'revoke'; token: number }
  | { kind: 'read'; token: number }
  | { kind: 'advance'; ms: number }
  | ({ kind: 'jwt' } & JwtStep)
  | { kind: 'decide'; token: number; name: string; appKey: string; ip: string; session: string | undefined };

const command: fc.Arbitrary<Command> = fc.oneof(
  { weight: 3, arbitrary: issueBody.map((body) => ({ kind: 'issue' as const, body })) },
  { weight: 1, arbitrary: fc.record({ token: fc.nat(5), body: patchBody }).map((c) => ({ kind: 'patch' as const, ...c })) },
  { weight: 1, arbitrary: fc.nat(5).map((token) => ({ kind: 'revoke' as const, token })) },
  { weight: 1, arbitrary: fc.nat(5).map((token) => ({ kind: 'read' as const, token })) },
  { weight: 1, arbitrary: fc.constantFrom(1_000, 30_000, 61_000).map((ms) => ({ kind: 'advance' as const, ms })) },
  { weight: 3, arbitrary: jwtStep.map((step) => ({ kind: 'jwt' as const, ...step })) },
  { weight: 10, arbitrary: decideStep.map((step) => ({ kind: 'decide' as const, ...step }) as Command) },
);

interface JwtStep {
  streams: string[];
  exp: number;
  once: boolean;
  jti: string | undefined;
  name: string;
  session: string;
  vid: string | undefined;
}

const keys = generateTestKeys();
const files = keyDir();
after(() => files.cleanup());

/** One store's side of a run: its instance, and the tokens it issued, in order. */
interface Side {
  t: ServiceInstance;
  tokens: { token: string; id: string }[];
}

const admin = (_t: ServiceInstance) => ({ authorization: `Bearer ${ADMIN_KEY}` });
/** Far ahead of Redis's clock (see above). */
const CLOCK_START = Date.parse('2030-01-01T00:00:00Z');

/** Runs one command on one side and returns what the outside world sees of it. */
async function run(side: Side, cmd: Command): Promise<unknown> {
  const { t, tokens } = side;
  const pick = (index: number) => tokens[index % Math.max(tokens.length, 1)];
  switch (cmd.kind) {
    case 'issue': {
      const res = await request(t.app).post('/v1/tokens').set(admin(t)).set('content-type', 'application/json').send(JSON.stringify(cmd.body));
      if (res.status === 201) tokens.push({ token: res.body.token, id: res.body.record.id });
      return { status: res.status, code: res.body.error?.code, fields: res.body.error?.details?.map((d: { field: string }) => d.field) };
    }
    case 'patch': {
      const target = pick(cmd.token);
      if (!target) return 'no token';
      const res = await request(t.app).patch(`/v1/tokens/${target.id}`).set(admin(t)).set('content-type', 'application/json').send(JSON.stringify(cmd.body));
      return { status: res.status, code: res.body.error?.code, state: res.body.state, uses: res.body.uses };
    }
    case 'revoke': {
      const target = pick(cmd.token);
      if (!target) return 'no token';
      const res = await request(t.app).delete(`/v1/tokens/${target.id}`).set(admin(t));
      return { status: res.status, state: res.body.state };
    }
    case 'read': {
      const target = pick(cmd.token);
      if (!target) return 'no token';
      const res = await request(t.app).get(`/v1/tokens/${target.id}`).set(admin(t));
      const sessions = await request(t.app).get(`/v1/tokens/${target.id}/sessions`).set(admin(t));
      // Live session ids are derived from the token, which differs between the sides: compared by viewer.
      const live = await request(t.app).get('/v1/sessions').query({ limit: '200' }).set(admin(t));
      const viewers = (live.body.items as { viewerId: string | null }[] | undefined)?.map((item) => item.viewerId ?? '-').sort();
      return {
        status: res.status,
        state: res.body.state,
        uses: res.body.uses,
        sessions: sessions.status === 200 ? sessions.body.sessions : sessions.status,
        live: viewers ?? live.status,
      };
    }
    case 'advance':
      t.clock.advance(cmd.ms);
      return 'advanced';
    case 'jwt': {
      const now = seconds(t.clock.now());
      // Small values are seconds from now; the hostile ones are absolute.
      const exp = Math.abs(cmd.exp) <= 600 ? now + cmd.exp : cmd.exp;
      const claims = {
        iat: now,
        exp,
        streams: cmd.streams,
        ...(cmd.once ? { once: true } : {}),
        ...(cmd.jti === undefined ? {} : { jti: cmd.jti }),
        ...(cmd.vid === undefined ? {} : { vid: cmd.vid }),
      };
      const token = mintJwt('ES256', claims, keys.ec256.privateKey, { kid: 'ec' });
      const body = newerPlayHlsBody({ name: cmd.name, mediaSessionId: cmd.session }, { token });
      const res = await request(t.app).post('/wcs/playHLS').set('content-type', 'application/json').send(pretty(body));
      const line = t.logs.decisions().find((decision) => decision.requestId === res.headers['x-request-id']);
      return { status: res.status, reason: line?.reason, code: res.body?.error?.code };
    }
    case 'decide': {
      const token = pick(cmd.token)?.token ?? 'wta_unknown';
      const body = newerPlayHlsBody(
        {
          name: cmd.name,
          appKey: cmd.appKey,
          sessionId: `/${cmd.ip}:59473/192.168.1.5:8445`,
          ...(cmd.session === undefined ? {} : { mediaSessionId: cmd.session }),
        },
        { token },
      );
      // JSON.stringify writes a lone surrogate as a \ud800 escape: it reaches the service as sent.
      const res = await request(t.app).post('/wcs/playHLS').set('content-type', 'application/json').send(pretty(body));
      const line = t.logs.decisions().find((decision) => decision.requestId === res.headers['x-request-id']);
      return { status: res.status, reason: line?.reason, code: res.body?.error?.code };
    }
  }
}

/** Always run, whatever the seed: each stateful policy reached, and the cases that once split the stores. */
const EXAMPLES: [Record<string, unknown>, Command[]][] = [
  [
    { streams: ['a*'], maxUses: 1, bindIpOnFirstUse: true },
    [
      decide({ name: 'ab', session: 's1' }),
      decide({ name: 'ab', session: 's2' }),
      decide({ name: 'ab', session: 's1', ip: '192.168.1.101' }),
      { kind: 'issue', body: { streams: ['*'], maxViewers: 1, metadata: { k: '\ud800' } } },
      { kind: 'issue', body: { streams: ['*'], maxViewers: 1 } },
      decide({ token: 1, session: 's1' }),
      decide({ token: 1, session: 's2' }),
      decide({ token: 1, name: `${'a'.repeat(255)}\ud800` }),
      decide({ token: 1, name: 'a'.repeat(257) }),
      decide({ token: 1, session: 's\ud800' }),
      { kind: 'read', token: 0 },
      { kind: 'read', token: 1 },
      { kind: 'jwt', streams: ['a*'], exp: 1e20, once: true, jti: 'j1', name: 'a', session: 's1', vid: undefined },
      { kind: 'jwt', streams: ['a*'], exp: 600, once: true, jti: 'j1', name: 'a', session: 's1', vid: undefined },
      { kind: 'jwt', streams: ['a*'], exp: 600, once: true, jti: 'j1', name: 'a', session: 's2', vid: undefined },
      { kind: 'jwt', streams: ['a*'], exp: 600, once: true, jti: 'j\ud800', name: 'a', session: 's2', vid: undefined },
    ],
  ],
  // PATCH of viewerId while a session is live: the session stays counted under the viewer it started with.
  [
    { streams: ['*'], viewerId: 'v1' },
    [
      decide({ session: 's1' }),
      { kind: 'patch', token: 0, body: { viewerId: 'v2' } },
      decide({ session: 's1' }),
      { kind: 'issue', body: { streams: ['*'], viewerId: 'v2' } },
      decide({ token: 1, session: 's2' }),
      decide({ token: 0, session: 's3' }),
      { kind: 'read', token: 0 },
      // Its checks keep it live under that viewer: still counted 70 s after it started (window 60 s).
      { kind: 'advance', ms: 30_000 },
      decide({ session: 's1' }),
      { kind: 'advance', ms: 40_000 },
      { kind: 'issue', body: { streams: ['*'], viewerId: 'v1' } },
      decide({ token: 2, session: 's4' }),
      // A one-time JWT refused for its viewer's limit claims nothing: once the viewer is free, it is not used.
      { kind: 'jwt', streams: ['*'], exp: 600, once: true, jti: 'j3', name: 'a', session: 's1', vid: 'v1' },
      { kind: 'advance', ms: 61_000 },
      { kind: 'jwt', streams: ['*'], exp: 600, once: true, jti: 'j3', name: 'a', session: 's2', vid: 'v1' },
    ],
  ],
  // Expiry by the service's clock: with TOKEN_RETENTION_SECONDS=0 the record is gone for reads and writes too.
  [
    { streams: ['a'], ttlSeconds: 1 },
    [decide({ session: 's1' }), { kind: 'advance', ms: 1_000 }, { kind: 'read', token: 0 }, { kind: 'patch', token: 0, body: { disabled: true } }, { kind: 'revoke', token: 0 }, decide({ session: 's1' })],
  ],
];

const CONFIGURATIONS: { name: string; env: Record<string, string>; numRuns: number }[] = [
  { name: 'default retention', env: {}, numRuns: 60 },
  { name: 'TOKEN_RETENTION_SECONDS=0', env: { TOKEN_RETENTION_SECONDS: '0' }, numRuns: 30 },
];

describe('differential: memory and Redis stores decide alike (random command sequences)', { timeout: 600_000 }, () => {
  let redis: TestRedis;
  let runs = 0;
  /** What the decisions said, over all runs: the property is only worth something if they said many things. */
  const seen = new Map<string, number>();
  let jwtKeyFile: string;
  before(async () => {
    redis = await startTestRedis();
    jwtKeyFile = files.write('ec.pem', keys.ec256.publicPem);
  });
  after(async () => {
    await redis.stop();
  });

  for (const configuration of CONFIGURATIONS) {
    test(`same answers, reasons, states and uses for every command, whatever the strings and numbers (${configuration.name})`, async () => {
      await fc.assert(
        // Starting with an issue, so that most sequences decide about a token that exists.
        fc.asyncProperty(fc.tuple(issueBody, fc.array(command, { minLength: 1, maxLength: 25 })), async ([first, rest]) => {
          const env = {
            STORE_TIMEOUT_MS: '5000',
            VIEWER_SESSION_WINDOW_SECONDS: '60',
            VIEWER_MAX_SESSIONS: '1',
            SESSION_SWEEP_INTERVAL_SECONDS: '3600',
            BRUTE_FORCE_MAX_PER_IP: '0',
            JWT_KEYS: `ec:ES256=file:${jwtKeyFile}`,
            ...configuration.env,
          };
          const memory: Side = { t: await startServiceInstance(env, { clockStart: CLOCK_START }), tokens: [] };
          // A key prefix per run: runs never see each other's tokens.
          const redisEnv = { ...env, TOKEN_STORE: 'redis', REDIS_URL: redis.url, REDIS_KEY_PREFIX: `${redis.keyPrefix}${++runs}:` };
          const onRedis: Side = { t: await startServiceInstance(redisEnv, { clockStart: CLOCK_START }), tokens: [] };
          try {
            await compare(memory, onRedis, [{ kind: 'issue', body: first }, ...rest], seen);
          } finally {
            await memory.t.close();
            await onRedis.t.close();
          }
        }),
        { numRuns: configuration.numRuns, examples: EXAMPLES.map((example) => [example]) },
      );
    });
  }

  test('the runs said many things', () => {
    assert.ok((seen.get('200:valid') ?? 0) > 0, `some decisions allowed: ${JSON.stringify([...seen])}`);
    assert.ok((seen.get('400:') ?? 0) > 0, 'some hook bodies refused with 400');
    const reasons = ['ip_mismatch', 'use_limit_reached', 'viewer_limit_reached', 'stream_not_allowed', 'already_used', 'invalid_claims', 'viewer_session_limit'];
    for (const reason of reasons) {
      assert.ok((seen.get(`403:${reason}`) ?? 0) > 0, `some decisions refused with ${reason}: ${JSON.stringify([...seen])}`);
    }
    assert.ok(seen.size >= 8, `decisions of many kinds: ${JSON.stringify([...seen])}`);
  });
});

async function compare(memory: Side, onRedis: Side, commands: Command[], seen: Map<string, number>): Promise<void> {
  for (const [index, cmd] of commands.entries()) {
    const [fromMemory, fromRedis] = [await run(memory, cmd), await run(onRedis, cmd)];
    assert.deepEqual(fromRedis, fromMemory, `command ${index + 1} of ${commands.length}: ${JSON.stringify(cmd)}`);
    if (cmd.kind === 'decide' || cmd.kind === 'jwt') {
      const { status, reason } = fromMemory as { status: number; reason?: string };
      const key = `${status}:${reason ?? ''}`;
      seen.set(key, (seen.get(key) ?? 0) + 1);
    }
  }
}
