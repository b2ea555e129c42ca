/**
 * A range in the one 128-bit space (ip-address.ts), prepared for matching an address's 32 lower-case hex digits
 * without allocating: the whole hex digits of the network as a prefix string, then the leftover high bits of the
 * next digit under a mask. The same comparison as hexInRange and the Redis script.
 */
export interface HexRange {
  readonly prefix: string;
  /** Index of the partly covered digit; unused when `mask` is 0. */
  readonly at: number;
  readonly mask: number;
  readonly digit: number;
}

/** Value of one lower-case hex digit's char code. */
function digitOf(code: number): number {
  return code <= 57 ? code - 48 : code - 87;
}

export function compileHexRange(range: { hex: string; bits: number }): HexRange {
  const at = range.bits >> 2;
  const rest = range.bits & 3;
  const mask = rest === 0 ? 0 : (0xf0 >> rest) & 0xf;
  return { prefix: range.hex.slice(0, at), at, mask, digit: mask === 0 ? 0 : digitOf(range.hex.charCodeAt(at)) & mask };
}

export function hexRangeMatches(range: HexRange, ipHex: string): boolean {
  return ipHex.startsWith(range.prefix) && (range.mask === 0 || (digitOf(ipHex.charCodeAt(range.at)) & range.mask) === range.digit);
}
