import assert from 'node:assert/strict';
import { validateHeaderName, validateHeaderValue } from 'node:http';
import { describe, it } from 'node:test';
import { headerNameProblem, headerValueProblem, MAX_HEADERS, tokenHeaderEntries } from '../../src/shared/http-headers.js';

const nodeAccepts = (check: () => void) => {
  try {
    check();
    return true;
  } catch {
    return false;
  }
};

describe('tokenHeaderEntries: the answer-time check of token headers', () => {
  it('accepts a value only where node accepts it, for every UTF-16 code unit (so skipping node\'s check is safe)', () => {
    for (let code = 0; code <= 0xffff; code++) {
      const value = `a${String.fromCharCode(code)}b`;
      const passed = tokenHeaderEntries({ 'X-Tier': value }).length === 1;
      if (passed) assert.ok(nodeAccepts(() => validateHeaderValue('X-Tier', value)), `U+${code.toString(16)}`);
      assert.equal(passed, headerValueProblem('X-Tier', value) === undefined, `same verdict as at entry, U+${code.toString(16)}`);
    }
  });

  it('accepts a name only where node accepts it, for every code unit up to U+0100, with the entry check\'s verdict', () => {
    for (let code = 0; code <= 0x100; code++) {
      const name = `X-a${String.fromCharCode(code)}`;
      const passed = tokenHeaderEntries({ [name]: 'v' }).length === 1;
      if (passed) assert.ok(nodeAccepts(() => validateHeaderName(name)), `U+${code.toString(16)}`);
      assert.equal(passed, headerNameProblem(name) === undefined, `same verdict as at entry, U+${code.toString(16)}`);
    }
  });

  it('drops what a record stored by an older version may hold: reserved, standard, malformed names, bad values', () => {
    const stored = Object.freeze({
      'X-Viewer-Tier': 'gold',
      'X-Accel-Redirect': '/internal',
      'x-request-id': 'forged',
      'Set-Cookie': 'a=b',
      'X-Bad-Value': 'a\r\nInjected: yes',
      'X-Number': 5 as unknown as string,
      'X-Customer': 'c-1',
    });
    assert.deepEqual(tokenHeaderEntries(stored), [
      ['X-Viewer-Tier', 'gold'],
      ['X-Customer', 'c-1'],
    ]);
  });

  it('keeps at most MAX_HEADERS + 1 (a JWT claim\'s headers plus its viewer id header)', () => {
    const many = Object.fromEntries(Array.from({ length: 40 }, (_, i) => [`X-H${i}`, String(i)]));
    assert.equal(tokenHeaderEntries(many).length, MAX_HEADERS + 1);
  });

  it('remembers the answer for a frozen map only: a map that can change is checked again', () => {
    const frozen = Object.freeze({ 'X-A': '1' });
    assert.equal(tokenHeaderEntries(frozen), tokenHeaderEntries(frozen), 'same entries, not checked twice');
    const open: Record<string, string> = { 'X-A': '1' };
    assert.deepEqual(tokenHeaderEntries(open), [['X-A', '1']]);
    open['X-Forwarded-For'] = '10.0.0.1';
    open['X-B'] = '2';
    assert.deepEqual(tokenHeaderEntries(open), [
      ['X-A', '1'],
      ['X-B', '2'],
    ]);
  });

  it('ignores inherited names', () => {
    const inherited = Object.create({ 'X-Inherited': 'v' }) as Record<string, string>;
    inherited['X-Own'] = 'v';
    assert.deepEqual(tokenHeaderEntries(inherited), [['X-Own', 'v']]);
  });
});
