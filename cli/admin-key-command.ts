import { createHash, randomBytes } from 'node:crypto';
import { parseAdminKeys, ADMIN_SCOPES } from '../src/admin/admin-keys.js';
import { EXIT, parseOnlySubcommand, printJson, UsageError, type CliIo } from './cli-io.js';

export const ADMIN_KEY_HELP = `Usage: wcs-token-auth admin-key new [--id ID] [--scopes SCOPES] [--json]

Prints a new random admin API key (32 random bytes) and the ADMIN_API_KEYS entry that holds only its SHA-256, so
the service's configuration never contains the key itself. Give the key to the caller; put the entry in
ADMIN_API_KEYS (comma-separated with the others).
  --id ID           the key's id in audit logs (default: admin)
  --scopes SCOPES   ${ADMIN_SCOPES.join('+')} (default: both), e.g. tokens:read for a read-only key
  --json            print {id, key, sha256, entry} as JSON
  -h, --help        this help`;

export async function adminKeyCommand(args: string[], io: CliIo): Promise<number> {
  const parsed = parseOnlySubcommand(args, io, {
    group: 'admin-key',
    sub: 'new',
    help: ADMIN_KEY_HELP,
    options: { id: { type: 'string' }, scopes: { type: 'string' }, json: { type: 'boolean' } },
  });
  if (parsed.exit !== undefined) return parsed.exit;
  const { values } = parsed;
  const id = values.id ?? 'admin';
  const key = `wta_admin_${randomBytes(32).toString('base64url')}`;
  const sha256 = `sha256:${createHash('sha256').update(key).digest('hex')}`;
  const entry = `${id}=${sha256}${values.scopes === undefined ? '' : `#${values.scopes}`}`;
  try {
    // The service's own parser: what this prints is exactly what ADMIN_API_KEYS accepts.
    parseAdminKeys(entry);
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
  if (values.json) printJson(io, { id, key, sha256, entry });
  else {
    io.out(
      `key:    ${key}\n        (give this to the caller; it is not shown again)\n` +
        `hashed: ${sha256}\nentry:  ${entry}\n        (add to ADMIN_API_KEYS, e.g. ADMIN_API_KEYS=${entry})\n`,
    );
  }
  return EXIT.ok;
}
