import assert from 'node:assert/strict';
import { test } from 'node:test';
import { storeErrorKind } from '../../src/observability/timed-store-operation.js';
import { TimeoutError } from '../../src/shared/with-timeout.js';
import { PastDeadlineError } from '../../src/tokens/token-store.js';

test('store errors are counted by kind: an answer after the decision deadline is a timeout, like the timeouts themselves', () => {
  const cases: [unknown, ReturnType<typeof storeErrorKind>][] = [
    [new PastDeadlineError(), 'timeout'],
    [new TimeoutError(100), 'timeout'],
    [new Error('Command timed out'), 'timeout'],
    [Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:1'), { code: 'ECONNREFUSED' }), 'connection'],
    [new Error('Connection is closed.'), 'connection'],
    [new Error('ERR unknown command'), 'other'],
    ['not an error', 'other'],
  ];
  for (const [error, kind] of cases) assert.equal(storeErrorKind(error), kind, String(error));
});
