import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { CliIo } from '../../cli/cli-io.js';
import { runCli } from '../../cli/main.js';

async function run(args: string[]) {
  let out = '';
  let err = '';
  const io: CliIo = { out: (text) => void (out += text), err: (text) => void (err += text), env: {} };
  const code = await runCli(args, io);
  return { code, out, err };
}

describe('operator CLI help', () => {
  const commands = [
    [],
    ['tokens'],
    ['tokens', 'issue'],
    ['tokens', 'get'],
    ['tokens', 'list'],
    ['tokens', 'update'],
    ['tokens', 'revoke'],
    ['tokens', 'sessions'],
    ['sessions'],
    ['sessions', 'list'],
    ['sessions', 'end'],
    ['streams'],
    ['admin-key'],
    ['admin-key', 'new'],
    ['config'],
    ['config', 'check'],
    ['hook'],
    ['hook', 'try'],
  ];
  for (const command of commands) {
    it(`${['wcs-token-auth', ...command, '--help'].join(' ')} prints its usage and exits 0`, async () => {
      const result = await run([...command, '--help']);
      assert.equal(result.code, 0, result.err);
      assert.match(result.out, /^Usage: wcs-token-auth/);
      if (command.length === 2) assert.match(result.out, new RegExp(`^Usage: wcs-token-auth ${command.join(' ')}`));
    });
  }

  it('an unknown command or subcommand is a usage error (exit 2) that names it', async () => {
    for (const args of [['nope'], ['tokens', 'nope'], ['config', 'nope'], ['hook', 'nope'], ['admin-key', 'old'], ['sessions', 'nope']]) {
      const result = await run(args);
      assert.equal(result.code, 2, args.join(' '));
      assert.match(result.err, /unknown command/);
    }
    assert.equal((await run([])).code, 2);
  });

  it('an API command without an admin key says how to give one (exit 2)', async () => {
    const result = await run(['tokens', 'list']);
    assert.equal(result.code, 2);
    assert.match(result.err, /WTA_ADMIN_KEY/);
  });
});
