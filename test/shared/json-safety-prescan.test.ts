import assert from 'node:assert/strict';
import { randomInt } from 'node:crypto';
import { describe, it } from 'node:test';
import { findUnsafeJson, mayHoldUnsafeJson, MAX_JSON_DEPTH } from '../../src/shared/json-safety.js';

/** Texts JSON.stringify writes for random values: keys and strings from a hostile alphabet, random nesting. */
const PIECES = ['a', 'token', '__proto__', '__pr', 'oto__', '{', '[', '"', '\\', '\u00e9', '\ud83d\ude00', '\ud800', '\udc00', '\u0000', ' '];
function randomString(): string {
  let text = '';
  for (let n = randomInt(0, 4); n > 0; n--) text += PIECES[randomInt(PIECES.length)];
  return text;
}
function randomValue(depth: number): unknown {
  const kind = randomInt(depth > 40 ? 3 : 6);
  if (kind === 0) return randomString();
  if (kind === 1) return randomInt(1000);
  if (kind === 2) return null;
  if (kind === 3) return Array.from({ length: randomInt(0, 3) }, () => randomValue(depth + 1));
  const object: Record<string, unknown> = {};
  for (let n = randomInt(0, 3); n > 0; n--) object[randomString()] = randomValue(depth + 1);
  return object;
}
/** A chain of `depth` containers, alternating objects and arrays, a string at the bottom. */
function chain(depth: number, leaf: string): string {
  let text = JSON.stringify(leaf);
  for (let level = 0; level < depth; level++) text = level % 2 === 0 ? `{"k":${text}}` : `[${text}]`;
  return text;
}

describe('mayHoldUnsafeJson: the text pre-scan that lets the hook skip the walk over a parsed body', () => {
  it('never clears a text whose parsed value findUnsafeJson refuses (random hostile values)', () => {
    let cleared = 0;
    let refused = 0;
    for (let i = 0; i < 20_000; i++) {
      // JSON.stringify escapes unpaired surrogates, so the text is well-formed, as one decoded from UTF-8 is.
      const text = JSON.stringify(randomValue(0));
      const problem = findUnsafeJson(JSON.parse(text));
      if (problem !== undefined) refused += 1;
      if (!mayHoldUnsafeJson(text)) {
        cleared += 1;
        assert.equal(problem, undefined, text);
      }
    }
    // Both sides were exercised: many texts cleared without a walk, many refused by it.
    assert.ok(cleared > 1000, `cleared ${cleared}`);
    assert.ok(refused > 1000, `refused ${refused}`);
  });

  it('clears nesting up to the limit and not one level past it', () => {
    assert.equal(mayHoldUnsafeJson(chain(MAX_JSON_DEPTH, 'x')), false);
    assert.equal(findUnsafeJson(JSON.parse(chain(MAX_JSON_DEPTH, 'x'))), undefined);
    assert.equal(mayHoldUnsafeJson(chain(MAX_JSON_DEPTH + 1, 'x')), true);
    assert.notEqual(findUnsafeJson(JSON.parse(chain(MAX_JSON_DEPTH + 1, 'x'))), undefined);
    // Brackets inside strings count too: more conservative, never less.
    assert.equal(mayHoldUnsafeJson(JSON.stringify({ k: '['.repeat(MAX_JSON_DEPTH) })), true);
  });

  it('does not clear a __proto__ key, literal or escaped, or an escaped unpaired surrogate', () => {
    for (const text of ['{"__proto__":1}', '{"a":{"__pr\\u006fto__":1}}', '{"a":"\\ud800"}', '{"\\udc00":1}']) {
      assert.equal(mayHoldUnsafeJson(text), true, text);
      assert.notEqual(findUnsafeJson(JSON.parse(text)), undefined, text);
    }
    // The hook's own bodies are cleared: no escape, a handful of brackets.
    assert.equal(mayHoldUnsafeJson('{\n  "name": "stream1",\n  "custom": {\n    "token": "wta_abc"\n  }\n}'), false);
  });
});
