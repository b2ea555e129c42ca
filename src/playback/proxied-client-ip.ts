import { canonicalIp, type IpRangeList } from '../shared/ip-address.js';

/** Node reports IPv4 peers of a dual-stack socket as ::ffff:a.b.c.d; logs and policies want one form, a.b.c.d. */
const normalize = canonicalIp;

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
  const direct = normalize(peer);
  if (!trustedProxies.includesAddress(direct)) return direct;
  const realIp = normalize(headers.realIp);
  if (realIp !== undefined) return realIp;
  let candidate = direct;
  const hops = (headers.forwardedFor ?? '').split(',').filter((hop) => hop.trim() !== '');
  for (const hop of hops.reverse()) {
    const address = normalize(hop);
    if (address === undefined) break;
    candidate = address;
    if (!trustedProxies.includesAddress(address)) break;
  }
  return candidate;
}
