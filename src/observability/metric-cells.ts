import { Counter, type Gauge, type Metric, type Registry } from 'prom-client';

/**
 * Series of the hot path (one decision, one store call), bound once to their label values.
 *
 * prom-client validates and hashes the labels on every `inc`/`observe`, also through a child from `labels()`
 * (measured: 0.57–0.93 µs per call, child or not; bench/README.md). A cell is bound once and then only adds to
 * numbers; the registry reads them when it is scraped. The exposition is the one prom-client gave: same names,
 * label order, values, and a series appears only once something was counted in it.
 */

type Labels<L extends string> = Readonly<Record<L, string>>;

/**
 * Cells by label values (in labelNames order), one Map per label: a lookup is a few Map.get of short strings,
 * against prom-client's validation and key string per call. Made at first use, so only seen series exist.
 */
class CellIndex<C> {
  private readonly root = new Map<string, unknown>();

  constructor(
    private readonly labelNames: readonly string[],
    private readonly bind: (labels: Record<string, string>) => C,
  ) {}

  at(values: readonly string[]): C {
    let level = this.root;
    const last = this.labelNames.length - 1;
    for (let i = 0; i < last; i++) {
      const value = values[i] ?? '';
      let next = level.get(value) as Map<string, unknown> | undefined;
      if (next === undefined) level.set(value, (next = new Map()));
      level = next;
    }
    const value = values[last] ?? '';
    let cell = level.get(value) as C | undefined;
    if (cell === undefined) {
      const labels: Record<string, string> = {};
      this.labelNames.forEach((name, i) => (labels[name] = values[i] ?? ''));
      level.set(value, (cell = this.bind(labels)));
    }
    return cell;
  }
}

export interface CounterCell {
  inc(): void;
}

export interface HistogramCell {
  observe(value: number): void;
}

/**
 * A prom-client Counter whose hot series count into cells: the counts reach the Counter when it is collected
 * (every scrape, every getMetricsAsJSON, the cluster aggregation), so what is read is always up to date.
 */
export class CellCounter<L extends string> {
  private readonly cells: { labels: Labels<L>; pending: number }[] = [];
  private readonly index: CellIndex<CounterCell>;
  readonly counter: Counter<L>;

  constructor(registry: Registry, name: string, help: string, labelNames: readonly L[]) {
    const cells = this.cells;
    this.counter = new Counter<L>({
      name,
      help,
      labelNames,
      registers: [registry],
      collect() {
        for (const cell of cells) {
          if (cell.pending === 0) continue;
          this.inc(cell.labels, cell.pending);
          cell.pending = 0;
        }
      },
    });
    // registry.resetMetrics() must also drop the counts not collected yet.
    const reset = this.counter.reset.bind(this.counter);
    this.counter.reset = () => {
      for (const cell of cells) cell.pending = 0;
      reset();
    };
    this.index = new CellIndex(labelNames, (labels) => this.cell(labels as Labels<L>));
  }

  /** The cell of these label values, in labelNames order. */
  at(...values: string[]): CounterCell {
    return this.index.at(values);
  }

  /** Bind once per label set (the labels object's key order is the exposition's label order). */
  private cell(labels: Labels<L>): CounterCell {
    const cell = { labels, pending: 0 };
    this.cells.push(cell);
    return {
      inc() {
        cell.pending += 1;
      },
    };
  }
}

/** One exported sample, in prom-client's shape (its exemplar field included: JSON consumers compare it). */
interface ExportedValue<L extends string> {
  labels: Record<string, string | number>;
  sharedLabels: Labels<L>;
  value: number;
  metricName: string;
  exemplar: null | undefined;
}

interface HistogramSeries<L extends string> {
  labels: Labels<L>;
  /** Observations per bucket (not cumulative), in the order of the upper bounds. */
  buckets: Float64Array;
  sum: number;
  count: number;
}

/**
 * A histogram that exports exactly what prom-client's Histogram exports (the registry calls the same two methods),
 * but whose series are cells bound once. Registered in the app's registry like any metric; a series without an
 * observation is not exported, as prom-client does not export one it never saw.
 */
export class CellHistogram<L extends string> {
  readonly type = 'histogram';
  readonly aggregator = 'sum';
  private readonly series: HistogramSeries<L>[] = [];
  private readonly index: CellIndex<HistogramCell>;

  constructor(
    registry: Registry,
    readonly name: string,
    readonly help: string,
    readonly labelNames: readonly L[],
    private readonly upperBounds: readonly number[],
  ) {
    // prom-client's Registry reads a metric only through its name, get(), getForPromString() and reset() (and
    // the cluster aggregation through get()); the type asks for one of its own classes, hence the cast.
    // test/observability/metric-cells.test.ts pins the text and the JSON against prom-client's Histogram.
    registry.registerMetric(this as unknown as Metric);
    this.index = new CellIndex(labelNames, (labels) => this.cell(labels as Labels<L>));
  }

  /** The cell of these label values, in labelNames order. */
  at(...values: string[]): HistogramCell {
    return this.index.at(values);
  }

  /** Bind once per label set (the labels object's key order is the exposition's label order). */
  private cell(labels: Labels<L>): HistogramCell {
    const series: HistogramSeries<L> = { labels, buckets: new Float64Array(this.upperBounds.length), sum: 0, count: 0 };
    this.series.push(series);
    const bounds = this.upperBounds;
    return {
      observe(value: number) {
        // prom-client throws here; a duration cannot be NaN, and a metric must never fail the request it measures.
        if (!Number.isFinite(value)) return;
        series.sum += value;
        series.count += 1;
        for (let i = 0; i < bounds.length; i++) {
          if (value <= (bounds[i] as number)) {
            series.buckets[i] = (series.buckets[i] ?? 0) + 1;
            return;
          }
        }
      },
    };
  }

  reset(): void {
    for (const series of this.series) {
      series.buckets.fill(0);
      series.sum = 0;
      series.count = 0;
    }
  }

  /** As prom-client's Histogram#getForPromString: bucket labels `le` first, the series' labels shared. */
  getForPromString() {
    const values: ExportedValue<L>[] = [];
    for (const series of this.series) {
      if (series.count === 0) continue;
      let cumulative = 0;
      for (let i = 0; i < this.upperBounds.length; i++) {
        cumulative += series.buckets[i] ?? 0;
        values.push({ labels: { le: this.upperBounds[i] as number }, sharedLabels: series.labels, value: cumulative, metricName: `${this.name}_bucket`, exemplar: null });
      }
      values.push({ labels: { le: '+Inf' }, sharedLabels: series.labels, value: series.count, metricName: `${this.name}_bucket`, exemplar: null });
      values.push({ labels: {}, sharedLabels: series.labels, value: series.sum, metricName: `${this.name}_sum`, exemplar: undefined });
      values.push({ labels: {}, sharedLabels: series.labels, value: series.count, metricName: `${this.name}_count`, exemplar: undefined });
    }
    return { name: this.name, help: this.help, type: this.type, values, aggregator: this.aggregator };
  }

  /** As prom-client's Histogram#get (getMetricsAsJSON, the cluster aggregation): the shared labels merged in. */
  get() {
    const exported = this.getForPromString();
    return Promise.resolve({
      ...exported,
      values: exported.values.map(({ labels, sharedLabels, value, metricName, exemplar }) => ({
        value,
        metricName,
        exemplar,
        labels: { ...labels, ...sharedLabels } as Record<string, string | number>,
      })),
    });
  }
}

/**
 * A gauge that is written far more often than it changes (`wcs_auth_store_up` is set to 1 after every store
 * answer): a write of the value the series already holds is skipped. Every writer of the gauge must go through
 * here, or a skipped write could leave another writer's value standing. `registry.resetMetrics()` (unused by the
 * service) would need the remembered values cleared too.
 */
export class LatchedGauge<L extends string> {
  private readonly last = new Map<string, number>();

  constructor(
    readonly gauge: Gauge<L>,
    private readonly keyLabel: L,
  ) {}

  set(labels: Labels<L>, value: number): void {
    const key = labels[this.keyLabel];
    if (this.last.get(key) === value) return;
    this.last.set(key, value);
    this.gauge.set(labels, value);
  }

  get() {
    return this.gauge.get();
  }
}
