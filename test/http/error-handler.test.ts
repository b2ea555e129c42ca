import assert from 'node:assert/strict';
import { once } from 'node:events';
import { Agent, createServer, request as httpRequest } from 'node:http';
import type { AddressInfo } from 'node:net';
import { test } from 'node:test';
import express from 'express';
import { createLogger } from '../../src/observability/logger.js';
import { errorHandler } from '../../src/shared/http.js';
import { LogCapture } from '../helpers/log-capture.js';

/** An Express app whose routes fail after their answer started (`/partial`) or was complete (`/complete`). */
function failingApp(logs: LogCapture) {
  const app = express();
  app.get('/complete', (_req, res, next) => {
    res.status(200).type('text/plain').send('done');
    next(new Error('failed after the answer'));
  });
  app.get('/partial', (_req, res, next) => {
    res.writeHead(200, { 'Content-Type': 'text/plain', 'Content-Length': '100' });
    res.write('part');
    next(new Error('failed during the answer'));
  });
  app.use(errorHandler(createLogger('info', logs)));
  return app;
}

function get(port: number, path: string, agent: Agent) {
  return new Promise<{ status: number | undefined; body: string; reused: boolean; error?: Error }>((resolve) => {
    const req = httpRequest({ port, host: '127.0.0.1', path, agent }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (body += chunk));
      res.on('end', () => resolve({ status: res.statusCode, body, reused: req.reusedSocket }));
      res.on('error', (error) => resolve({ status: res.statusCode, body, reused: req.reusedSocket, error }));
    });
    req.on('error', (error) => resolve({ status: undefined, body: '', reused: req.reusedSocket, error }));
    req.end();
  });
}

test('an Express route failing after its answer started is logged; a complete answer stands, a partial one is cut', async () => {
  const logs = new LogCapture();
  const server = createServer(failingApp(logs));
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;
  const agent = new Agent({ keepAlive: true, maxSockets: 1 });
  try {
    const first = await get(port, '/complete', agent);
    const second = await get(port, '/complete', agent);
    assert.deepEqual([first.status, first.body, second.body], [200, 'done', 'done']);
    // The failure after a complete answer did not close the keep-alive connection.
    assert.equal(second.reused, true);
    const partial = await get(port, '/partial', agent);
    assert.ok(partial.error, 'a partial answer must not look complete');
    const failures = logs.lines.filter((line) => line.msg === 'unhandled error').map((line) => (line.err as { message: string }).message);
    assert.deepEqual(failures, ['failed after the answer', 'failed after the answer', 'failed during the answer']);
  } finally {
    agent.destroy();
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  }
});
