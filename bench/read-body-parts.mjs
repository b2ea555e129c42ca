// `node bench/read-body-parts.mjs <dist dir>`: run two builds in turns and compare (bench/README.md, "Sixth pass").
// CPU per readJsonBytes call on an in-memory request (one 500-byte chunk), 50 at a time, for one build's dist.
import { Readable } from 'node:stream';
const dist = process.argv[2];
const { readJsonBytes } = await import(`${dist}/shared/json-body.js`);
const body = Buffer.from(JSON.stringify({ a: 'x'.repeat(480) }));
const headers = { 'content-type': 'application/json', 'content-length': String(body.length) };
function req() { const r = new Readable({ read() {} }); r.headers = headers; r.push(body); r.push(null); return r; }
const options = { limitBytes: 65536, inflate: false };
async function round() { await Promise.all(Array.from({ length: 50 }, () => readJsonBytes(req(), options))); }
for (let i = 0; i < 400; i++) await round();
const c0 = process.cpuUsage();
const N = 4000;
for (let i = 0; i < N; i++) await round();
const c = process.cpuUsage(c0);
console.log(`read=${((c.user + c.system) / (N * 50)).toFixed(3)}`);
