/**
 * Micro-benchmark of the address parsing one decision does (issue 15): ns per call of canonicalIp and
 * normalizeIp for the three shapes that reach the service (IPv4, IPv4-mapped as a dual-stack socket reports it,
 * IPv6), and of the hook body's address followed by the verifier's parse of the same address. Addresses rotate
 * over 1024 distinct values so no single-value cache makes a figure look better than a real stream of clients.
 *
 *   npx tsx bench/ip-parse-bench.ts [--ms=600]
 */
import { loadavg } from 'node:os';
import { clientIpFromSessionId } from '../src/playback/client-ip.js';
import { canonicalIp, IpRangeList, normalizeIp, type NormalizedIp } from '../src/shared/ip-address.js';

const msArg = process.argv.find((arg) => arg.startsWith('--ms='));
const runMs = msArg ? Number(msArg.slice(5)) : 600;

const COUNT = 1024;
const v4 = Array.from({ length: COUNT }, (_, i) => `203.0.${i >> 8}.${i & 255}`);
const mapped = v4.map((address) => `::ffff:${address}`);
const v6 = Array.from({ length: COUNT }, (_, i) => `2001:db8::${i.toString(16)}:7`);
const sessionIds = (hosts: string[]) => hosts.map((host) => `/${host}:59473/192.0.2.1:8443`);
const rules = IpRangeList.fromCidrs(['203.0.0.0/16', '2001:db8::/32']);

const say = (line: string) => process.stdout.write(`${line}\n`);
let sink = 0;

/** ns per call of fn over the inputs, after a warm-up; the best of three rounds (the machine is shared). */
function measure(inputs: string[], fn: (input: string) => unknown): number {
  const round = (ms: number) => {
    let calls = 0;
    const start = process.hrtime.bigint();
    const end = start + BigInt(ms) * 1_000_000n;
    let now = start;
    while (now < end) {
      for (let i = 0; i < COUNT; i++) if (fn(inputs[i] as string) !== undefined) sink++;
      calls += COUNT;
      now = process.hrtime.bigint();
    }
    return Number(now - start) / calls;
  };
  round(runMs / 3);
  return Math.min(round(runMs / 3), round(runMs / 3), round(runMs / 3));
}

/** What one opaque-token decision did with its address: the hook body's canonical form, then the verifier's parse. */
function decision(sessionId: string): unknown {
  const clientIp = clientIpFromSessionId(sessionId);
  const parsed = clientIp === undefined ? undefined : normalizeIp(clientIp);
  return parsed !== undefined && rules.includes(parsed) ? parsed : undefined;
}

const parsedV4 = new Map(v4.map((address) => [address, normalizeIp(address)]));
const parsedV6 = new Map(v6.map((address) => [address, normalizeIp(address)]));
const inRange = (parsed: Map<string, NormalizedIp | undefined>) => (input: string) => {
  const ip = parsed.get(input);
  return ip !== undefined && rules.includes(ip) ? ip : undefined;
};

const rows: [string, string[], (input: string) => unknown][] = [
  ['canonicalIp, IPv4', v4, canonicalIp],
  ['canonicalIp, IPv4-mapped', mapped, canonicalIp],
  ['canonicalIp, IPv6', v6, canonicalIp],
  ['normalizeIp, IPv4', v4, normalizeIp],
  ['normalizeIp, IPv4-mapped', mapped, normalizeIp],
  ['normalizeIp, IPv6', v6, normalizeIp],
  ['range check of a parsed address (incl. Map.get), IPv4', v4, inRange(parsedV4)],
  ['range check of a parsed address (incl. Map.get), IPv6', v6, inRange(parsedV6)],
  ['clientIpFromSessionId, IPv4', sessionIds(v4), clientIpFromSessionId],
  ['decision (body + verifier + range check), IPv4', sessionIds(v4), decision],
  ['decision (body + verifier + range check), IPv4-mapped', sessionIds(mapped), decision],
  ['decision (body + verifier + range check), IPv6', sessionIds(v6), decision],
];

say(`node ${process.version}, load average ${loadavg().map((n) => n.toFixed(2)).join(' ')}`);
for (const [name, inputs, fn] of rows) say(`${name.padEnd(56)} ${measure(inputs, fn).toFixed(0).padStart(6)} ns/call`);
if (sink === 0) say('(nothing parsed)');
