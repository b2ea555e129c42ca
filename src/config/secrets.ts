import { envSchema } from './env-schema.js';
import type { SecretForm } from './env-values.js';

type RawEnv = Readonly<Record<string, string | undefined>>;

/**
 * The secrets configured in the environment, for the logger to remove from any error text (logger.ts): the values
 * of the settings the schema marks with `secret(…)`. Read from the raw variables so that nothing a parser
 * transformed (a URL-decoded password, a trimmed key) escapes: both the raw and the decoded form of a URL password
 * are listed.
 */
export function secretsInEnvironment(env: RawEnv): string[] {
  const secrets: string[] = [];
  for (const [name, schema] of Object.entries(envSchema.shape)) {
    const form = schema.meta()?.secret as SecretForm | undefined;
    if (form === undefined) continue;
    for (const value of secretsIn(form, env[name], env)) {
      if (value.trim() !== '') secrets.push(value.trim());
    }
  }
  return secrets;
}

function secretsIn(form: SecretForm, value: string | undefined, env: RawEnv): string[] {
  if (value === undefined) return [];
  switch (form) {
    case 'value':
      return [value];
    case 'url-credentials':
      return urlCredentials(value);
    case 'admin-keys':
      return value.split(',').flatMap((entry) => {
        const credential = entry.slice(entry.indexOf('=') + 1).split('#')[0];
        return entry.includes('=') && credential !== undefined && !credential.startsWith('sha256:') ? [credential] : [];
      });
    case 'key-references':
      return [...value.matchAll(/=env:([A-Za-z_][A-Za-z0-9_]*)/g)].map((match) => env[match[1]!] ?? '');
  }
}

function urlCredentials(value: string): string[] {
  const raw = /^[a-z][a-z0-9+.-]*:\/\/([^@/]*)@/i.exec(value)?.[1];
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
