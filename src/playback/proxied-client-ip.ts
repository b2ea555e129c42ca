import { normalizeIp, type IpRangeList, type NormalizedIp } from '../shared/ip-address.js';

/**
 * Each address is parsed once (canonicalIp's form: Node reports IPv4 peers of a dual-stack socket as
 * ::ffff:a.b.c.d; logs and policies want one form, a.b.c.d) and the parsed form is what the trust check reads.
 */
function parse(address: string | undefined): NormalizedIp | undefined {
  return address === undefined ? undefined : normalizeIp(address);
}

/**
 * The viewer's address behind nginx. Forwarding headers are believed only when the direct peer is a trusted
 * proxy: anyone else could write any address into them. `X-Real-IP` (nginx sets it to `$remote_addr`) wins;
 * otherwise `X-Forwarded-For` is walked from the right, skipping trusted proxies, so an address the client itself
 * put at the left end is not taken for its own.
 */
export function proxiedClientIp(
  peer: string | undefined,
  headers: { realIp: string | undefined; forwardedFor: string | undefined },
  trustedProxies: IpRangeList,
): string | undefined {
  const direct = parse(peer);
  if (direct === undefined || !trustedProxies.includes(direct)) return direct?.text;
  const realIp = parse(headers.realIp);
  if (realIp !== undefined) return realIp.text;
  let candidate = direct;
  const hops = (headers.forwardedFor ?? '').split(',').filter((hop) => hop.trim() !== '');
  for (const hop of hops.reverse()) {
    const address = parse(hop);
    if (address === undefined) break;
    candidate = address;
    if (!trustedProxies.includes(address)) break;
  }
  return candidate.text;
}
