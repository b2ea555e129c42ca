import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Counter, Gauge, Histogram, Registry } from 'prom-client';
import { CellCounter, CellHistogram, LatchedGauge } from '../../src/observability/metric-cells.js';

const BUCKETS = [0.0001, 0.001, 0.01, 0.1, 1];
/** Values on, between, below and above the bounds, in two label sets, one of them seen first. */
const SAMPLES: [string, string, number][] = [
  ['playHLS', 'allow', 0.0001],
  ['playHLS', 'allow', 0.00005],
  ['nginx', 'deny', 2.5],
  ['playHLS', 'allow', 0.3],
  ['nginx', 'deny', 0.001],
  ['playHLS', 'allow', 0.0123456789],
];

/** The same observations through prom-client and through cells, each in its own registry. */
function bothWays() {
  const plain = new Registry();
  const cells = new Registry();
  const counter = new Counter({ name: 'x_total', help: 'h', labelNames: ['method', 'result'] as const, registers: [plain] });
  const histogram = new Histogram({ name: 'x_seconds', help: 'h', labelNames: ['method', 'result'] as const, buckets: BUCKETS, registers: [plain] });
  const cellCounter = new CellCounter(cells, 'x_total', 'h', ['method', 'result']);
  const cellHistogram = new CellHistogram(cells, 'x_seconds', 'h', ['method', 'result'], BUCKETS);
  // Bound but never used: must not appear, as prom-client shows no series it never saw.
  cellHistogram.at('unused', 'allow');
  cellCounter.at('unused', 'allow');
  for (const [method, result, value] of SAMPLES) {
    counter.inc({ method, result });
    histogram.observe({ method, result }, value);
    cellCounter.at(method, result).inc();
    cellHistogram.at(method, result).observe(value);
  }
  return { plain, cells };
}

describe('metric cells export exactly what prom-client exports for the same observations', () => {
  it('the /metrics text is identical, byte for byte', async () => {
    const { plain, cells } = bothWays();
    const text = await cells.metrics();
    assert.equal(text, await plain.metrics());
    assert.match(text, /^x_seconds_bucket\{le="0\.0001",method="playHLS",result="allow"\} 2$/m);
    assert.ok(!text.includes('unused'));
  });

  it('the JSON (getMetricsAsJSON, what WORKERS > 1 aggregates) is identical', async () => {
    const { plain, cells } = bothWays();
    assert.deepEqual(await cells.getMetricsAsJSON(), await plain.getMetricsAsJSON());
  });

  it('a read does not count twice, and a reset empties both', async () => {
    const { cells } = bothWays();
    await cells.metrics();
    const counter = cells.getSingleMetric('x_total');
    assert.ok(counter);
    const nginx = async () => (await counter.get()).values.find((v) => v.labels.method === 'nginx')?.value;
    assert.equal(await nginx(), 2);
    assert.equal(await nginx(), 2, 'a second read does not count again');
    cells.resetMetrics();
    assert.equal((await cells.metrics()).match(/^x_/gm), null);
  });
});

describe('LatchedGauge', () => {
  it('always shows the last value written, whoever wrote it, per label value', async () => {
    const registry = new Registry();
    const up = new LatchedGauge(new Gauge({ name: 'up', help: 'h', labelNames: ['store'] as const, registers: [registry] }), 'store');
    const value = async (store: string) => (await up.get()).values.find((v) => v.labels.store === store)?.value;
    assert.equal(await value('redis'), undefined, 'no series before a write');
    for (const [store, v] of [['redis', 1], ['redis', 1], ['memory', 0], ['redis', 0], ['redis', 0], ['memory', 1], ['redis', 1]] as const) {
      up.set({ store }, v);
      assert.equal(await value(store), v);
    }
    assert.equal(await value('memory'), 1);
  });
});
