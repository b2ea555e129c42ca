import type { IssueBatchRequest, IssueTokenRequest, TokenRecord, TokenState, UpdateTokenRequest } from '../clients/typescript/src/index.js';
import { cell, CONNECTION_HELP, CONNECTION_OPTIONS, EXIT, fieldTable, parseCommandArgs, printJson, table, UsageError, type CliIo } from './cli-io.js';
import { connect } from './connection.js';
import { tokenSessions } from './sessions-command.js';
import { booleanFlag, TOKEN_FLAG_HELP, TOKEN_FLAG_OPTIONS, tokenBody, wholeNumber } from './token-flags.js';

export const TOKENS_HELP = `Usage: wcs-token-auth tokens <issue|get|list|update|revoke|sessions> [options]

  tokens issue --stream NAME [fields] [--count N] [--idempotency-key KEY]
        Issue a token (or N tokens from the same fields, all or none). The secret is shown once.
  tokens get ID                 A token's record and usage.
  tokens list [--stream NAME] [--app-key KEY] [--state STATE] [--limit N]
        Tokens, newest first (every page; --limit stops after N).
  tokens update ID [fields] [--disabled true|false]
  tokens revoke ID              Revoke (final).
  tokens sessions ID            The viewer sessions the token started (as 'sessions --token ID').

Run 'wcs-token-auth tokens <command> --help' for a command's options.`;

const HELP: Record<string, string> = {
  issue: `Usage: wcs-token-auth tokens issue --stream NAME [options]

Issues an opaque token (with --count, a batch of N, all or none). The token secret is printed once.
  --count N                 issue N tokens with these fields (1-1000)
  --idempotency-key KEY     makes a retry of this command return the same tokens (default: a fresh key)

${TOKEN_FLAG_HELP}

${CONNECTION_HELP}`,
  get: `Usage: wcs-token-auth tokens get ID\n\n${CONNECTION_HELP}`,
  list: `Usage: wcs-token-auth tokens list [options]

  --stream NAME     only tokens granting this stream
  --app-key KEY     only tokens valid for this application
  --state STATE     active, pending, exhausted, expired, disabled or revoked
  --limit N         stop after N tokens (default: all)

${CONNECTION_HELP}`,
  update: `Usage: wcs-token-auth tokens update ID [options]

Changes a live token; only the fields given change.
  --disabled true|false     disable or enable

${TOKEN_FLAG_HELP}

${CONNECTION_HELP}`,
  sessions: `Usage: wcs-token-auth tokens sessions ID

The viewer sessions a token started (GET /v1/tokens/{id}/sessions), oldest first, live or not; the same as
'wcs-token-auth sessions --token ID'. Live sessions across tokens: 'wcs-token-auth sessions list'.

${CONNECTION_HELP}`,
  revoke: `Usage: wcs-token-auth tokens revoke ID\n\nRevokes a token (final; revoking again answers the same record).\n\n${CONNECTION_HELP}`,
};

const RECORD_COLUMNS = ['ID', 'STATE', 'STREAMS', 'USES', 'MAX_USES', 'EXPIRES_AT'];
const recordRow = (r: TokenRecord) => [r.id, r.state, cell(r.streams), String(r.uses), cell(r.maxUses), r.expiresAt];
const recordFields = (r: TokenRecord) => Object.entries(r) as [string, unknown][];

export async function tokensCommand(args: string[], io: CliIo): Promise<number> {
  const [sub, ...rest] = args;
  if (sub === undefined || sub === '--help' || sub === '-h' || sub === 'help') {
    io.out(`${TOKENS_HELP}\n`);
    return sub === undefined ? EXIT.usage : EXIT.ok;
  }
  const help = HELP[sub];
  if (!help) throw new UsageError(`unknown command "tokens ${sub}" (issue, get, list, update, revoke, sessions)`);
  if (rest.includes('--help') || rest.includes('-h')) {
    io.out(`${help}\n`);
    return EXIT.ok;
  }
  switch (sub) {
    case 'issue':
      return issue(rest, io);
    case 'list':
      return list(rest, io);
    case 'update':
      return update(rest, io);
    case 'sessions':
      return tokenSessions(onlyId('sessions', parseCommandArgs(rest, CONNECTION_OPTIONS).positionals), rest, io);
    default:
      return byId(sub, rest, io);
  }
}

async function issue(args: string[], io: CliIo): Promise<number> {
  const { values } = parseCommandArgs(args, {
    ...CONNECTION_OPTIONS,
    ...TOKEN_FLAG_OPTIONS,
    count: { type: 'string' },
    'idempotency-key': { type: 'string' },
  });
  const body = tokenBody(values, false);
  if (!Array.isArray(body.streams) || body.streams.length === 0) throw new UsageError('tokens issue needs at least one --stream');
  const client = connect(values, io);
  const opts = values['idempotency-key'] === undefined ? {} : { idempotencyKey: values['idempotency-key'] };
  if (values.count !== undefined) {
    const batch = await client.issueBatch({ template: body, count: wholeNumber('count', values.count) } as IssueBatchRequest, opts);
    if (values.json) printJson(io, batch);
    else io.out(table(['TOKEN', ...RECORD_COLUMNS], batch.tokens.map(({ token, record }) => [token, ...recordRow(record)])));
    return EXIT.ok;
  }
  const issued = await client.issueToken(body as IssueTokenRequest, opts);
  if (values.json) printJson(io, issued);
  else io.out(`token: ${issued.token}\n(shown once: it is not stored and cannot be read again)\n\n${fieldTable(recordFields(issued.record))}`);
  return EXIT.ok;
}

async function list(args: string[], io: CliIo): Promise<number> {
  const { values } = parseCommandArgs(args, {
    ...CONNECTION_OPTIONS,
    stream: { type: 'string' },
    'app-key': { type: 'string' },
    state: { type: 'string' },
    limit: { type: 'string' },
  });
  const max = values.limit === undefined ? Infinity : wholeNumber('limit', values.limit);
  const client = connect(values, io);
  const filters = {
    limit: 200,
    ...(values.stream === undefined ? {} : { stream: values.stream }),
    ...(values['app-key'] === undefined ? {} : { appKey: values['app-key'] }),
    ...(values.state === undefined ? {} : { state: values.state as TokenState }),
  };
  const records: TokenRecord[] = [];
  for await (const record of client.list(filters)) {
    if (records.length >= max) break;
    records.push(record);
  }
  if (values.json) printJson(io, records);
  else io.out(table(RECORD_COLUMNS, records.map(recordRow)));
  return EXIT.ok;
}

async function update(args: string[], io: CliIo): Promise<number> {
  const { values, positionals } = parseCommandArgs(args, { ...CONNECTION_OPTIONS, ...TOKEN_FLAG_OPTIONS, disabled: { type: 'string' } });
  const id = onlyId('update', positionals);
  const change = tokenBody(values, true);
  if (values.disabled !== undefined) change.disabled = booleanFlag('disabled', values.disabled);
  if (Object.keys(change).length === 0) throw new UsageError('tokens update needs at least one field to change');
  const record = await connect(values, io).updateToken(id, change as UpdateTokenRequest);
  if (values.json) printJson(io, record);
  else io.out(fieldTable(recordFields(record)));
  return EXIT.ok;
}

async function byId(sub: string, args: string[], io: CliIo): Promise<number> {
  const { values, positionals } = parseCommandArgs(args, CONNECTION_OPTIONS);
  const id = onlyId(sub, positionals);
  const client = connect(values, io);
  const record = sub === 'revoke' ? await client.revoke(id) : await client.getToken(id);
  if (values.json) printJson(io, record);
  else io.out(fieldTable(recordFields(record)));
  return EXIT.ok;
}

export function onlyId(command: string, positionals: string[]): string {
  if (positionals.length !== 1 || !positionals[0]) throw new UsageError(`tokens ${command} takes one token id (tok_…)`);
  return positionals[0];
}
