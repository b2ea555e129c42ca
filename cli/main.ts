import { readFileSync } from 'node:fs';
import { EXIT, exitCodeFor, UsageError, type CliIo } from './cli-io.js';

export const MAIN_HELP = `Usage: wcs-token-auth <command> [options]

Operator CLI for wcs-token-auth (the admin API, configuration and the WCS hook).

Commands:
  tokens issue|get|list|update|revoke   manage tokens through the admin API
  sessions list|end                     live viewer sessions across tokens; end (kick) one
  sessions --token ID                   the viewer sessions a token started
  streams                               streams being watched now, with their session counts
  admin-key new                         a new admin API key and its sha256: entry for ADMIN_API_KEYS
  config check                          validate the environment as the service would, without starting it
  hook try                              send a signed WCS hook request and show the decision and its reason

Environment: WTA_URL (default http://localhost:8080), WTA_ADMIN_KEY.
Every command takes --help; API commands take --json.
Exit status: 0 ok, 1 failed/denied/invalid, 2 usage, 3 not found, 4 unauthorized or forbidden,
5 service unreachable or unavailable.

  -V, --version   the version
  -h, --help      this help`;

type Command = (args: string[], io: CliIo) => Promise<number>;

// Loaded on demand: `config check` pulls in the service's config and JWT modules, which the API commands never need.
const COMMANDS: Record<string, () => Promise<Command>> = {
  tokens: async () => (await import('./tokens-command.js')).tokensCommand,
  sessions: async () => (await import('./sessions-command.js')).sessionsCommand,
  streams: async () => (await import('./streams-command.js')).streamsCommand,
  'admin-key': async () => (await import('./admin-key-command.js')).adminKeyCommand,
  config: async () => (await import('./config-check-command.js')).configCommand,
  hook: async () => (await import('./hook-try-command.js')).hookCommand,
};

export function packageVersion(): string {
  const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string };
  return pkg.version;
}

/** Runs one command line; resolves to the exit status. Output goes through `io` only. */
export async function runCli(argv: string[], io: CliIo): Promise<number> {
  const [command, ...rest] = argv;
  if (command === '--version' || command === '-V') {
    io.out(`${packageVersion()}\n`);
    return EXIT.ok;
  }
  if (command === undefined || command === '--help' || command === '-h' || command === 'help') {
    (command === undefined ? io.err : io.out)(`${MAIN_HELP}\n`);
    return command === undefined ? EXIT.usage : EXIT.ok;
  }
  try {
    const load = COMMANDS[command];
    if (!load) throw new UsageError(`unknown command "${command}"`);
    return await (await load())(rest, io);
  } catch (error) {
    return exitCodeFor(error, io);
  }
}
