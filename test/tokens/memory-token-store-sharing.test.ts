import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { test } from 'node:test';
import { MemoryTokenStore } from '../../src/tokens/memory-token-store.js';
import type { TokenRecord } from '../../src/tokens/token-record.js';
import type { AccessRequest } from '../../src/tokens/token-verifier.js';
import { DEFAULT_SESSION_POLICY } from '../../src/tokens/viewer-session.js';
import { ManualClock } from '../helpers/manual-clock.js';

function sampleRecord(clock: ManualClock): TokenRecord {
  return {
    id: 'tok_sample0000000',
    streams: ['live-*'],
    appKeys: null,
    actions: ['play'],
    notBefore: null,
    expiresAt: clock.now() + 3_600_000,
    headers: { 'X-Viewer': 'v1' },
    metadata: { plan: 'gold' },
    createdAt: clock.now(),
    disabled: false,
    revokedAt: null,
  };
}

test('the memory store hands out its stored record without copying it, on each lookup and each decision', async () => {
  const clock = new ManualClock();
  const store = new MemoryTokenStore(clock);
  await store.create('hash-1', sampleRecord(clock));
  assert.equal(await store.findByHash('hash-1'), await store.findByHash('hash-1'));
  const request: AccessRequest = {
    stream: 'live-1',
    appKey: undefined,
    action: 'play',
    clientIp: undefined,
    viewerSessionId: 'session-1',
    consume: true,
  };
  const check = { sessionId: 'session-1', clientIp: undefined, now: clock.now(), ...DEFAULT_SESSION_POLICY };
  const first = await store.authorize('hash-1', request, check);
  const second = await store.authorize('hash-1', request, check);
  assert.equal(first?.reason, null);
  assert.equal(first?.record, second?.record);
  assert.equal(first?.record, await store.findByHash('hash-1'));
  await store.close();
});

test('a record read from the memory store cannot be changed by the caller: writes throw, the store keeps its state', async () => {
  const clock = new ManualClock();
  const store = new MemoryTokenStore(clock);
  await store.create('hash-1', sampleRecord(clock));
  const read = await store.findByHash('hash-1');
  assert.ok(read);
  assert.throws(() => read.streams.push('other'), TypeError);
  assert.throws(() => {
    read.revokedAt = 1;
  }, TypeError);
  assert.throws(() => {
    read.headers['X-Viewer'] = 'someone-else';
  }, TypeError);
  assert.deepEqual(await store.findByHash('hash-1'), sampleRecord(clock));
  await store.close();
});

test('the memory store copies a record in: changing the caller object afterwards changes nothing stored', async () => {
  const clock = new ManualClock();
  const store = new MemoryTokenStore(clock);
  const original = sampleRecord(clock);
  await store.create('hash-1', original);
  original.streams.push('other');
  original.metadata.plan = 'free';
  assert.deepEqual(await store.findById(original.id), sampleRecord(clock));
  await store.close();
});

test('revoking in the memory store replaces the record: later reads are revoked, the first revocation time stays', async () => {
  const clock = new ManualClock();
  const store = new MemoryTokenStore(clock);
  const record = sampleRecord(clock);
  await store.create('hash-1', record);
  const before = await store.findByHash('hash-1');
  const revoked = await store.revoke(record.id, clock.now() + 10);
  assert.equal(revoked?.revokedAt, clock.now() + 10);
  assert.equal(before?.revokedAt, null, 'a record handed out earlier is not changed under its reader');
  assert.equal((await store.findByHash('hash-1'))?.revokedAt, clock.now() + 10);
  assert.equal((await store.revoke(record.id, clock.now() + 99))?.revokedAt, clock.now() + 10);
  assert.equal(await store.revoke('tok_unknown000000', clock.now()), undefined);
  await store.close();
});

test('stored records of the same optional fields share one hidden class, also after an update or a revocation', () => {
  // A record copied with spread and then frozen got a V8 hidden class of its own: ~490 bytes more per token, and
  // megamorphic reads of record fields in every decision (bench/README.md, "Memory"). V8's own check of the maps,
  // in a child process with natives syntax on.
  const script = `
    import { MemoryTokenStore } from './src/tokens/memory-token-store.ts';
    const sameMap = new Function('a', 'b', 'return %HaveSameMap(a, b)');
    const clock = { now: () => 1_800_000_000_000 };
    const store = new MemoryTokenStore(clock);
    const record = (i, extra) => ({ id: 'tok_' + i, streams: ['s' + i], appKeys: null, actions: ['play'], notBefore: null,
      expiresAt: 1_900_000_000_000 + i, headers: {}, metadata: {}, createdAt: 1_800_000_000_000 + i, disabled: false,
      revokedAt: null, ...extra });
    const plain = [], limited = [];
    for (let i = 0; i < 50; i++) {
      await store.create('p' + i, record('p' + i, {}));
      await store.create('l' + i, record('l' + i, { maxUses: 3, viewerId: 'v' + i }));
      plain.push(await store.findByHash('p' + i));
      limited.push(await store.findByHash('l' + i));
    }
    await store.update('tok_p1', (current) => ({ ...current.record, streams: ['changed'] }));
    await store.revoke('tok_p2', 1_800_000_000_500);
    const updated = await store.findByHash('p1');
    const revoked = await store.findByHash('p2');
    await store.close();
    console.log(JSON.stringify({
      plain: plain.every((r) => sameMap(r, plain[0])),
      limited: limited.every((r) => sameMap(r, limited[0])),
      updated: sameMap(updated, plain[0]),
      revoked: sameMap(revoked, plain[0]),
      frozen: Object.isFrozen(updated) && Object.isFrozen(revoked),
    }));
  `;
  const child = spawnSync(process.execPath, ['--allow-natives-syntax', '--import', 'tsx', '--input-type=module', '-e', script], { encoding: 'utf8' });
  assert.equal(child.status, 0, child.stderr);
  assert.deepEqual(JSON.parse(child.stdout), { plain: true, limited: true, updated: true, revoked: true, frozen: true });
});
