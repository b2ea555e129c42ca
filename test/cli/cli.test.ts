import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { parseAdminKeys } from '../../src/admin/admin-keys.js';
import { spawnService } from '../helpers/service-process.js';
import { serviceOnRedis, type ServiceInstance } from '../helpers/service-instance.js';
import { ADMIN_KEY, READ_ONLY_KEY } from '../helpers/test-app.js';
import { runCliInProcess, runCliProcess } from './cli-helpers.js';

const SECRET = 'wcs-hook-secret-for-cli-tests';
const version = (JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string }).version;

describe('operator CLI, spawned as a user runs it', () => {
  let service: ServiceInstance;
  let env: Record<string, string>;
  serviceOnRedis({ WCS_SIGNING_SECRET: SECRET }, ([first]) => {
    service = first!;
    env = { WTA_URL: service.url, WTA_ADMIN_KEY: ADMIN_KEY };
  });

  it('npx wcs-token-auth --version prints the package version', async () => {
    const run = await runCliProcess(['--version'], {}, { npx: true });
    assert.equal(run.code, 0, run.stderr);
    assert.equal(run.stdout.trim(), version);
  });

  it('issues, reads, updates, lists and revokes tokens; --json is parseable, tables are readable', async () => {
    const issued = await runCliProcess(['tokens', 'issue', '--stream', 'cli-cam', '--max-uses', '2', '--metadata', 'orderId=A-7', '--json'], env);
    assert.equal(issued.code, 0, issued.stderr);
    const { token, record } = JSON.parse(issued.stdout) as { token: string; record: { id: string; maxUses: number; metadata: object } };
    assert.match(token, /^wta_/);
    assert.deepEqual([record.maxUses, record.metadata], [2, { orderId: 'A-7' }]);

    const got = await runCliProcess(['tokens', 'get', record.id], env);
    assert.equal(got.code, 0, got.stderr);
    assert.match(got.stdout, /^FIELD\s+VALUE$/m);
    assert.match(got.stdout, new RegExp(`^id\\s+${record.id}$`, 'm'));
    assert.ok(!got.stdout.includes(token), 'a read never shows the secret');

    // The rest in-process (the same runCli the bin calls): spawning costs seconds on a busy machine.
    const updated = await runCliInProcess(['tokens', 'update', record.id, '--max-uses', 'none', '--disabled', 'true', '--json'], env);
    assert.equal(updated.code, 0, updated.stderr);
    assert.deepEqual([JSON.parse(updated.stdout).maxUses, JSON.parse(updated.stdout).state], [null, 'disabled']);

    const listed = await runCliInProcess(['tokens', 'list', '--stream', 'cli-cam'], env);
    assert.equal(listed.code, 0, listed.stderr);
    assert.match(listed.stdout, /^ID\s+STATE\s+STREAMS/m);
    assert.match(listed.stdout, new RegExp(`^${record.id}\\s+disabled\\s+cli-cam`, 'm'));

    const revoked = await runCliInProcess(['tokens', 'revoke', record.id, '--json'], env);
    assert.equal(revoked.code, 0, revoked.stderr);
    assert.equal(JSON.parse(revoked.stdout).state, 'revoked');
  });

  it('a retried batch with the same --idempotency-key prints the same tokens', async () => {
    const args = ['tokens', 'issue', '--stream', 'batch-cam', '--count', '3', '--idempotency-key', 'cli-batch-1', '--json'];
    const first = await runCliProcess(args, env);
    const again = await runCliInProcess(args, env);
    assert.equal(first.code, 0, first.stderr);
    const tokens = (run: { stdout: string }) => (JSON.parse(run.stdout) as { tokens: { token: string }[] }).tokens.map((t) => t.token);
    assert.equal(tokens(first).length, 3);
    assert.deepEqual(tokens(again), tokens(first));
  });

  it('hook try: signed request, decision and dry-run reason; exit 0 allowed, 1 denied; sessions shows the viewer', async () => {
    const issued = JSON.parse((await runCliInProcess(['tokens', 'issue', '--stream', 'hook-cam', '--json'], env)).stdout) as { token: string; record: { id: string } };
    const hookEnv = { ...env, WCS_SIGNING_SECRET: SECRET };
    const allowed = await runCliProcess(['hook', 'try', '--token', issued.token, '--stream', 'hook-cam', '--session-id', 'cli-viewer-1', '--client-ip', '198.51.100.7'], hookEnv);
    assert.equal(allowed.code, 0, allowed.stdout + allowed.stderr);
    assert.match(allowed.stdout, /^decision\s+allow$/m);
    assert.match(allowed.stdout, /^hook answer\s+HTTP 200$/m);
    assert.match(allowed.stdout, /^reason \(dry run\)\s+valid$/m);

    const denied = await runCliProcess(['hook', 'try', '--token', issued.token, '--stream', 'other-cam', '--json'], hookEnv);
    assert.equal(denied.code, 1, denied.stderr);
    const result = JSON.parse(denied.stdout) as { allow: boolean; hookStatus: number; dryRun: { reason: string } };
    assert.deepEqual([result.allow, result.hookStatus, result.dryRun.reason], [false, 403, 'stream_not_allowed']);

    // A wrong signing secret: the hook refuses, the dry run (which does not check signatures) would allow.
    const badSignature = await runCliInProcess(['hook', 'try', '--token', issued.token, '--stream', 'hook-cam', '--signing-secret', 'wrong'], env);
    assert.equal(badSignature.code, 1);
    assert.match(badSignature.stdout, /hook and the dry run disagree/);

    const sessions = await runCliInProcess(['sessions', '--token', issued.record.id], env);
    assert.equal(sessions.code, 0, sessions.stderr);
    assert.match(sessions.stdout, /^cli-viewer-1\s+198\.51\.100\.7\s/m);
  });

  it('sessions list|end and streams: filters, paging, --json and tables; the per-token form stays', async () => {
    const issued = await runCliInProcess(['tokens', 'issue', '--stream', 'live-*', '--viewer-id', 'cli-viewer', '--max-viewer-sessions', '5', '--json'], env);
    assert.equal(issued.code, 0, issued.stderr);
    const { token, record } = JSON.parse(issued.stdout) as { token: string; record: { id: string; viewerId: string; maxViewerSessions: number } };
    assert.deepEqual([record.viewerId, record.maxViewerSessions], ['cli-viewer', 5]);
    // Viewer sessions start through the real (signed) hook.
    const play = async (session: string, stream: string) => {
      const run = await runCliInProcess(['hook', 'try', '--token', token, '--stream', stream, '--session-id', session, '--json'], { ...env, WCS_SIGNING_SECRET: SECRET });
      return (JSON.parse(run.stdout) as { hookStatus: number }).hookStatus;
    };
    for (const [session, stream] of [['lv-1', 'live-x'], ['lv-2', 'live-x'], ['lv-3', 'live-y']] as const) assert.equal(await play(session, stream), 200);

    const listed = await runCliProcess(['sessions', 'list', '--viewer-id', 'cli-viewer'], env);
    assert.equal(listed.code, 0, listed.stderr);
    assert.match(listed.stdout, /^SESSION\s+TOKEN\s+VIEWER\s+STREAM\s+APP_KEY\s+IP\s+METHOD/m);
    assert.equal(listed.stdout.match(new RegExp(`^ses_\\S+\\s+${record.id}\\s+cli-viewer\\s+live-[xy]\\s+defaultApp\\s`, 'gm'))?.length, 3, listed.stdout);

    const json = async (args: string[]) => {
      const run = await runCliInProcess([...args, '--json'], env);
      assert.equal(run.code, 0, run.stderr);
      return { items: JSON.parse(run.stdout) as { id: string; stream: string; tokenId: string }[], stderr: run.stderr };
    };
    assert.deepEqual((await json(['sessions', 'list', '--stream', 'live-y'])).items.map((s) => s.stream), ['live-y']);
    assert.equal((await json(['sessions', 'list', '--token', record.id, '--app-key', 'defaultApp', '--all'])).items.length, 3);
    assert.deepEqual((await json(['sessions', '--stream', 'live-y'])).items.map((s) => s.tokenId), [record.id], 'bare filters list');
    const one = await json(['sessions', 'list', '--token', record.id, '--limit', '1']);
    assert.equal(one.items.length, 1);
    assert.match(one.stderr, /more sessions: use --all/);
    assert.equal((await runCliInProcess(['sessions', 'list', '--limit', '1', '--all'], env)).code, 2);

    const streams = await runCliInProcess(['streams'], env);
    assert.equal(streams.code, 0, streams.stderr);
    assert.match(streams.stdout, /^STREAM\s+APP_KEY\s+SESSIONS$/m);
    assert.match(streams.stdout, /^live-x\s+defaultApp\s+2$/m);
    const streamRows = (await json(['streams', '--all'])).items as unknown as { stream: string; sessions: number }[];
    assert.deepEqual(streamRows.find((row) => row.stream === 'live-y')?.sessions, 1);

    const target = (await json(['sessions', 'list', '--stream', 'live-y'])).items[0]!;
    const ended = await runCliProcess(['sessions', 'end', target.id], env);
    assert.equal(ended.code, 0, ended.stderr);
    assert.equal(ended.stdout, `ended ${target.id}\n`);
    assert.equal(await play('lv-3', 'live-y'), 403, 'the ended session is refused');
    assert.equal(service.logs.decisions().at(-1)?.reason, 'session_ended');
    const again = await runCliInProcess(['sessions', 'end', target.id], env);
    assert.equal(again.code, 3);
    assert.match(again.stderr, /404 not_found/);
    assert.equal((await runCliInProcess(['sessions', 'end', target.id], { ...env, WTA_ADMIN_KEY: READ_ONLY_KEY })).code, 4);
    assert.equal((await runCliInProcess(['sessions', 'list'], { ...env, WTA_ADMIN_KEY: READ_ONLY_KEY })).code, 4);
    assert.equal((await runCliInProcess(['sessions', 'end'], env)).code, 2);
    assert.equal((await runCliInProcess(['sessions', 'list', '--url', 'http://127.0.0.1:9'], env)).code, 5);

    // The per-token form (GET /v1/tokens/{id}/sessions) as before, by flag or bare id, and as `tokens sessions ID`;
    // a mistyped subcommand is a usage error.
    for (const args of [['sessions', '--token', record.id], ['sessions', record.id], ['tokens', 'sessions', record.id]]) {
      const run = await runCliInProcess(args, env);
      assert.equal(run.code, 0, run.stderr);
      assert.match(run.stdout, /^SESSION\s+IP\s+FIRST_SEEN\s+LAST_SEEN\s+ACTIVE$/m);
      assert.match(run.stdout, /^lv-1\s/m);
    }
    const typo = await runCliInProcess(['sessions', 'lsit'], env);
    assert.equal(typo.code, 2);
    assert.match(typo.stderr, /unknown command "sessions lsit"/);
  });

  it('exit codes: 3 not found, 4 wrong or read-only key, 5 unreachable, 2 usage', async () => {
    const missing = await runCliProcess(['tokens', 'get', 'tok_AAAAAAAAAAAAAAAA'], env);
    assert.equal(missing.code, 3);
    assert.match(missing.stderr, /404 not_found/);
    assert.equal((await runCliInProcess(['tokens', 'list'], { ...env, WTA_ADMIN_KEY: 'not-a-real-admin-key-000' })).code, 4);
    assert.equal((await runCliInProcess(['tokens', 'issue', '--stream', 'x'], { ...env, WTA_ADMIN_KEY: READ_ONLY_KEY })).code, 4);
    const unreachable = await runCliInProcess(['tokens', 'list', '--url', 'http://127.0.0.1:9'], env);
    assert.equal(unreachable.code, 5);
    assert.match(unreachable.stderr, /cannot reach the service/);
    const usage = await runCliInProcess(['tokens', 'issue', '--stream', 'x', '--max-uses', 'many'], env);
    assert.equal(usage.code, 2);
    assert.match(usage.stderr, /--max-uses must be a whole number/);
    assert.equal((await runCliInProcess(['tokens', 'list', '--no-such-flag'], env)).code, 2);
  });
});

describe('operator CLI without a service', () => {
  it('admin-key new prints a key and the sha256: entry ADMIN_API_KEYS accepts, and config check agrees', async () => {
    const run = await runCliProcess(['admin-key', 'new', '--id', 'ops', '--scopes', 'tokens:read', '--json']);
    assert.equal(run.code, 0, run.stderr);
    const { key, sha256, entry } = JSON.parse(run.stdout) as { key: string; sha256: string; entry: string };
    assert.equal(sha256, `sha256:${createHash('sha256').update(key).digest('hex')}`);
    assert.equal(entry, `ops=${sha256}#tokens:read`);
    const [parsed] = parseAdminKeys(entry);
    assert.deepEqual([...(parsed?.scopes ?? [])], ['tokens:read']);
    const check = await runCliInProcess(['config', 'check'], { ADMIN_API_KEYS: entry });
    assert.equal(check.code, 0, check.stderr);
    assert.match(check.stdout, /adminKeys: ops/);
    assert.ok(!check.stdout.includes(sha256), 'the summary shows key ids only');
  });

  it('config check refuses what the service refuses, with the same messages and a nonzero exit', async () => {
    const bad = { PORT: '99999', TOKEN_STORE: 'redis', REDIS_PASSWORD: 'pw', WORKERS: '2', JWT_KEYS: 'k1:HS256:file:/nonexistent/key' };
    const check = await runCliProcess(['config', 'check'], bad);
    assert.equal(check.code, 1);
    const service = spawnService(bad);
    assert.equal(await service.exit, 1);
    const problems = (text: string) => text.split('\n').filter((line) => line.startsWith('  - '));
    assert.ok(problems(check.stderr).length > 0, check.stderr);
    assert.deepEqual(problems(check.stderr), problems(service.stderr()));
  });

  it('config check reads --env-file and reports JWT key problems as the service does', async () => {
    const check = await runCliInProcess(['config', 'check', '--json', '--env-file', '/dev/null'], { JWT_KEYS: 'k1:HS256:file:/nonexistent/key' });
    const service = spawnService({ JWT_KEYS: 'k1:HS256:file:/nonexistent/key' });
    assert.equal(await service.exit, 1);
    assert.equal(check.code, 1);
    const result = JSON.parse(check.stdout) as { valid: boolean; problems: string[] };
    assert.equal(result.valid, false);
    assert.ok(service.stderr().includes(`  - ${result.problems[0]}`), `${service.stderr()} vs ${result.problems[0]}`);
  });
});
