import assert from 'node:assert/strict';
import { test } from 'node:test';
import request from 'supertest';
import { ConfigError, loadConfig } from '../../src/config.js';
import { withTestApp } from '../helpers/test-app.js';

const problemsOf = (env: Record<string, string>) => {
  try {
    loadConfig(env);
  } catch (error) {
    if (error instanceof ConfigError) return error.problems.join('\n');
    throw error;
  }
  return '';
};

test('WORKERS defaults to 1: a single process, whatever the store', () => {
  assert.equal(loadConfig({}).workers, 1);
  assert.equal(loadConfig({ TOKEN_STORE: 'memory', WORKERS: '1' }).workers, 1);
});

test('WORKERS > 1 is accepted with the Redis store', () => {
  assert.equal(loadConfig({ TOKEN_STORE: 'redis', WORKERS: '4' }).workers, 4);
});

test('WORKERS > 1 with the memory store is refused, naming WORKERS and TOKEN_STORE', () => {
  assert.match(problemsOf({ WORKERS: '2' }), /^WORKERS: 2 workers need TOKEN_STORE=redis \(TOKEN_STORE is memory/);
  assert.match(problemsOf({ WORKERS: '3', TOKEN_STORE: 'memory' }), /TOKEN_STORE=redis/);
});

test('WORKERS must be a whole number from 1 to 256', () => {
  assert.match(problemsOf({ WORKERS: '0' }), /^WORKERS: must be at least 1/);
  assert.match(problemsOf({ WORKERS: 'two' }), /^WORKERS: must be a whole number/);
  assert.match(problemsOf({ WORKERS: '257', TOKEN_STORE: 'redis' }), /^WORKERS: must be at most 256/);
});

test('a single process reports wcs_auth_workers 1 on /metrics', () =>
  withTestApp({ store: 'memory' }, async (t) => {
    const scrape = await request(t.app).get('/metrics').expect(200);
    assert.match(scrape.text, /^wcs_auth_workers 1$/m);
  }));
