import { runCli } from './main.js';

// The process entry (bin/wcs-token-auth.mjs loads this): real streams and environment, exit with the status.
const status = await runCli(process.argv.slice(2), {
  out: (text) => void process.stdout.write(text),
  err: (text) => void process.stderr.write(text),
  env: process.env,
});
process.exitCode = status;
