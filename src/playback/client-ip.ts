import { canonicalIp } from '../shared/ip-address.js';

const SLASH = 47;
const ZERO = 48;
const NINE = 57;

/** `from`..`to` is a port as WCS prints it: one to five ASCII digits. */
function isPort(text: string, from: number, to: number): boolean {
  if (to <= from || to - from > 5) return false;
  for (let i = from; i < to; i++) {
    const code = text.charCodeAt(i);
    if (code < ZERO || code > NINE) return false;
  }
  return true;
}

/**
 * The viewer's address from WCS's newer `sessionId`, `/<client ip>:<port>/<server ip>:<port>`. Java prints IPv6
 * addresses unbracketed (`/0:0:0:0:0:0:0:1:59473/…`), so the port is whatever follows the last colon.
 * Anything else (the older shape's free-form ids) gives undefined. The address comes back in its canonical form
 * (canonicalIp), so every spelling of one address is one client. Read by index: it runs on every hook request.
 */
export function clientIpFromSessionId(sessionId: unknown): string | undefined {
  if (typeof sessionId !== 'string' || sessionId.charCodeAt(0) !== SLASH) return undefined;
  const slash = sessionId.indexOf('/', 1);
  const end = slash === -1 ? sessionId.length : slash;
  const colon = sessionId.lastIndexOf(':', end - 1);
  if (colon <= 1 || !isPort(sessionId, colon + 1, end)) return undefined;
  let host = sessionId.slice(1, colon);
  if (host.startsWith('[') && host.endsWith(']')) host = host.slice(1, -1);
  return canonicalIp(host);
}
