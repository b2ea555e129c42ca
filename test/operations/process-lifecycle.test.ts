import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { loadConfig } from '../../src/config.js';
import { freePort } from '../helpers/free-port.js';
import { eventually } from '../helpers/hook-client.js';
import { startServiceProcess } from '../helpers/service-process.js';
import { newerPlayHlsBody } from '../helpers/wcs-bodies.js';

const REPO_ROOT = fileURLToPath(new URL('../..', import.meta.url));
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const ADMIN = 'ops=lifecycle-admin-key-0123456789';

async function readiness(url: string): Promise<{ status: number; body: unknown }> {
  const res = await fetch(`${url}/readyz`);
  return { status: res.status, body: await res.json() };
}

describe('SHUTDOWN_DELAY_MS: draining behind a load balancer', () => {
  it('after SIGTERM the process keeps serving with /readyz failing for the delay, then closes and exits 0', async () => {
    const delayMs = 5000;
    const service = await startServiceProcess({ PORT: '0', HOST: '127.0.0.1', ADMIN_API_KEYS: ADMIN, SHUTDOWN_DELAY_MS: String(delayMs) });
    try {
      assert.deepEqual(await readiness(service.url), { status: 200, body: { status: 'ready', store: 'memory' } });
      const signalledAt = performance.now();
      service.child.kill('SIGTERM');
      const exit = once(service.child, 'exit');
      await eventually(async () => (await readiness(service.url)).status === 503, '/readyz fails after SIGTERM', 600, 50);
      assert.deepEqual(await readiness(service.url), { status: 503, body: { status: 'shutting_down', store: 'memory' } });
      // A third of the delay in: new connections are still accepted and decisions still made.
      await sleep(delayMs / 3);
      const hook = await fetch(`${service.url}/wcs/playHLS`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json', Connection: 'close' },
        body: JSON.stringify(newerPlayHlsBody({}, { token: `wta_${'D'.repeat(43)}` })),
      });
      assert.equal(hook.status, 403, 'a decision is still made during the delay');
      assert.equal((await fetch(`${service.url}/healthz`, { headers: { Connection: 'close' } })).status, 200);
      const [code] = (await exit) as [number | null];
      const stoppedAfterMs = performance.now() - signalledAt;
      assert.equal(code, 0);
      assert.ok(stoppedAfterMs >= delayMs, `exited ${Math.round(stoppedAfterMs)} ms after SIGTERM, not before the delay`);
      await assert.rejects(fetch(`${service.url}/healthz`), 'no longer accepting connections');
      const lines = service.output.filter((line) => line.includes('shutting down'));
      assert.match(lines[0] ?? '', /still serving for SHUTDOWN_DELAY_MS/);
    } finally {
      await service.stop();
    }
  });

  it('a second signal during the delay skips the rest of it', async () => {
    const service = await startServiceProcess({ PORT: '0', HOST: '127.0.0.1', ADMIN_API_KEYS: ADMIN, SHUTDOWN_DELAY_MS: '60000' });
    try {
      assert.equal((await readiness(service.url)).status, 200, 'ready before the signal');
      service.child.kill('SIGTERM');
      await eventually(async () => (await readiness(service.url)).status === 503, '/readyz fails after SIGTERM', 600, 50).catch((error: unknown) => {
        const { exitCode, signalCode } = service.child;
        throw new Error(`${String(error)} (exit code ${String(exitCode)}, signal ${String(signalCode)}); output:\n${service.output.join('\n')}`);
      });
      const exit = once(service.child, 'exit');
      service.child.kill('SIGINT');
      const [code] = (await exit) as [number | null];
      assert.equal(code, 0, 'exited well before the 60 s delay');
    } finally {
      await service.stop();
    }
  });

  it('refuses a SHUTDOWN_DELAY_MS that is not a whole number of milliseconds up to 120000', async () => {
    for (const value of ['-1', '1.5', '120001', 'soon']) {
      assert.throws(() => loadConfig({ SHUTDOWN_DELAY_MS: value }), /SHUTDOWN_DELAY_MS: must be/, value);
    }
    assert.equal(loadConfig({}).shutdownDelayMs, 0, 'no delay unless asked for');
  });
});

describe('readiness through the real process follows STORE_FAILURE_POLICY when Redis is unreachable', { concurrency: true }, () => {
  for (const [policy, expected] of [
    ['deny', { status: 503, body: { status: 'store_unavailable', store: 'redis' } }],
    ['allow', { status: 200, body: { status: 'degraded', store: 'redis' } }],
    ['cached', { status: 200, body: { status: 'degraded', store: 'redis' } }],
  ] as const) {
    it(`${policy}: /readyz answers ${expected.status} ${expected.body.status}`, async () => {
      const service = await startServiceProcess({
        PORT: '0',
        HOST: '127.0.0.1',
        TOKEN_STORE: 'redis',
        REDIS_URL: `redis://127.0.0.1:${await freePort()}`,
        STORE_TIMEOUT_MS: '100',
        STORE_FAILURE_POLICY: policy,
        ADMIN_API_KEYS: ADMIN,
      });
      try {
        assert.deepEqual(await readiness(service.url), expected);
        assert.equal((await fetch(`${service.url}/healthz`)).status, 200, 'alive either way');
      } finally {
        await service.stop();
      }
    });
  }
});

describe('the service does not outlive the process that started it', () => {
  it('when its parent is killed (SIGKILL: no signal passed on), the service stops by itself', async () => {
    const port = await freePort();
    // The wrapper stands for `npm start`, a shell or a supervisor script: it starts the service and then dies.
    const wrapper = spawn(
      process.execPath,
      [
        '-e',
        `const c = require('node:child_process').spawn(process.execPath, ['--import', 'tsx', 'src/main.ts'], { stdio: ['ignore', 'inherit', 'inherit'] });
         console.log(JSON.stringify({ childPid: c.pid })); setInterval(() => {}, 1000);`,
      ],
      { cwd: REPO_ROOT, env: { PATH: process.env.PATH ?? '', PORT: String(port), HOST: '127.0.0.1', ADMIN_API_KEYS: ADMIN }, stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let output = '';
    wrapper.stdout.on('data', (chunk: Buffer) => (output += chunk.toString('utf8')));
    wrapper.stderr.on('data', (chunk: Buffer) => (output += chunk.toString('utf8')));
    let childPid: number | undefined;
    try {
      await eventually(async () => output.includes('wcs-token-auth listening'), `service listening:\n${output}`, 300, 100);
      childPid = (JSON.parse(output.split('\n').find((line) => line.includes('childPid')) ?? '{}') as { childPid?: number }).childPid;
      assert.equal((await fetch(`http://127.0.0.1:${port}/healthz`)).status, 200);
      wrapper.kill('SIGKILL');
      await eventually(
        async () => fetch(`http://127.0.0.1:${port}/healthz`).then(() => false, () => true),
        'the orphaned service stopped listening',
        100,
        100,
      );
      await eventually(async () => !isRunning(childPid), 'the orphaned service process exited', 50, 100);
    } finally {
      wrapper.kill('SIGKILL');
      if (childPid !== undefined && isRunning(childPid)) process.kill(childPid, 'SIGKILL');
    }
  });

  it('npm start execs the service, so the signal npm passes on reaches node itself rather than a shell', () => {
    const manifest = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { scripts: Record<string, string> };
    assert.match(manifest.scripts.start ?? '', /&& exec node dist\/main\.js$/);
  });
});

function isRunning(pid: number | undefined): boolean {
  if (pid === undefined) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}
