import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ConfigError, loadConfig } from '../../src/config.js';

const SECRET = `whsec_${Buffer.alloc(32, 7).toString('base64')}`;

describe('viewer session and webhook settings', () => {
  it('reads them, with their defaults', () => {
    assert.deepEqual(loadConfig({}).sessions, { maxViewerSessions: 0, limitMode: 'refuse', sweepIntervalSeconds: 15, webhooks: undefined });
    const config = loadConfig({
      VIEWER_MAX_SESSIONS: '3',
      VIEWER_SESSION_LIMIT_MODE: 'replace',
      SESSION_SWEEP_INTERVAL_SECONDS: '5',
      WEBHOOK_URL: 'https://a.example/hook, http://b.example:8080/x',
      WEBHOOK_SECRET: SECRET,
      WEBHOOK_EVENTS: 'session.ended,token.revoked',
      WEBHOOK_TIMEOUT_MS: '1000',
      WEBHOOK_RETRY_INITIAL_MS: '250',
      WEBHOOK_RETENTION_SECONDS: '600',
    });
    assert.deepEqual(config.sessions, {
      maxViewerSessions: 3,
      limitMode: 'replace',
      sweepIntervalSeconds: 5,
      webhooks: {
        urls: ['https://a.example/hook', 'http://b.example:8080/x'],
        secret: SECRET,
        events: ['session.ended', 'token.revoked'],
        timeoutMs: 1000,
        retryInitialMs: 250,
        retentionSeconds: 600,
      },
    });
  });

  const invalid: [Record<string, string>, RegExp][] = [
    [{ VIEWER_MAX_SESSIONS: '-1' }, /VIEWER_MAX_SESSIONS/],
    [{ VIEWER_SESSION_LIMIT_MODE: 'kick' }, /VIEWER_SESSION_LIMIT_MODE: must be refuse or replace/],
    [{ SESSION_SWEEP_INTERVAL_SECONDS: '0' }, /SESSION_SWEEP_INTERVAL_SECONDS/],
    [{ WEBHOOK_URL: 'ftp://x.example' , WEBHOOK_SECRET: SECRET }, /WEBHOOK_URL/],
    [{ WEBHOOK_URL: 'https://user:pw@x.example', WEBHOOK_SECRET: SECRET }, /WEBHOOK_URL: .*without credentials/],
    [{ WEBHOOK_URL: 'https://x.example' }, /WEBHOOK_SECRET: required/],
    [{ WEBHOOK_URL: 'https://x.example', WEBHOOK_SECRET: 'plain-password' }, /WEBHOOK_SECRET: must be whsec_/],
    [{ WEBHOOK_URL: 'https://x.example', WEBHOOK_SECRET: 'whsec_c2hvcnQ=' }, /WEBHOOK_SECRET: must be whsec_/],
    [{ WEBHOOK_SECRET: SECRET }, /WEBHOOK_SECRET: set WEBHOOK_URL/],
    [{ WEBHOOK_URL: 'https://x.example', WEBHOOK_SECRET: SECRET, WEBHOOK_EVENTS: 'session.started,play' }, /WEBHOOK_EVENTS/],
  ];
  for (const [env, message] of invalid) {
    it(`refuses to start on ${JSON.stringify(env)}, naming the variable and never echoing the secret`, () => {
      assert.throws(
        () => loadConfig(env),
        (error: unknown) => error instanceof ConfigError && message.test(error.message) && !error.message.includes(env.WEBHOOK_SECRET ?? '\u0000'),
      );
    });
  }
});
