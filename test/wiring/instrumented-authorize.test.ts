import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { createMetrics, type Metrics } from '../../src/observability/metrics.js';
import type { PolicyCheck, PolicyOutcome, TokenStore } from '../../src/tokens/token-store.js';
import type { AccessRequest } from '../../src/tokens/token-verifier.js';
import { instrumentTokenStore } from '../../src/wiring/instrumented-token-store.js';

/** A store whose authorize answers as told (a Redis-like store: no authorizeNow). */
function storeAnswering(authorize: () => Promise<PolicyOutcome | undefined>): TokenStore {
  return { kind: 'redis', authorize } as unknown as TokenStore;
}

async function sampleOf(metrics: Metrics, name: string, labels: Record<string, string>): Promise<number> {
  const metric = (await metrics.registry.getMetricsAsJSON()).find((m) => m.name === name);
  const found = metric?.values.find(
    (value) =>
      ((value as { metricName?: string }).metricName ?? name) === (name.endsWith('_seconds') ? `${name}_count` : name) &&
      Object.entries(labels).every(([key, wanted]) => value.labels[key] === wanted),
  );
  return found?.value ?? 0;
}

const timings = (metrics: Metrics) => sampleOf(metrics, 'wcs_auth_store_operation_duration_seconds', { store: 'redis', operation: 'authorize' });
const errors = (metrics: Metrics, kind: string) => sampleOf(metrics, 'wcs_auth_store_errors_total', { store: 'redis', operation: 'authorize', kind });
const call = (store: TokenStore) => store.authorize('hash', {} as AccessRequest, {} as PolicyCheck);

describe('instrumented authorize on an asynchronous store', () => {
  test('an answer: the same value, one duration sample, the answer signalled, no error', async () => {
    const metrics = createMetrics();
    let answers = 0;
    metrics.storeAnswers.subscribe(() => (answers += 1));
    const outcome = { record: null, reason: 'unknown_token' } as unknown as PolicyOutcome;
    const store = instrumentTokenStore(storeAnswering(() => Promise.resolve(outcome)), metrics);
    assert.equal(await call(store), outcome);
    assert.equal(await timings(metrics), 1);
    assert.equal(answers, 1);
    assert.equal(await errors(metrics, 'other'), 0);
  });

  test('a rejection: the same error, counted by kind and timed, no answer signalled', async () => {
    const metrics = createMetrics();
    let answers = 0;
    metrics.storeAnswers.subscribe(() => (answers += 1));
    const refused = Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' });
    const store = instrumentTokenStore(storeAnswering(() => Promise.reject(refused)), metrics);
    await assert.rejects(call(store), (error) => error === refused);
    assert.equal(await errors(metrics, 'connection'), 1);
    assert.equal(await timings(metrics), 1);
    assert.equal(answers, 0);
  });

  test('a synchronous throw becomes a rejection, counted and timed', async () => {
    const metrics = createMetrics();
    const broken = new Error('bad state');
    const store = instrumentTokenStore(
      storeAnswering(() => {
        throw broken;
      }),
      metrics,
    );
    let answer: Promise<unknown> | undefined;
    assert.doesNotThrow(() => (answer = call(store)));
    await assert.rejects(answer as Promise<unknown>, (error) => error === broken);
    assert.equal(await errors(metrics, 'other'), 1);
    assert.equal(await timings(metrics), 1);
  });
});
