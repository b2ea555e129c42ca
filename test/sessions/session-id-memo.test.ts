import assert from 'node:assert/strict';
import { test } from 'node:test';
import { jwtSessionIds, opaqueSessionIds, SessionIdMemo } from '../../src/tokens/sessions/session-id-memo.js';
import { sessionIdFor } from '../../src/tokens/sessions/session-registry.js';

test('a session id memo answers sessionIdFor(prefix + token, session key), kept or not, also after emptying', () => {
  for (const [memo, prefix] of [[opaqueSessionIds, ''], [jwtSessionIds, 'jwt\n'], [new SessionIdMemo((t, k) => sessionIdFor(`x:${t}`, k)), 'x:']] as const) {
    const expected = (token: string, key: string) => sessionIdFor(`${prefix}${token}`, key);
    const cases: Array<[string, string]> = [
      ['a'.repeat(64), 'session-1'],
      ['a'.repeat(64), 'session-2'],
      ['b'.repeat(64), 'session-1'],
      ['é😀', 'x'.repeat(200)],
      ['j'.repeat(256), 'long'],
      ['t', 'anonymous:6f1c'],
      ['', ''],
    ];
    for (let round = 0; round < 2; round++) for (const [token, key] of cases) assert.equal(memo.idFor(token, key), expected(token, key));
    // Past its bound (4096) the memo empties and goes on answering the same ids.
    for (let i = 0; i < 10_000; i++) {
      const token = `token-${i % 700}`;
      const key = `session-${i % 13}`;
      assert.equal(memo.idFor(token, key), expected(token, key));
    }
  }
  // The two kinds never share an id for the same strings: a jti equal to some token's hash is another session.
  assert.notEqual(opaqueSessionIds.idFor('c'.repeat(64), 's'), jwtSessionIds.idFor('c'.repeat(64), 's'));
});

test('a session id memo builds an id once while it keeps it; long inputs and anonymous sessions every time', () => {
  let built = 0;
  const memo = new SessionIdMemo((token, key) => {
    built += 1;
    return sessionIdFor(token, key);
  });
  const kept: Array<[string, string]> = [['a'.repeat(64), 'session-1'], ['a'.repeat(64), 'session-2'], ['b'.repeat(64), 'session-1']];
  const notKept: Array<[string, string]> = [['c'.repeat(64), 'x'.repeat(200)], ['t', 'anonymous:6f1c']];
  for (let round = 0; round < 3; round++) for (const [token, key] of [...kept, ...notKept]) memo.idFor(token, key);
  assert.equal(built, kept.length + 3 * notKept.length);
  // Full (4096 ids): emptied, then built and kept again.
  for (let i = 0; i < 4096; i++) memo.idFor(`token-${i}`, 's');
  built = 0;
  for (let round = 0; round < 2; round++) for (const [token, key] of kept) memo.idFor(token, key);
  assert.equal(built, kept.length);
});
