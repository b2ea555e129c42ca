import { isIP } from 'node:net';
import ipaddr from 'ipaddr.js';
import { compileHexRange, hexRangeMatches, type HexRange } from './hex-range.js';
import { normalizeCommonIp, UNCOMMON } from './ip-fast-path.js';

/**
 * An IP address in one canonical form. Every address lives in the IPv6 space, IPv4 as IPv4-mapped
 * (`::ffff:a.b.c.d`), so that `1.2.3.4` and `::ffff:1.2.3.4` are the same client — the way node's BlockList
 * matches them. `hex` (32 hex digits) is what the Redis script compares; `text` is what logs and the admin API show.
 */
export interface NormalizedIp {
  readonly text: string;
  readonly hex: string;
  readonly family: 4 | 6;
}

/** A CIDR range in the same space: the first `bits` bits (0-128) of `hex` are the network. */
export interface IpRange {
  /** Canonical CIDR: IPv4 ranges written as IPv4 (`10.0.0.0/8`), others compressed IPv6 (`2001:db8::/32`). */
  cidr: string;
  hex: string;
  bits: number;
}

const MAPPED_PREFIX = [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff];

/**
 * A valid address (node's isIP decides validity: ipaddr.js alone would also take octal, hex and 32-bit IPv4
 * spellings), an IPv4-mapped IPv6 address as the IPv4 address it carries.
 */
function parseValid(address: string, family: 4 | 6): ipaddr.IPv4 | ipaddr.IPv6 {
  if (family === 4) return ipaddr.IPv4.parse(address);
  const parsed = ipaddr.IPv6.parse(address.includes('.') ? withHexTail(address) : address);
  return parsed.isIPv4MappedAddress() ? parsed.toIPv4Address() : parsed;
}

/**
 * `x::a.b.c.d` with the dotted tail as two hex groups: ipaddr.js reads `::a.b.c.d` (IPv4-compatible, a different
 * address) as IPv4-mapped. The tail is valid: isIP checked it.
 */
function withHexTail(address: string): string {
  const lastColon = address.lastIndexOf(':');
  const [a = 0, b = 0, c = 0, d = 0] = address.slice(lastColon + 1).split('.').map(Number);
  return `${address.slice(0, lastColon + 1)}${((a << 8) | b).toString(16)}:${((c << 8) | d).toString(16)}`;
}

/** The 16 bytes in the one space (IPv4 as IPv4-mapped), which the Redis script compares as hex. */
function bytesOf(ip: ipaddr.IPv4 | ipaddr.IPv6): number[] {
  return ip.kind() === 'ipv4' ? [...MAPPED_PREFIX, ...ip.toByteArray()] : ip.toByteArray();
}

/** IPv4 as dotted quad; IPv6 in RFC 5952 form (lower case, longest zero run compressed). */
function textOf(ip: ipaddr.IPv4 | ipaddr.IPv6): { text: string; family: 4 | 6 } {
  return ip.kind() === 'ipv4' ? { text: ip.toString(), family: 4 } : { text: (ip as ipaddr.IPv6).toRFC5952String(), family: 6 };
}

function hexOf(bytes: number[]): string {
  return Buffer.from(bytes).toString('hex');
}

function parseAddress(input: string): ipaddr.IPv4 | ipaddr.IPv6 | undefined {
  let address = input.trim();
  if (address.startsWith('[') && address.endsWith(']')) address = address.slice(1, -1);
  // A zone (`fe80::1%eth0`) names an interface on the server, not part of the client's address.
  address = address.split('%')[0] ?? '';
  const family = isIP(address);
  return family === 0 ? undefined : parseValid(address, family as 4 | 6);
}

/** normalizeIp through ipaddr.js, for every spelling; the reference the fast path is tested against. */
export function normalizeIpGeneral(input: string): NormalizedIp | undefined {
  const ip = parseAddress(input);
  if (!ip) return undefined;
  const { text, family } = textOf(ip);
  // The fast path's shape (text, hex, family), so that readers of either see one hidden class.
  return Object.freeze({ text, hex: hexOf(bytesOf(ip)), family });
}

// The last address parsed. One decision asks for the same address several times (the hook body's canonical form,
// then the verifier, the grant check, the session key), and the handlers pass it on as a string; the canonical text
// parses to itself, so a hit on either the input or the text is the same answer. Results are frozen: shared.
let lastInput = '';
let lastIp: NormalizedIp | undefined;

/**
 * An address in the one canonical form, or undefined for anything that is not an address. Dotted quads and
 * `::ffff:a.b.c.d` take a hand-written path (ip-fast-path.ts); everything else ipaddr.js.
 */
export function normalizeIp(input: string): NormalizedIp | undefined {
  if (lastIp !== undefined && (input === lastInput || input === lastIp.text)) return lastIp;
  const common = normalizeCommonIp(input);
  const ip = common === UNCOMMON ? normalizeIpGeneral(input) : common;
  if (ip !== undefined) {
    lastInput = input;
    lastIp = ip;
  }
  return ip;
}

/**
 * The one spelling of an address used everywhere a client address is compared, counted or logged (guess throttle,
 * admin limiter, IP binding, allow-lists, logs): `::ffff:7.7.7.7`, `0:0:0:0:0:ffff:707:707`, `7.7.7.7%eth0` and
 * `7.7.7.7` are all `7.7.7.7`; IPv6 in RFC 5952 form (lower case, compressed), without a zone.
 */
export function canonicalIp(input: string | undefined): string | undefined {
  return input === undefined ? undefined : normalizeIp(input)?.text;
}

/**
 * Parses `address/prefix` (or a bare address, meaning one host). Host bits are cleared, so `10.1.2.3/8` becomes
 * `10.0.0.0/8`. Returns undefined for anything that is not a valid range.
 */
export function parseCidr(input: string): IpRange | undefined {
  const read = readCidr(input);
  return 'problem' in read ? undefined : read;
}

/** parseCidr, or what is wrong with the input, for messages that name it. */
export function readCidr(input: string): IpRange | { problem: string } {
  const [address = '', prefixText, extra] = input.trim().split('/');
  const family = address.includes('%') ? 0 : isIP(address);
  if (family === 0 || extra !== undefined) return { problem: 'is not an IP address or CIDR block' };
  const maxPrefix = family === 4 ? 32 : 128;
  if (prefixText !== undefined && !/^\d{1,3}$/.test(prefixText)) return { problem: 'has a bad prefix length' };
  const prefix = prefixText === undefined ? maxPrefix : Number(prefixText);
  if (prefix > maxPrefix) return { problem: `has a prefix length over ${maxPrefix}` };
  const bytes = bytesOf(parseValid(address, family as 4 | 6));
  const bits = family === 4 ? prefix + 96 : prefix;
  for (let bit = bits; bit < 128; bit++) bytes[bit >> 3] = (bytes[bit >> 3] ?? 0) & ~(0x80 >> (bit & 7));
  // Clearing host bits below 96 also clears the ffff marker, so only a range of at least 96 bits reads as IPv4.
  const network = ipaddr.fromByteArray(bytes) as ipaddr.IPv6;
  const { text, family: shownAs } = textOf(network.isIPv4MappedAddress() ? network.toIPv4Address() : network);
  return { cidr: `${text}/${shownAs === 4 ? bits - 96 : bits}`, hex: hexOf(bytes), bits };
}

/**
 * Parses a comma-separated list of addresses and CIDR blocks (`127.0.0.0/8, ::1/128, 10.0.0.5`). A bare address
 * is a single host. Throws with a message naming the bad entry.
 */
export function parseCidrList(value: string): IpRange[] {
  return value
    .split(',')
    .map((entry) => entry.trim())
    .filter(Boolean)
    .map((entry) => {
      const read = readCidr(entry);
      if ('problem' in read) throw new Error(`"${entry}" ${read.problem}`);
      return read;
    });
}

/**
 * Membership in a set of ranges. Every address is compared in one space: an IPv4 client matches an IPv4 range
 * whether it arrives as `1.2.3.4` or `::ffff:1.2.3.4`, as in the Redis script. It was node's BlockList over the
 * canonical texts, which costs ~1.5 us a check (a SocketAddress per call); the hex comparison answers the same (a
 * property test holds it to BlockList) from the hex the address already carries. Used for a token's `allowedIps`
 * and for TRUSTED_PROXY_CIDRS.
 */
export class IpRangeList {
  private readonly ranges: readonly HexRange[];

  constructor(ranges: readonly Pick<IpRange, 'hex' | 'bits'>[]) {
    this.ranges = ranges.map(compileHexRange);
  }

  /** From canonical CIDR strings, as records and claims keep them; throws on one that is not. */
  static fromCidrs(cidrs: readonly string[]): IpRangeList {
    return new IpRangeList(ipRangesOf(cidrs));
  }

  includes(ip: NormalizedIp): boolean {
    for (const range of this.ranges) if (hexRangeMatches(range, ip.hex)) return true;
    return false;
  }

  /** The same for an address as text; false for anything that is not an address. */
  includesAddress(address: string | undefined): boolean {
    if (this.ranges.length === 0 || address === undefined) return false;
    const ip = normalizeIp(address);
    return ip !== undefined && this.includes(ip);
  }
}

/** The ranges the Redis script compares against, stored next to the record so the script need not parse CIDRs. */
export function ipRangesOf(cidrs: readonly string[]): Pick<IpRange, 'hex' | 'bits'>[] {
  return cidrs.map((cidr) => {
    const range = parseCidr(cidr);
    if (!range) throw new Error(`not a CIDR range: ${cidr}`);
    return { hex: range.hex, bits: range.bits };
  });
}

/**
 * The comparison the Redis script makes (see redis-scripts.ts), written the same way: whole hex digits
 * first, then the leftover high bits of the next digit.
 */
export function hexInRange(ipHex: string, range: Pick<IpRange, 'hex' | 'bits'>): boolean {
  const full = Math.floor(range.bits / 4);
  if (ipHex.slice(0, full) !== range.hex.slice(0, full)) return false;
  const rest = range.bits % 4;
  if (rest === 0) return true;
  const divisor = 2 ** (4 - rest);
  return (
    Math.floor(Number.parseInt(ipHex.charAt(full), 16) / divisor) === Math.floor(Number.parseInt(range.hex.charAt(full), 16) / divisor)
  );
}
