import assert from 'node:assert/strict';
import { test } from 'node:test';
import { toWellFormedText, wellFormedJson } from '../../src/shared/unicode.js';
import { decisionArgsJson, IntegerText, redisInteger } from '../../src/tokens/redis-script-args.js';

/**
 * Issue 15: the decision's JSON is written by hand with plain ASCII quoted as it is. It must be the very text
 * JSON.stringify(toWellFormedText(…)) gives for every string: escapes, controls, DEL, non-ASCII, lone surrogates.
 */
const SAMPLES = [
  '',
  'live/cam_1',
  'a"b\\c',
  'line\nbreak\ttab\r',
  'nul\u0000byte\u001f',
  'del\u007f',
  'é😀\u2028\u2029',
  'lone\ud800',
  '\udc00first',
  'pair\ud83d\ude00',
  '[1,2]',
  '1796000000000',
  '</script>',
  ...Array.from({ length: 256 }, (_, code) => `x${String.fromCharCode(code)}y`),
];

test('wellFormedJson is JSON.stringify(toWellFormedText(text)) for every string', () => {
  for (const text of SAMPLES) assert.equal(wellFormedJson(text), JSON.stringify(toWellFormedText(text)), JSON.stringify(text));
});

test('decisionArgsJson is the JSON array of the well-formed values', () => {
  assert.equal(decisionArgsJson([]), '[]');
  assert.equal(decisionArgsJson(SAMPLES), JSON.stringify(SAMPLES.map(toWellFormedText)));
  assert.deepEqual(JSON.parse(decisionArgsJson(['lone\ud800', 'ok'])), ['lone\uFFFD', 'ok']);
});

test('IntegerText keeps the last text and refuses what redisInteger refuses, every time', () => {
  const text = new IntegerText();
  assert.equal(text.of(1_796_000_000_000), '1796000000000');
  assert.equal(text.of(1_796_000_000_000), '1796000000000');
  assert.equal(text.of(5), '5');
  for (const bad of [Number.NaN, 1e21, 0.5, Number.POSITIVE_INFINITY]) {
    assert.throws(() => text.of(bad), RangeError);
    assert.throws(() => text.of(bad), RangeError, 'again: nothing was kept');
  }
  assert.equal(text.of(5), redisInteger(5));
  assert.equal(text.deadline(undefined), String(Number.MAX_SAFE_INTEGER));
  assert.equal(text.deadline(1_796_000_000_000.9), '1796000000000');
});
