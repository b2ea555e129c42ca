import { CONNECTION_HELP, CONNECTION_OPTIONS, EXIT, parseCommandArgs, printJson, table, UsageError, type CliIo } from './cli-io.js';
import { connect } from './connection.js';
import { itemLimit, noteMore, PAGING_HELP, PAGING_OPTIONS, take } from './sessions-command.js';

export const STREAMS_HELP = `Usage: wcs-token-auth streams [--limit N | --all]

The streams being watched now with their live session count, most watched first (GET /v1/streams). Counts include
sessions that went idle less than one SESSION_SWEEP_INTERVAL_SECONDS ago. Scope sessions:read.
${PAGING_HELP}

${CONNECTION_HELP}`;

export async function streamsCommand(args: string[], io: CliIo): Promise<number> {
  if (args.includes('--help') || args.includes('-h')) {
    io.out(`${STREAMS_HELP}\n`);
    return EXIT.ok;
  }
  const { values, positionals } = parseCommandArgs(args, { ...CONNECTION_OPTIONS, ...PAGING_OPTIONS });
  if (positionals.length > 0) throw new UsageError(`streams takes no arguments (got "${positionals[0]}")`);
  const max = itemLimit(values);
  const { items, more } = await take(connect(values, io).streams({ limit: Math.min(max, 200) }), max);
  if (values.json) printJson(io, items);
  else io.out(table(['STREAM', 'APP_KEY', 'SESSIONS'], items.map((s) => [s.stream, s.appKey, String(s.sessions)])));
  noteMore(io, more, 'streams');
  return EXIT.ok;
}
