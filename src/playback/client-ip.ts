import { canonicalIp } from '../shared/ip-address.js';

/**
 * The viewer's address from WCS's newer `sessionId`, `/<client ip>:<port>/<server ip>:<port>`. Java prints IPv6
 * addresses unbracketed (`/0:0:0:0:0:0:0:1:59473/…`), so the port is whatever follows the last colon.
 * Anything else (the older shape's free-form ids) gives undefined. The address comes back in its canonical form
 * (canonicalIp), so every spelling of one address is one client.
 */
export function clientIpFromSessionId(sessionId: unknown): string | undefined {
  if (typeof sessionId !== 'string' || !sessionId.startsWith('/')) return undefined;
  const end = sessionId.indexOf('/', 1);
  const endpoint = sessionId.slice(1, end === -1 ? undefined : end);
  const colon = endpoint.lastIndexOf(':');
  if (colon <= 0) return undefined;
  let host = endpoint.slice(0, colon);
  if (host.startsWith('[') && host.endsWith(']')) host = host.slice(1, -1);
  if (!/^\d{1,5}$/.test(endpoint.slice(colon + 1))) return undefined;
  return canonicalIp(host);
}
