import { createHash } from 'node:crypto';

export interface EdgeSigningSettings {
  secret: string;
  ttlSeconds: number;
  /** Sign the viewer's address too: a signed segment URI then works only from the address that fetched the playlist. */
  bindAddress: boolean;
}

/** Response headers of an allowed playlist decision, read by nginx with auth_request_set. */
export const EDGE_QUERY_HEADER = 'X-Edge-Query';
export const EDGE_SIGNATURE_HEADER = 'X-Edge-Signature';
export const EDGE_EXPIRES_HEADER = 'X-Edge-Expires';

/** A token id goes into URIs and the signed string as it is only when it cannot be confused with a separator. */
const PLAIN_TOKEN_ID = /^[A-Za-z0-9_.~-]{1,128}$/;

export interface EdgeSignatureInput {
  /** The stream directory as nginx sees it (still percent-encoded): the first path segment of segment URIs. */
  rawPathStream: string;
  tokenId: string | null;
  /** The viewer's address exactly as nginx wrote it into X-Real-IP (nginx's `$remote_addr`). */
  remoteAddr: string | undefined;
  nowSeconds: number;
}

export interface EdgeSignature {
  expires: number;
  signature: string;
  /** `wta_exp=…&wta_tid=…&wta_ip=…&wta_sig=…`, ready to be added to segment URIs. */
  query: string;
}

/**
 * The signature nginx's `secure_link_md5` recomputes for every segment without calling the service:
 * base64url(MD5("<expires>|<address or empty>|<token id>|<stream directory>|<secret>")). The fields before the
 * stream cannot contain `|` (digits, an IP address, a plain or hashed token id), and the stream is followed only
 * by the fixed secret, so no two inputs give the same string. MD5 with a secret suffix is what stock nginx offers
 * (no HMAC); with a short TTL and a long random secret it is the construction nginx documents for secure_link.
 * Returns undefined when the address is to be signed but unknown: no signature is better than one nginx refuses.
 */
export function signEdge(input: EdgeSignatureInput, settings: EdgeSigningSettings): EdgeSignature | undefined {
  const address = settings.bindAddress ? input.remoteAddr : '';
  if (address === undefined || address.includes('|')) return undefined;
  const expires = input.nowSeconds + settings.ttlSeconds;
  const tokenId = edgeTokenId(input.tokenId);
  const signature = createHash('md5')
    .update(`${expires}|${address}|${tokenId}|${input.rawPathStream}|${settings.secret}`)
    .digest('base64url');
  const query = `wta_exp=${expires}&wta_tid=${tokenId}&wta_ip=${settings.bindAddress ? 1 : 0}&wta_sig=${signature}`;
  return { expires, signature, query };
}

/** The token id as it appears in signed URIs (and so in nginx's access log): plain, or a hash of an unusual one. */
export function edgeTokenId(tokenId: string | null): string {
  if (tokenId === null) return '-';
  if (PLAIN_TOKEN_ID.test(tokenId)) return tokenId;
  return `h.${createHash('sha256').update(tokenId).digest('base64url').slice(0, 22)}`;
}
