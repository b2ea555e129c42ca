import assert from 'node:assert/strict';
import { test } from 'node:test';
import { DecisionCache } from '../../src/playback/decision-cache.js';
import type { AccessRequest } from '../../src/tokens/token-verifier.js';
import { ManualClock } from '../helpers/manual-clock.js';

const request = (stream: string): AccessRequest => ({
  stream,
  appKey: 'live',
  action: 'play',
  clientIp: '192.0.2.1',
  viewerSessionId: 's1',
  consume: true,
});
const allow = (tokenId: string) => ({ tokenId, kind: 'opaque' as const, headers: {} });

test('the per-token index follows every removal: an entry dropped for room is not counted when the token is revoked', () => {
  const sizes: number[] = [];
  const cache = new DecisionCache({ ttlMs: 60_000, maxEntries: 2, clock: new ManualClock(), onSizeChange: (size) => sizes.push(size) });
  cache.remember('token-a', request('one'), allow('tok_a'));
  cache.remember('token-a', request('two'), allow('tok_a'));
  cache.remember('token-b', request('one'), allow('tok_b'));
  assert.equal(cache.size, 2);
  assert.equal(cache.recall('token-a', request('one')), undefined, 'the least recently stored went first');
  assert.equal(cache.invalidateToken('tok_a'), 1);
  assert.equal(cache.recall('token-a', request('two')), undefined);
  assert.deepEqual(cache.recall('token-b', request('one')), allow('tok_b'));
  assert.deepEqual(sizes, [1, 2, 2, 1]);
});

test('storing again moves an entry to the newest place; an expired entry is dropped when read', () => {
  const clock = new ManualClock();
  const cache = new DecisionCache({ ttlMs: 1_000, maxEntries: 2, clock });
  cache.remember('token-a', request('one'), allow('tok_a'));
  cache.remember('token-b', request('one'), allow('tok_b'));
  cache.remember('token-a', request('one'), allow('tok_a'));
  cache.remember('token-c', request('one'), allow('tok_c'));
  assert.equal(cache.recall('token-b', request('one')), undefined);
  assert.ok(cache.recall('token-a', request('one')));
  clock.advance(1_000);
  assert.equal(cache.recall('token-a', request('one')), undefined);
  assert.equal(cache.invalidateToken('tok_a'), 0, 'the expired entry left the index too');
  assert.equal(cache.size, 1);
});
