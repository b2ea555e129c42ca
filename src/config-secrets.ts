/**
 * The secrets configured in the environment, for the logger to remove from any error text (logger.ts). Read from
 * the raw variables so that nothing a parser transformed (a URL-decoded password, a trimmed key) escapes: both the
 * raw and the decoded form of a URL password are listed.
 */
export function secretsInEnvironment(env: Readonly<Record<string, string | undefined>>): string[] {
  const secrets: string[] = [];
  const add = (value: string | undefined) => {
    if (value !== undefined && value.trim() !== '') secrets.push(value.trim());
  };
  for (const name of ['REDIS_PASSWORD', 'WCS_SIGNING_SECRET', 'METRICS_BEARER_TOKEN', 'EDGE_SIGNING_SECRET', 'WEBHOOK_SECRET']) add(env[name]);
  for (const name of ['REDIS_URL', 'JWT_JWKS_URL']) for (const part of urlCredentials(env[name])) add(part);
  for (const entry of (env.ADMIN_API_KEYS ?? '').split(',')) {
    const credential = entry.slice(entry.indexOf('=') + 1).split('#')[0];
    if (entry.includes('=') && !credential?.startsWith('sha256:')) add(credential);
  }
  for (const name of ['JWT_KEYS', 'JWT_SIGNING_KEYS']) {
    for (const match of (env[name] ?? '').matchAll(/=env:([A-Za-z_][A-Za-z0-9_]*)/g)) add(env[match[1]!]);
  }
  return secrets;
}

function urlCredentials(value: string | undefined): string[] {
  const raw = value === undefined ? undefined : /^[a-z][a-z0-9+.-]*:\/\/([^@/]*)@/i.exec(value)?.[1];
  if (raw === undefined) return [];
  const parts = [raw, ...raw.split(':')];
  return [...parts, ...parts.map((part) => safeDecode(part))];
}

function safeDecode(value: string): string {
  try {
    return decodeURIComponent(value);
  } catch {
    return value;
  }
}
