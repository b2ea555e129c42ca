import assert from 'node:assert/strict';
import fs from 'node:fs';
import { test } from 'node:test';
import { createLogger, stdoutDestination } from '../../src/observability/logger.js';

/** The stdout destinations are sonic-boom streams (or a batch in front of one); LOG_ASYNC and LOG_BATCH choose. */
interface SonicBoomMode {
  sync: boolean;
  minLength: number;
  _periodicFlush: number;
}

/**
 * The write(2) calls the real stdout destination makes while `run` runs and one turn after it, caught before they
 * reach fd 1: sonic-boom calls `fs.writeSync` on node's fs module, which is this one.
 */
async function stdoutWrites(run: (writes: readonly string[]) => void): Promise<string[]> {
  const writes: string[] = [];
  const original = fs.writeSync;
  const spy = (fd: number, data: unknown, ...rest: unknown[]): number => {
    if (fd !== 1) return (original as (...args: unknown[]) => number)(fd, data, ...rest);
    const text = String(data);
    writes.push(text);
    return Buffer.byteLength(text);
  };
  fs.writeSync = spy as typeof fs.writeSync;
  try {
    run(writes);
    await new Promise((resolve) => setImmediate(resolve));
  } finally {
    fs.writeSync = original;
  }
  return writes;
}

test('by default (LOG_BATCH=true) the lines of one turn go to stdout with one write(2)', async () => {
  const writes = await stdoutWrites(() => {
    const logger = createLogger('info', stdoutDestination({ async: false }));
    logger.info('one');
    logger.warn('two');
    logger.info('three');
  });
  assert.equal(writes.length, 1);
  assert.deepEqual(writes[0]?.trim().split('\n').map((line) => (JSON.parse(line) as { msg: string }).msg), ['one', 'two', 'three']);
});

test('LOG_BATCH=false writes each line synchronously with its own write(2), as it is logged', async () => {
  const logged: number[] = [];
  const writes = await stdoutWrites((sofar) => {
    const logger = createLogger('info', stdoutDestination({ async: false, batch: false }));
    for (const msg of ['one', 'two', 'three']) {
      logger.info(msg);
      logged.push(sofar.length);
    }
  });
  assert.equal(writes.length, 3);
  assert.deepEqual(logged, [1, 2, 3], 'each line was written before the next was logged');
  const mode = stdoutDestination({ async: false, batch: false }) as unknown as SonicBoomMode;
  assert.equal(mode.sync, true, 'not pino\'s default asynchronous mode');
  assert.equal(mode.minLength, 0);
});

test('LOG_ASYNC=true buffers up to 4 KiB and flushes at least once a second, batching or not', () => {
  for (const batch of [true, false]) {
    const mode = stdoutDestination({ async: true, batch }) as unknown as SonicBoomMode;
    assert.equal(mode.sync, false);
    assert.equal(mode.minLength, 4096);
    assert.equal(mode._periodicFlush, 1000);
  }
});
