import assert from 'node:assert/strict';
import { test } from 'node:test';
import { stdoutDestination } from '../../src/observability/logger.js';

/** The stdout destinations are sonic-boom streams; their mode is what LOG_ASYNC chooses. Nothing is written here. */
interface SonicBoomMode {
  sync: boolean;
  minLength: number;
  _periodicFlush: number;
}

test('LOG_ASYNC=false (the default) writes each line synchronously, unbuffered: not pino\'s default asynchronous mode', () => {
  const mode = stdoutDestination({ async: false }) as unknown as SonicBoomMode;
  assert.equal(mode.sync, true);
  assert.equal(mode.minLength, 0);
});

test('LOG_ASYNC=true buffers up to 4 KiB and flushes at least once a second', () => {
  const mode = stdoutDestination({ async: true }) as unknown as SonicBoomMode;
  assert.equal(mode.sync, false);
  assert.equal(mode.minLength, 4096);
  assert.equal(mode._periodicFlush, 1000);
});
