import { createTokenAuthClient, type TokenAuthClient } from '../clients/typescript/src/index.js';
import { UsageError, type CliIo } from './cli-io.js';

export const DEFAULT_URL = 'http://localhost:8080';

export function serviceUrl(values: { url?: string | undefined }, io: CliIo): string {
  const url = values.url ?? io.env.WTA_URL ?? DEFAULT_URL;
  if (!/^https?:\/\/[^/]/.test(url)) throw new UsageError(`--url must be an http:// or https:// URL (got "${url}")`);
  return url;
}

/** The typed client for the URL and admin key given by flags or environment. */
export function connect(values: { url?: string | undefined; 'admin-key'?: string | undefined }, io: CliIo): TokenAuthClient {
  const adminKey = values['admin-key'] ?? io.env.WTA_ADMIN_KEY;
  if (!adminKey) throw new UsageError('an admin API key is needed: set WTA_ADMIN_KEY or pass --admin-key');
  return createTokenAuthClient({ baseUrl: serviceUrl(values, io), adminKey });
}
