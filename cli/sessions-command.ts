import { CONNECTION_HELP, CONNECTION_OPTIONS, EXIT, parseCommandArgs, printJson, table, UsageError, type CliIo } from './cli-io.js';
import { connect } from './connection.js';

export const SESSIONS_HELP = `Usage: wcs-token-auth sessions --token ID

The viewer sessions a token started (GET /v1/tokens/{id}/sessions), oldest first: id, address, first and last
check, and whether it is still active.
  --token ID        the token (tok_…)

${CONNECTION_HELP}`;

export async function sessionsCommand(args: string[], io: CliIo): Promise<number> {
  if (args.includes('--help') || args.includes('-h')) {
    io.out(`${SESSIONS_HELP}\n`);
    return EXIT.ok;
  }
  const { values, positionals } = parseCommandArgs(args, { ...CONNECTION_OPTIONS, token: { type: 'string' } });
  const id = values.token ?? (positionals.length === 1 ? positionals[0] : undefined);
  if (!id) throw new UsageError('sessions needs --token ID');
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
