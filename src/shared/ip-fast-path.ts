import type { NormalizedIp } from './ip-address.js';

/** The input is not one of the common spellings: the caller takes the general (ipaddr.js) path. */
export const UNCOMMON = Symbol('uncommon spelling');

const HEX_BYTE = Array.from({ length: 256 }, (_, byte) => byte.toString(16).padStart(2, '0'));
/** The first 12 bytes of every IPv4 address in the one space (IPv4-mapped IPv6). */
const MAPPED_HEX = '00000000000000000000ffff';
const COLON = 58;
const DOT = 46;
const ZERO = 48;
const NINE = 57;

/** `::ffff:` in any letter case, as node reports an IPv4 peer of a dual-stack socket. */
function hasMappedPrefix(input: string): boolean {
  if (input.length < 14 || input.charCodeAt(0) !== COLON || input.charCodeAt(1) !== COLON || input.charCodeAt(6) !== COLON) {
    return false;
  }
  for (let i = 2; i < 6; i++) if ((input.charCodeAt(i) | 0x20) !== 0x66) return false;
  return true;
}

/**
 * The hex form of a strict dotted quad starting at `start` and running to the end (four decimal octets 0-255,
 * no leading zeros: the only IPv4 spelling node's isIP takes), or UNCOMMON for anything else. Anything else is
 * not necessarily invalid (`01::1` and `2001:db8::` start like a bad quad), so it is never refused here.
 */
function dottedQuadHex(input: string, start: number): string | typeof UNCOMMON {
  let hex = MAPPED_HEX;
  let dots = 0;
  let value = 0;
  let digits = 0;
  for (let i = start; i < input.length; i++) {
    const code = input.charCodeAt(i);
    if (code >= ZERO && code <= NINE) {
      if (digits === 1 && value === 0) return UNCOMMON;
      value = value * 10 + (code - ZERO);
      if (value > 255) return UNCOMMON;
      digits++;
    } else if (code === DOT && digits > 0 && dots < 3) {
      hex += HEX_BYTE[value] as string;
      dots++;
      value = 0;
      digits = 0;
    } else {
      return UNCOMMON;
    }
  }
  return dots === 3 && digits > 0 ? hex + (HEX_BYTE[value] as string) : UNCOMMON;
}

/**
 * normalizeIp for the two spellings nearly every request carries, `a.b.c.d` and `::ffff:a.b.c.d`, read with
 * char codes: no regex, no ipaddr.js objects, no byte arrays. The result is exactly the general path's (a property
 * test compares them); for every other input it answers UNCOMMON rather than guess.
 */
export function normalizeCommonIp(input: string): NormalizedIp | typeof UNCOMMON {
  const start = hasMappedPrefix(input) ? 7 : 0;
  const hex = dottedQuadHex(input, start);
  if (hex === UNCOMMON) return UNCOMMON;
  return Object.freeze({ text: start === 0 ? input : input.slice(start), hex, family: 4 as const });
}
