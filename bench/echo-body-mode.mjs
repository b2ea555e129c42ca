// `node bench/echo-body-mode.mjs text|bytes [requests]`: run the two modes in turns (bench/README.md, "Sixth pass").
// In-process: a node:http server answering N keep-alive requests from one raw client socket, the answer's body
// written either as the decoded text or as the received bytes; server-side CPU measured as total process CPU
// (the client's work is identical in both modes).
import { createServer } from 'node:http';
import { connect } from 'node:net';
const mode = process.argv[2]; const N = Number(process.argv[3] ?? 40000);
const bodyObj = { nodeId: 'abc', appKey: 'defaultApp', sessionId: '/192.168.0.1:59473/192.168.1.5:8445', mediaSessionId: '60709c5b-6950-40c3-8a3d-000000000001-HLS', name: 'live/stream-1', mediaProvider: 'HLS', custom: { token: 'wta_' + 'x'.repeat(43) }, record: false, width: 0, height: 0, bitrate: 0, minBitrate: 0, maxBitrate: 0, quality: 0, status: 'PENDING', audioCodec: 'mpeg4-generic', videoCodec: 'H264' };
const body = JSON.stringify(bodyObj, null, 2);
const server = createServer((req, res) => {
  const chunks = []; req.on('data', (c) => chunks.push(c)); req.on('end', () => {
    const raw = chunks.length === 1 ? chunks[0] : Buffer.concat(chunks);
    const text = raw.toString('utf8'); JSON.parse(text);
    res.writeHead(200, ['X-Request-Id', 'abcdef', 'X-Content-Type-Options', 'nosniff', 'Content-Type', 'application/json; charset=utf-8', 'Content-Length', String(raw.length)]);
    res.end(mode === 'text' ? text : raw);
  });
});
server.listen(0, '127.0.0.1', () => {
  const sock = connect(server.address().port, '127.0.0.1');
  const reqText = `POST /hook/playHLS HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`;
  let done = 0; let t0; let c0;
  sock.on('data', (d) => { // one answer per chunk (approx: count by header occurrences)
    const s = d.toString('latin1'); let i = -1; while ((i = s.indexOf('HTTP/1.1 200', i + 1)) !== -1) { done++; if (done === 2000) { t0 = process.hrtime.bigint(); c0 = process.cpuUsage(); } if (done === N) { const c = process.cpuUsage(c0); console.log(mode, body.length, 'bytes', ((c.user + c.system) / (N - 2000)).toFixed(2), 'µs CPU/req (both ends)', (Number(process.hrtime.bigint() - t0) / 1e3 / (N - 2000)).toFixed(2), 'µs wall'); process.exit(0); } else sock.write(reqText); }
  });
  sock.write(reqText);
});
