import assert from 'node:assert/strict';
import { once } from 'node:events';
import { createServer, connect, type Socket } from 'node:net';
import { test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { TimeoutError, withSharedTimeout, withTimeout } from '../../src/shared/with-timeout.js';

test('withTimeout resolves with the value of a promise that settles in time', async () => {
  assert.equal(await withTimeout(Promise.resolve('record'), 1000), 'record');
});

test('withTimeout passes on the rejection of a promise that fails in time', async () => {
  await assert.rejects(withTimeout(Promise.reject(new Error('connection refused')), 1000), /connection refused/);
});

test('withTimeout rejects with TimeoutError when the promise never settles', async () => {
  const started = Date.now();
  await assert.rejects(withTimeout(new Promise(() => {}), 30), (error) => error instanceof TimeoutError && error.timeoutMs === 30);
  assert.ok(Date.now() - started >= 25, 'does not give up before the timeout');
});

test('withTimeout keeps a reply that arrived while the event loop was busy past the deadline', () => keepsBusyReply(withTimeout));

test('withSharedTimeout keeps a reply that arrived while the event loop was busy past the deadline', () => keepsBusyReply(withSharedTimeout));

test('withSharedTimeout answers like withTimeout: the value, the rejection, and TimeoutError no earlier than its time', async () => {
  assert.equal(await withSharedTimeout(Promise.resolve('record'), 1000), 'record');
  await assert.rejects(withSharedTimeout(Promise.reject(new Error('connection refused')), 1000), /connection refused/);
  const started = Date.now();
  await assert.rejects(withSharedTimeout(new Promise(() => {}), 30), (error) => error instanceof TimeoutError && error.timeoutMs === 30);
  assert.ok(Date.now() - started >= 25, 'does not give up before the timeout');
});

test('withSharedTimeout times each wait from its own start, behind waits that settled and waits that timed out', async () => {
  const timeoutMs = 40;
  const started = Date.now();
  // Settled at once: the shared timer, armed for it, must still come for the later waits.
  assert.equal(await withSharedTimeout(Promise.resolve(1), timeoutMs), 1);
  const first = withSharedTimeout(new Promise<never>(() => {}), timeoutMs).catch((error: unknown) => ({ error, at: Date.now() - started }));
  await sleep(25);
  const secondStart = Date.now();
  const second = withSharedTimeout(new Promise<never>(() => {}), timeoutMs).catch((error: unknown) => ({ error, at: Date.now() - secondStart }));
  const third = withSharedTimeout(sleep(50).then(() => 'late but in time'), 80);
  const [a, b] = await Promise.all([first, second]);
  assert.ok(a.error instanceof TimeoutError && b.error instanceof TimeoutError);
  assert.ok(a.at >= timeoutMs - 2, `the first gave up after ${a.at} ms`);
  assert.ok(b.at >= timeoutMs - 2, `the second, started 25 ms later, gave up ${b.at} ms after its start`);
  assert.equal(await third, 'late but in time');
});

async function keepsBusyReply(bounded: <T>(promise: Promise<T>, timeoutMs: number) => Promise<T>): Promise<void> {
  // A store reply sitting unread in a socket when the timer comes due must win: the store did answer.
  const server = createServer();
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const address = server.address();
  assert.ok(address && typeof address === 'object');
  const accepted = once(server, 'connection') as Promise<[Socket]>;
  const client = connect(address.port, '127.0.0.1');
  await once(client, 'connect');
  const [serverSide] = await accepted;
  try {
    const reply = once(client, 'data').then(([chunk]) => String(chunk));
    const result = bounded(reply, 20);
    serverSide.write('reply'); // written to the kernel at once: it is in the client's buffer before the deadline
    const busyUntil = Date.now() + 150;
    while (Date.now() < busyUntil) {
      // the event loop is blocked, as it is when a burst of requests is being handled
    }
    assert.equal(await result, 'reply');
  } finally {
    client.destroy();
    serverSide.destroy();
    server.close();
  }
}
