import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseSessionOutcome } from '../../src/tokens/sessions/session-registry.js';

test('parseSessionOutcome reads the scripts’ outcome strings, the common ones without parsing', () => {
  const none = { reason: null, started: false, replaced: 0, idle: 0 };
  assert.deepEqual(parseSessionOutcome('', 'continued'), none);
  assert.deepEqual(parseSessionOutcome('', ''), none);
  assert.deepEqual(parseSessionOutcome('', 'started'), { ...none, started: true });
  assert.deepEqual(parseSessionOutcome('', 'started,replaced:2,idle:1'), { reason: null, started: true, replaced: 2, idle: 1 });
  assert.deepEqual(parseSessionOutcome('', 'continued,idle:1'), { ...none, idle: 1 });
  assert.deepEqual(parseSessionOutcome('viewer_session_limit', ''), { ...none, reason: 'viewer_session_limit' });
  assert.deepEqual(parseSessionOutcome('session_ended', 'continued'), { ...none, reason: 'session_ended' });
});
