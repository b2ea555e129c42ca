import { Counter, Gauge, Histogram, type Aggregator, type Registry } from 'prom-client';

interface Options<M> {
  /** How WORKERS > 1 combines the workers' values (prom-client's default: sum). */
  aggregator?: Aggregator;
  collect?: (this: M) => void;
}

/**
 * One line per metric on the app's own registry (never prom-client's global one): name, help, label names, and for
 * histograms the buckets. Label names are typed, so a misspelt label is a compile error.
 */
export function metricsOn(registry: Registry) {
  const registers = [registry];
  return {
    counter: <L extends string = never>(name: string, help: string, labelNames: readonly L[] = [], options: Options<Counter<L>> = {}) =>
      new Counter<L>({ name, help, labelNames, registers, ...options }),
    gauge: <L extends string = never>(name: string, help: string, labelNames: readonly L[] = [], options: Options<Gauge<L>> = {}) =>
      new Gauge<L>({ name, help, labelNames, registers, ...options }),
    histogram: <L extends string = never>(name: string, help: string, labelNames: readonly L[], buckets: readonly number[]) =>
      new Histogram<L>({ name, help, labelNames, buckets: [...buckets], registers }),
  };
}
