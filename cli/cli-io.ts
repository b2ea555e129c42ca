import { parseArgs, type ParseArgsConfig } from 'node:util';
import { ApiError, ConnectionError } from '../clients/typescript/src/index.js';

/** Exit codes scripts can branch on (README, "Operator CLI"). */
export const EXIT = {
  ok: 0,
  /** An API error not listed below; `hook try`: denied; `config check`: invalid. */
  failed: 1,
  usage: 2,
  notFound: 3,
  /** 401 or 403: the admin key is missing, wrong or lacks the scope. */
  unauthorized: 4,
  /** The service cannot be reached, or answered 503/429 after the client's retries. */
  unavailable: 5,
} as const;

/** What a command may touch: its output streams and environment (tests pass their own). */
export interface CliIo {
  out(text: string): void;
  err(text: string): void;
  env: Record<string, string | undefined>;
}

export class UsageError extends Error {
  override readonly name = 'UsageError';
}

/** node's parseArgs, strict, with its errors turned into usage errors that name the command. */
export function parseCommandArgs<T extends NonNullable<ParseArgsConfig['options']>>(args: string[], options: T) {
  try {
    return parseArgs({ args, options, strict: true, allowPositionals: true });
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
}

/**
 * A command group with one sub-command (`admin-key new`, `config check`, `hook try`): prints `help` and gives the
 * exit status when it was asked for (or no sub-command was given), else the sub-command's flags, which take no
 * positional arguments.
 */
export function parseOnlySubcommand<T extends NonNullable<ParseArgsConfig['options']>>(
  args: string[],
  io: CliIo,
  command: { group: string; sub: string; help: string; options: T },
) {
  const [sub, ...rest] = args;
  if (sub === undefined || sub === '--help' || sub === '-h' || rest.includes('--help') || rest.includes('-h')) {
    io.out(`${command.help}\n`);
    return { exit: sub === undefined ? EXIT.usage : EXIT.ok } as const;
  }
  if (sub !== command.sub) throw new UsageError(`unknown command "${command.group} ${sub}" (${command.sub})`);
  const { values, positionals } = parseCommandArgs(rest, command.options);
  if (positionals.length > 0) throw new UsageError(`${command.group} ${command.sub} takes no arguments (got "${positionals[0]}")`);
  return { values };
}

/** Where the admin API is and which key to use: flags first, then WTA_URL / WTA_ADMIN_KEY. */
export const CONNECTION_OPTIONS = {
  url: { type: 'string' },
  'admin-key': { type: 'string' },
  json: { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
} as const;

export const CONNECTION_HELP = `Connection:
  --url URL          service base URL (default: $WTA_URL, else http://localhost:8080)
  --admin-key KEY    admin API key (default: $WTA_ADMIN_KEY; prefer the variable: flags show in ps)
  --json             print JSON instead of a table
  -h, --help         this help`;

/** Maps an error to its message and exit code. */
export function exitCodeFor(error: unknown, io: CliIo): number {
  if (error instanceof UsageError) {
    io.err(`wcs-token-auth: ${error.message}\nRun with --help for usage.\n`);
    return EXIT.usage;
  }
  if (error instanceof ApiError) {
    const details = error.details.map((d) => `\n  ${d.field}: ${d.message}`).join('');
    io.err(`wcs-token-auth: ${error.status} ${error.code}: ${error.message}${details}${error.requestId ? `\n  requestId: ${error.requestId}` : ''}\n`);
    if (error.status === 404) return EXIT.notFound;
    if (error.status === 401 || error.status === 403) return EXIT.unauthorized;
    if (error.status === 503 || error.status === 429) return EXIT.unavailable;
    return EXIT.failed;
  }
  if (error instanceof ConnectionError) {
    io.err(`wcs-token-auth: cannot reach the service: ${error.message}\n`);
    return EXIT.unavailable;
  }
  throw error;
}

/** A plain text table: one header row, columns padded to their widest cell. */
export function table(headers: string[], rows: string[][]): string {
  const widths = headers.map((header, i) => Math.max(header.length, ...rows.map((row) => (row[i] ?? '').length)));
  const line = (cells: string[]) => cells.map((cell, i) => cell.padEnd(widths[i] ?? 0)).join('  ').trimEnd();
  return [line(headers), ...rows.map(line)].join('\n') + '\n';
}

/** Two columns, field and value, for one object. */
export function fieldTable(entries: [string, unknown][]): string {
  return table(
    ['FIELD', 'VALUE'],
    entries.map(([field, value]) => [field, cell(value)]),
  );
}

export function cell(value: unknown): string {
  if (value === null || value === undefined) return '-';
  if (Array.isArray(value)) return value.length === 0 ? '-' : value.map(cell).join(',');
  if (typeof value === 'object') return Object.keys(value).length === 0 ? '-' : JSON.stringify(value);
  return String(value);
}

export function printJson(io: CliIo, value: unknown): void {
  io.out(`${JSON.stringify(value, null, 2)}\n`);
}
