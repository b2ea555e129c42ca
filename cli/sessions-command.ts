import type { LiveSession, SessionFilters } from '../clients/typescript/src/index.js';
import { cell, CONNECTION_HELP, CONNECTION_OPTIONS, EXIT, parseCommandArgs, printJson, table, UsageError, type CliIo } from './cli-io.js';
import { connect } from './connection.js';
import { wholeNumber } from './token-flags.js';

export const SESSIONS_HELP = `Usage: wcs-token-auth sessions <list|end> [options]
       wcs-token-auth sessions --token ID

  sessions list [--stream NAME] [--app-key KEY] [--viewer-id ID] [--token ID] [--limit N | --all]
        Live viewer sessions across all tokens and instances (GET /v1/sessions). Scope sessions:read.
  sessions end ID
        End one live session now (kick): its next check on any instance is refused. Scope sessions:write.
  sessions --token ID   (or: sessions tok_…)
        The viewer sessions one token started, live or not (GET /v1/tokens/{id}/sessions). Scope tokens:read.

'sessions' with filters only (e.g. 'sessions --stream S') is 'sessions list'.

Run 'wcs-token-auth sessions <command> --help' for a command's options.`;

export const PAGING_HELP = `  --limit N         show at most N (default 50)
  --all             show every one (follows every page)`;

const HELP: Record<string, string> = {
  list: `Usage: wcs-token-auth sessions list [options]

Live viewer sessions (checked within VIEWER_SESSION_WINDOW_SECONDS), in session id order. Filters are exact.
  --stream NAME     only sessions of this stream
  --app-key KEY     only sessions of this WCS application
  --viewer-id ID    only sessions of this viewer id
  --token ID        only sessions of this token (tok_…)
${PAGING_HELP}

${CONNECTION_HELP}`,
  end: `Usage: wcs-token-auth sessions end ID

Ends one live session (ses_…) now: it ends with cause "kicked" and its next check, on any instance, is refused
(session_ended). The player must start a new session, which the limits then judge. Exit 3 if no live session has
this id.

${CONNECTION_HELP}`,
  token: `Usage: wcs-token-auth sessions --token ID

The viewer sessions a token started (GET /v1/tokens/{id}/sessions), oldest first: id, address, first and last
check, and whether it is still active.
  --token ID        the token (tok_…)

${CONNECTION_HELP}`,
};

const wantsHelp = (args: string[]) => args.includes('--help') || args.includes('-h');

export async function sessionsCommand(args: string[], io: CliIo): Promise<number> {
  const [sub, ...rest] = args;
  if (sub === undefined || sub === '--help' || sub === '-h' || sub === 'help') {
    io.out(`${SESSIONS_HELP}\n`);
    return sub === undefined ? EXIT.usage : EXIT.ok;
  }
  const command = commandOf(args);
  const commandArgs = command === sub ? rest : args;
  if (wantsHelp(commandArgs)) {
    io.out(`${HELP[command]}\n`);
    return EXIT.ok;
  }
  if (command === 'list') return list(commandArgs, io);
  if (command === 'end') return end(commandArgs, io);
  const { values, positionals } = parseCommandArgs(commandArgs, { ...CONNECTION_OPTIONS, token: { type: 'string' } });
  const id = values.token ?? positionals[0];
  if (!id || positionals.length > (values.token === undefined ? 1 : 0)) throw new UsageError('sessions --token takes one token id (tok_…)');
  return tokenSessions(id, commandArgs, io);
}

/**
 * `list`/`end` by name; the per-token form this command had first (`sessions --token ID`, `sessions tok_…`); bare
 * filters (`sessions --stream S`) list live sessions. Another bare word is a mistyped subcommand.
 */
function commandOf(args: string[]): 'list' | 'end' | 'token' {
  const [sub = ''] = args;
  if (sub === 'list' || sub === 'end') return sub;
  if (args.some((arg) => arg === '--token' || arg.startsWith('--token=') || arg.startsWith('tok_'))) return 'token';
  if (!sub.startsWith('-')) throw new UsageError(`unknown command "sessions ${sub}" (list, end, or --token ID)`);
  return 'list';
}

/** How many items `--limit N` / `--all` ask for (default 50, a page of the API). */
export function itemLimit(values: { limit?: string | undefined; all?: boolean | undefined }): number {
  if (values.all && values.limit !== undefined) throw new UsageError('give either --limit or --all');
  if (values.all) return Infinity;
  const limit = values.limit === undefined ? 50 : wholeNumber('limit', values.limit);
  if (limit < 1) throw new UsageError('--limit must be at least 1');
  return limit;
}

/** Up to `max` items of a paged listing, and whether more were left. */
export async function take<T>(items: AsyncIterable<T>, max: number): Promise<{ items: T[]; more: boolean }> {
  const taken: T[] = [];
  for await (const item of items) {
    if (taken.length >= max) return { items: taken, more: true };
    taken.push(item);
  }
  return { items: taken, more: false };
}

export const PAGING_OPTIONS = { limit: { type: 'string' }, all: { type: 'boolean' } } as const;

/** A note on stderr (so --json output stays parseable) when --limit cut the listing short. */
export function noteMore(io: CliIo, more: boolean, what: string): void {
  if (more) io.err(`(more ${what}: use --all or a larger --limit)\n`);
}

async function list(args: string[], io: CliIo): Promise<number> {
  const { values, positionals } = parseCommandArgs(args, {
    ...CONNECTION_OPTIONS,
    ...PAGING_OPTIONS,
    stream: { type: 'string' },
    'app-key': { type: 'string' },
    'viewer-id': { type: 'string' },
    token: { type: 'string' },
  });
  if (positionals.length > 0) throw new UsageError(`sessions list takes no arguments (got "${positionals[0]}")`);
  const max = itemLimit(values);
  const filters: SessionFilters = {
    limit: Math.min(max, 200),
    ...(values.stream === undefined ? {} : { stream: values.stream }),
    ...(values['app-key'] === undefined ? {} : { appKey: values['app-key'] }),
    ...(values['viewer-id'] === undefined ? {} : { viewerId: values['viewer-id'] }),
    ...(values.token === undefined ? {} : { tokenId: values.token }),
  };
  const { items, more } = await take(connect(values, io).sessions(filters), max);
  if (values.json) printJson(io, items);
  else io.out(table(['SESSION', 'TOKEN', 'VIEWER', 'STREAM', 'APP_KEY', 'IP', 'METHOD', 'STARTED_AT', 'LAST_SEEN', 'CHECKS'], items.map(sessionRow)));
  noteMore(io, more, 'sessions');
  return EXIT.ok;
}

const sessionRow = (s: LiveSession) => [
  s.id,
  s.tokenId,
  cell(s.viewerId),
  s.stream,
  s.appKey,
  cell(s.clientIp),
  s.method,
  s.startedAt,
  s.lastSeenAt,
  String(s.checks),
];

async function end(args: string[], io: CliIo): Promise<number> {
  const { values, positionals } = parseCommandArgs(args, CONNECTION_OPTIONS);
  if (positionals.length !== 1 || !positionals[0]) throw new UsageError('sessions end takes one session id (ses_…)');
  const id = positionals[0];
  await connect(values, io).endSession(id);
  if (values.json) printJson(io, { id, ended: true });
  else io.out(`ended ${id}\n`);
  return EXIT.ok;
}

/** One token's recorded sessions (GET /v1/tokens/{id}/sessions); `args` give the connection flags. */
export async function tokenSessions(id: string, args: string[], io: CliIo): Promise<number> {
  const { values } = parseCommandArgs(args, { ...CONNECTION_OPTIONS, token: { type: 'string' } });
  const list = await connect(values, io).tokenSessions(id);
  if (values.json) printJson(io, list);
  else {
    io.out(
      table(
        ['SESSION', 'IP', 'FIRST_SEEN', 'LAST_SEEN', 'ACTIVE'],
        list.sessions.map((s) => [s.id, s.ip ?? '-', s.firstSeenAt, s.lastSeenAt, s.active ? 'yes' : 'no']),
      ),
    );
  }
  return EXIT.ok;
}
