import { createHash, timingSafeEqual } from 'node:crypto';

export const ADMIN_SCOPES = ['tokens:read', 'tokens:write', 'sessions:read', 'sessions:write'] as const;
export type AdminScope = (typeof ADMIN_SCOPES)[number];

export interface AdminKey {
  id: string;
  /** SHA-256 of the key: plaintext keys from the config are hashed at load and never kept. */
  sha256: Buffer;
  scopes: ReadonlySet<AdminScope>;
}

const ENTRY = /^([A-Za-z0-9_.-]{1,64})=([^#\s]+)(?:#([a-z:+]+))?$/;

/**
 * Parses `ADMIN_API_KEYS`: comma-separated `keyId=credential[#scope+scope]`, where credential is the key itself
 * (at least 16 characters) or `sha256:<64 hex>` of it. Without `#…` a key has every scope.
 * Error messages never repeat the credential.
 */
export function parseAdminKeys(value: string): AdminKey[] {
  const keys: AdminKey[] = [];
  const entries = value.split(',').map((entry) => entry.trim()).filter(Boolean);
  if (entries.length === 0) throw new Error('must list at least one key as keyId=credential');
  for (const [index, entry] of entries.entries()) {
    const match = ENTRY.exec(entry);
    if (!match) throw new Error(`entry ${index + 1} must look like keyId=credential or keyId=sha256:<hex>#tokens:read`);
    const [, id = '', credential = '', scopeList] = match;
    if (keys.some((key) => key.id === id)) throw new Error(`key id "${id}" is listed twice`);
    let sha256: Buffer;
    if (credential.startsWith('sha256:')) {
      const hex = credential.slice('sha256:'.length);
      if (!/^[0-9a-fA-F]{64}$/.test(hex)) throw new Error(`key "${id}": sha256: must be followed by 64 hex characters`);
      sha256 = Buffer.from(hex, 'hex');
    } else {
      if (credential.length < 16) throw new Error(`key "${id}": a plaintext key must be at least 16 characters`);
      sha256 = createHash('sha256').update(credential).digest();
    }
    const scopes = scopeList ? scopeList.split('+') : [...ADMIN_SCOPES];
    for (const scope of scopes) {
      if (!(ADMIN_SCOPES as readonly string[]).includes(scope)) {
        throw new Error(`key "${id}": unknown scope "${scope}" (known: ${ADMIN_SCOPES.join(', ')})`);
      }
    }
    keys.push({ id, sha256, scopes: new Set(scopes as AdminScope[]) });
  }
  return keys;
}

/**
 * Finds the key a bearer credential belongs to. Every configured key is compared, in constant time, so the
 * time taken does not tell which key (or how much of one) matched.
 */
export function findAdminKey(keys: readonly AdminKey[], presented: string): AdminKey | undefined {
  const digest = createHash('sha256').update(presented).digest();
  let found: AdminKey | undefined;
  for (const key of keys) {
    if (timingSafeEqual(key.sha256, digest)) found ??= key;
  }
  return found;
}
