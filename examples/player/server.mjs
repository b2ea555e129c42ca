// Serves the player page and hls.js (from node_modules: no CDN) on its own origin, as a web site would.
// Usage: node examples/player/server.mjs [port]   (default 8090; 0 picks a free port)
// Then open http://localhost:8090/?src=https://<nginx>/live/live.m3u8&token=<token>&mode=query (or mode=xhr).
// nginx must allow this origin (CORS_ALLOW_ORIGIN in docker/nginx/nginx.env, `*` by default).
import { readFile } from 'node:fs/promises';
import { createServer } from 'node:http';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';

const require = createRequire(import.meta.url);
const FILES = {
  '/': { path: fileURLToPath(new URL('index.html', import.meta.url)), type: 'text/html; charset=utf-8' },
  '/player.js': { path: fileURLToPath(new URL('player.js', import.meta.url)), type: 'text/javascript; charset=utf-8' },
  '/vendor/hls.min.js': { path: require.resolve('hls.js/dist/hls.min.js'), type: 'text/javascript; charset=utf-8' },
};

/** Starts the page's server; resolves with its origin once it listens. */
export async function startPlayerServer({ port = 8090, host = '127.0.0.1' } = {}) {
  const server = createServer(async (req, res) => {
    const file = FILES[new URL(req.url ?? '/', 'http://x').pathname];
    if (!file || (req.method !== 'GET' && req.method !== 'HEAD')) return void res.writeHead(404).end();
    const body = await readFile(file.path);
    res.writeHead(200, { 'Content-Type': file.type, 'Cache-Control': 'no-store', 'X-Content-Type-Options': 'nosniff' });
    res.end(req.method === 'HEAD' ? undefined : body);
  });
  await new Promise((resolve) => server.listen(port, host, resolve));
  const address = server.address();
  return {
    origin: `http://${host}:${address.port}`,
    close: () => new Promise((resolve) => { server.closeAllConnections(); server.close(() => resolve()); }),
  };
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const { origin } = await startPlayerServer({ port: Number(process.argv[2] ?? 8090) });
  process.stdout.write(`player page on ${origin}/\n`);
}
