import assert from 'node:assert/strict';
import { once } from 'node:events';
import { createServer, connect, type Socket } from 'node:net';
import { test } from 'node:test';
import { TimeoutError, withTimeout } from '../../src/shared/with-timeout.js';

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

test('withTimeout keeps a reply that arrived while the event loop was busy past the deadline', async () => {
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
    const result = withTimeout(reply, 20);
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
});
