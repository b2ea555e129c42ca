import type { ServiceInstance } from './service-instance.js';

/** How many token lookups (the store's authorize step) the instance's store has served, from its own metrics registry. */
export async function tokenLookups(instance: ServiceInstance): Promise<number> {
  const metric = (await instance.metrics.registry.getMetricsAsJSON()).find((m) => m.name === 'wcs_auth_store_operation_duration_seconds');
  const sample = metric?.values.find(
    (value) =>
      (value as { metricName?: string }).metricName === 'wcs_auth_store_operation_duration_seconds_count' &&
      value.labels.operation === 'authorize',
  );
  return sample?.value ?? 0;
}
