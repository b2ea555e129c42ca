import type { z } from 'zod';
import { ConfigError } from './config-error.js';
import { configSchema } from './env-schema.js';
import { secretsInEnvironment } from './secrets.js';

/** The service's settings, as the code reads them: derived from the schema (config/env-schema.ts). */
export type Config = z.output<ReturnType<typeof configSchema>> & {
  /** Configured secrets, removed from any error text in the log (config/secrets.ts). */
  logSecrets: readonly string[];
};

/** Parses the environment once. Empty strings count as unset, as most process managers write them. */
export function loadConfig(env: NodeJS.ProcessEnv): Config {
  const input = Object.fromEntries(Object.entries(env).filter(([, value]) => value !== undefined && value !== ''));
  const parsed = configSchema(input).safeParse(input);
  if (!parsed.success) {
    throw new ConfigError(parsed.error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`));
  }
  return { ...parsed.data, logSecrets: secretsInEnvironment(env) };
}
