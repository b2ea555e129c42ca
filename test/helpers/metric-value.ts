import type { Metrics } from '../../src/observability/metrics.js';

/** Current value of one counter series in the app's own registry (0 when the series does not exist yet). */
export async function counterValue(metrics: Metrics, name: string, labels: Record<string, string>): Promise<number> {
  const metric = metrics.registry.getSingleMetric(name);
  if (!metric) throw new Error(`no metric ${name}`);
  const { values } = await metric.get();
  const match = values.find((sample) => Object.entries(labels).every(([key, value]) => String(sample.labels[key]) === value));
  return match?.value ?? 0;
}
