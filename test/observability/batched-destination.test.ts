import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { BATCH_LIMIT_CHARS, batchedDestination } from '../../src/observability/batched-destination.js';
import { recordDecision, type DecisionContext } from '../../src/observability/decision-log.js';
import { createLogger } from '../../src/observability/logger.js';
import { createMetrics } from '../../src/observability/metrics.js';

/** A sink that keeps each write it is given: one entry per write(2) the real one would make. */
function countingSink(): { writes: string[]; write(text: string): boolean } {
  const writes: string[] = [];
  return { writes, write: (text) => writes.push(text) > 0 };
}

const endOfTurn = () => new Promise((resolve) => setImmediate(resolve));
const messages = (text: string) => text.trim().split('\n').map((line) => (JSON.parse(line) as { msg: string; requestId?: string }).requestId ?? (JSON.parse(line) as { msg: string }).msg);

const metrics = createMetrics();
const context = (requestId: string): DecisionContext => ({ method: 'playHLS', stream: 'live', appKey: 'app', clientIp: '192.0.2.1', viewerSessionId: 's', requestId });
const decide = (logger: ReturnType<typeof createLogger>, requestId: string) =>
  recordDecision({ logger, metrics }, { allow: true, reason: 'valid', kind: 'opaque', tokenId: 'tok_1' }, context(requestId), 0.001);

test('the lines of one turn, decision and other lines, arrive in one write, in the order they were logged', async () => {
  const sink = countingSink();
  const logger = createLogger('info', batchedDestination(sink));
  logger.info('first');
  decide(logger, 'req-1');
  logger.warn('a warning');
  decide(logger, 'req-2');
  assert.equal(sink.writes.length, 0, 'nothing is written during the turn');
  await endOfTurn();
  assert.equal(sink.writes.length, 1);
  assert.deepEqual(messages(sink.writes[0] ?? ''), ['first', 'req-1', 'a warning', 'req-2']);
});

test('each turn is one write, in turn order; a quiet turn writes nothing', async () => {
  const sink = countingSink();
  const logger = createLogger('info', batchedDestination(sink));
  decide(logger, 'req-a');
  logger.info('end of a');
  await endOfTurn();
  await endOfTurn();
  logger.error('b');
  decide(logger, 'req-b');
  await endOfTurn();
  assert.deepEqual(sink.writes.map(messages), [['req-a', 'end of a'], ['b', 'req-b']]);
});

test('fatal and logger.flush() write the buffered lines at once, before the turn ends', () => {
  const sink = countingSink();
  const logger = createLogger('info', batchedDestination(sink));
  logger.info('before');
  logger.fatal('fatal');
  assert.deepEqual(sink.writes.map(messages), [['before', 'fatal']]);
  logger.info('then');
  let called = false;
  logger.flush(() => (called = true));
  assert.ok(called);
  assert.deepEqual(sink.writes.map(messages), [['before', 'fatal'], ['then']]);
});

test(`a turn that logs more than ${BATCH_LIMIT_CHARS} characters writes them out at once instead of holding them`, async () => {
  const sink = countingSink();
  const logger = createLogger('info', batchedDestination(sink));
  const filler = 'x'.repeat(1000);
  const count = 200;
  for (let i = 0; i < count; i++) logger.info({ filler }, `line ${i}`);
  assert.ok(sink.writes.length >= 2, `written during the turn: ${sink.writes.length} writes`);
  const longest = Math.max(...sink.writes.map((text) => text.length));
  assert.ok(longest <= BATCH_LIMIT_CHARS + 2000, `no write holds much more than the limit: ${longest}`);
  await endOfTurn();
  const all = sink.writes.flatMap(messages);
  assert.deepEqual(all, Array.from({ length: count }, (_, i) => `line ${i}`));
});

const LOGGER_MODULE = fileURLToPath(new URL('../../src/observability/logger.ts', import.meta.url));

/** Runs `ending` in a child process after it logged three lines to a batched stdout; its stdout and exit code. */
function childLogsThen(ending: string, env: Record<string, string> = {}): { lines: string[]; status: number | null } {
  const script = [
    `const { createLogger, stdoutDestination } = await import(${JSON.stringify(LOGGER_MODULE)});`,
    `const logger = createLogger('info', stdoutDestination({ async: false, batch: process.env.BATCH !== 'false' }));`,
    `setTimeout(() => { logger.info('one'); logger.warn('two'); logger.info('three'); ${ending} }, 10);`,
  ].join('\n');
  const child = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], {
    encoding: 'utf8',
    env: { PATH: process.env.PATH ?? '', ...env },
    timeout: 30_000,
  });
  const lines = child.stdout.split('\n').filter(Boolean).map((line) => (JSON.parse(line) as { msg: string }).msg);
  return { lines, status: child.status };
}

test('a child that logs then exits, throws, or leaves a rejection unhandled still writes every line, in order', () => {
  const endings: [string, number][] = [
    ['process.exit(3);', 3],
    ["throw new Error('uncaught');", 1],
    ["void Promise.reject(new Error('unhandled'));", 1],
    ['', 0],
  ];
  for (const [ending, status] of endings) {
    const child = childLogsThen(ending);
    assert.deepEqual(child, { lines: ['one', 'two', 'three'], status }, `ending: ${ending || 'none'}`);
  }
});

test('a SIGKILL in the same turn loses that turn\'s lines with batching (the documented limit), none with LOG_BATCH=false', () => {
  const kill = "process.kill(process.pid, 'SIGKILL');";
  assert.deepEqual(childLogsThen(kill).lines, []);
  assert.deepEqual(childLogsThen(kill, { BATCH: 'false' }).lines, ['one', 'two', 'three']);
});
