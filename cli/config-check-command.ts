import { readFileSync } from 'node:fs';
import { pino } from 'pino';
import { ConfigError, loadConfig, type Config } from '../src/config.js';
import { systemClock } from '../src/shared/clock.js';
import { createJwtRuntime } from '../src/tokens/jwt/jwt-runtime.js';
import { JwtKeyError } from '../src/tokens/jwt/key-ring.js';
import { EXIT, parseOnlySubcommand, printJson, UsageError, type CliIo } from './cli-io.js';

export const CONFIG_CHECK_HELP = `Usage: wcs-token-auth config check [--env-file FILE] [--json]

Validates the environment exactly as the service does at start (src/config.ts, then the JWT key files and
specs), without starting it: no port is opened and no Redis is contacted. Prints the same messages the service
would print and exits 0 when it would start, 1 when it would refuse to.
  --env-file FILE   read KEY=VALUE lines from FILE over the current environment (# comments, optional quotes)
  --json            print {valid, problems, summary} as JSON
  -h, --help        this help`;

export async function configCommand(args: string[], io: CliIo): Promise<number> {
  const parsed = parseOnlySubcommand(args, io, {
    group: 'config',
    sub: 'check',
    help: CONFIG_CHECK_HELP,
    options: { 'env-file': { type: 'string' }, json: { type: 'boolean' } },
  });
  if (parsed.exit !== undefined) return parsed.exit;
  const { values } = parsed;
  const env = values['env-file'] === undefined ? io.env : { ...io.env, ...readEnvFile(values['env-file']) };
  const problems = await checkConfig(env);
  if (values.json) {
    printJson(io, problems.ok ? { valid: true, problems: [], summary: summary(problems.config) } : { valid: false, problems: problems.messages });
  } else if (problems.ok) {
    io.out(`configuration is valid\n${Object.entries(summary(problems.config)).map(([k, v]) => `  ${k}: ${v}`).join('\n')}\n`);
  } else {
    // The service's own wording (main.ts): "wcs-token-auth: Invalid configuration:\n  - VARIABLE: problem".
    io.err(`wcs-token-auth: Invalid configuration:\n${problems.messages.map((m) => `  - ${m}`).join('\n')}\n`);
  }
  return problems.ok ? EXIT.ok : EXIT.failed;
}

type Checked = { ok: true; config: Config } | { ok: false; messages: string[] };

/** loadConfig, then what main.ts does next that can refuse a configuration: building the JWT keys. */
async function checkConfig(env: Record<string, string | undefined>): Promise<Checked> {
  let config: Config;
  try {
    config = loadConfig(env);
  } catch (error) {
    if (error instanceof ConfigError) return { ok: false, messages: error.problems };
    throw error;
  }
  try {
    const jwt = createJwtRuntime(config.jwt, { clock: systemClock, logger: pino({ level: 'silent' }), redis: undefined });
    await jwt.close();
  } catch (error) {
    if (error instanceof JwtKeyError) return { ok: false, messages: [error.message] };
    throw error;
  }
  return { ok: true, config };
}

/** What an operator wants to confirm; never a secret. */
function summary(config: Config): Record<string, string | number> {
  return {
    listen: `${config.host}:${config.port}`,
    store: config.store.kind === 'redis' ? `redis (${config.redisConnection.mode})` : 'memory',
    failurePolicy: config.storeFailurePolicy,
    hookBasePath: config.hookBasePath,
    nginxAuthPath: config.nginxAuthPath,
    adminKeys: config.adminKeys?.map((key) => key.id).join(',') ?? (config.store.kind === 'memory' ? 'none (one is generated at start)' : 'none (admin API refuses every request)'),
    signedHooks: config.signingSecret === undefined ? 'no (WCS_SIGNING_SECRET unset)' : 'yes',
    jwt: config.jwt.enabled ? `enabled (${config.jwt.keys.length} verify keys, ${config.jwt.signingKeys.length} signing keys${config.jwt.jwks ? ', JWKS' : ''})` : 'disabled',
    workers: config.workers,
  };
}

/** KEY=VALUE lines; `#` comments and blank lines skipped; one pair of surrounding quotes removed. */
export function readEnvFile(path: string): Record<string, string> {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    throw new UsageError(`cannot read --env-file ${path}: ${(error as NodeJS.ErrnoException).code ?? 'error'}`);
  }
  const env: Record<string, string> = {};
  for (const [index, raw] of text.split(/\r?\n/).entries()) {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) continue;
    const match = /^(?:export\s+)?([A-Za-z_][A-Za-z0-9_]*)\s*=\s*(.*)$/.exec(line);
    if (!match?.[1]) throw new UsageError(`${path}:${index + 1}: expected KEY=VALUE`);
    const value = match[2] ?? '';
    env[match[1]] = /^(["']).*\1$/.test(value) ? value.slice(1, -1) : value;
  }
  return env;
}
