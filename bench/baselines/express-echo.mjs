// Baseline (a): the framework's ceiling. A bare Express 5 app that reads the WCS body as bytes and echoes it with
// 200, as the service's allow answer does, and nothing else: no request id, metrics, logging or decision.
// Plain JavaScript run by node directly, so it starts the same way as the compiled service (dist/).
import express from 'express';

const port = Number(process.env.PORT ?? 0);
const app = express();
app.disable('x-powered-by');
app.set('etag', false);
app.post('/wcs/:method', express.raw({ type: 'application/json', limit: 64 * 1024 }), (req, res) => {
  res.status(200).type('application/json').send(req.body);
});
const server = app.listen(port, '127.0.0.1', () => {
  process.stdout.write(`${JSON.stringify({ listening: server.address().port })}\n`);
});
server.keepAliveTimeout = 65_000;
process.on('SIGTERM', () => server.close(() => process.exit(0)).closeAllConnections());
