import { Counter, Histogram, type LabelValues, type MetricValueWithName, type Registry } from 'prom-client'

/**
 * prom-client metrics counted on a hot path by plain additions. prom-client's own inc() and
 * observe() check, sort and hash the label set on every call (about a microsecond a request for
 * the API's two request metrics); here a label set is looked up once and its tally kept, and
 * what is exported is the same as prom-client's would be for the same increments and observations.
 */

/** A label set's values in label-name order (what tells label sets apart, as prom-client's hash does). */
function labelKey<T extends string> (names: readonly T[], labels: LabelValues<T>): string {
  for (const name of Object.keys(labels)) if (!names.includes(name as T)) throw new Error(`Added label "${name}" is not included in initial labelset: ${JSON.stringify(names)}`)
  return JSON.stringify(names.map((name) => labels[name] ?? null))
}

/** One label set's count; add to `n`. */
export interface Tally { n: number }

/**
 * A labelled prom-client Counter fed from kept tallies: prom-client calls collect() before every
 * read (the exposition text, get(), getMetricsAsJSON()), which hands it what was counted since.
 */
export class TalliedCounter<T extends string> {
  readonly counter: Counter<T>
  readonly #labelNames: readonly T[]
  readonly #tallies: Array<{ labels: LabelValues<T>, tally: Tally }> = []
  readonly #byKey = new Map<string, Tally>()

  constructor (config: { name: string, help: string, labelNames: readonly T[], registers?: Registry[] }) {
    const tallies = this.#tallies
    this.#labelNames = config.labelNames
    this.counter = new Counter<T>({
      ...config,
      collect () {
        for (const { labels, tally } of tallies) {
          if (tally.n === 0) continue
          this.inc(labels, tally.n)
          tally.n = 0
        }
      }
    })
    const reset = this.counter.reset.bind(this.counter)
    this.counter.reset = () => {
      for (const { tally } of tallies) tally.n = 0
      reset()
    }
  }

  /** The tally of this label set, for the caller to keep: one per label set, checked against the label names when new. */
  tally (labels: LabelValues<T>): Tally {
    const key = labelKey(this.#labelNames, labels)
    const known = this.#byKey.get(key)
    if (known !== undefined) return known
    this.counter.labels(labels)
    const tally = { n: 0 }
    this.#tallies.push({ labels, tally })
    this.#byKey.set(key, tally)
    return tally
  }
}

/** One label set's observations. */
export interface Series<T extends string> {
  readonly labels: LabelValues<T>
  /** observations per bucket, not cumulative: [i] counts those above bucket i - 1 and at most bucket i */
  readonly buckets: number[]
  sum: number
  count: number
}

/** what prom-client's Histogram exports per value (the exemplar is null or undefined without exemplars) */
type HistogramValue<T extends string> = MetricValueWithName<T | 'le'> & { sharedLabels: LabelValues<T>, exemplar: null | undefined }

/** what prom-client's Histogram#get returns (its typings say an enum where it has the type's name) */
export interface HistogramData<V> { name: string, help: string, type: 'histogram', values: V[], aggregator: 'sum' }

/**
 * A labelled histogram exported as prom-client's Histogram exports one (the same values, names
 * and label order, for the same observations), registered in the registries it is given.
 */
export class TalliedHistogram<T extends string> {
  readonly name: string
  readonly help: string
  readonly type = 'histogram' as const
  readonly aggregator = 'sum' as const
  readonly labelNames: readonly T[]
  readonly upperBounds: readonly number[]
  readonly #series: Array<Series<T>> = []
  readonly #byKey = new Map<string, Series<T>>()

  constructor (config: { name: string, help: string, labelNames: readonly T[], buckets: readonly number[], registers?: Registry[] }) {
    // prom-client's own checks of the name, labels and buckets (a histogram registered nowhere)
    // oxlint-disable-next-line no-new
    new Histogram<T>({ name: config.name, help: config.help, labelNames: config.labelNames, buckets: [...config.buckets], registers: [] })
    this.name = config.name
    this.help = config.help
    this.labelNames = config.labelNames
    this.upperBounds = [...config.buckets].toSorted((a, b) => a - b)
    // prom-client's Registry only reads name, help, type, aggregator and get(); it types its metrics as its own classes
    for (const registry of config.registers ?? []) registry.registerMetric(this as unknown as Histogram<T>)
  }

  /** The series of this label set, for the caller to keep and pass to observe: one per label set. */
  series (labels: LabelValues<T>): Series<T> {
    const key = labelKey(this.labelNames, labels)
    const known = this.#byKey.get(key)
    if (known !== undefined) return known
    const series: Series<T> = { labels, buckets: this.upperBounds.map(() => 0), sum: 0, count: 0 }
    this.#series.push(series)
    this.#byKey.set(key, series)
    return series
  }

  observe (series: Series<T>, value: number): void {
    if (!Number.isFinite(value)) throw new TypeError(`Value is not a valid number: ${value}`)
    const bounds = this.upperBounds
    for (let i = 0; i < bounds.length; i++) {
      if (value <= (bounds[i] as number)) {
        (series.buckets[i] as number)++
        break
      }
    }
    series.sum += value
    series.count++
  }

  /** Forgets every observation; the series callers keep stay usable (an unobserved one is not exported, as after prom-client's reset). */
  reset (): void {
    for (const s of this.#series) {
      s.buckets.fill(0)
      s.sum = 0
      s.count = 0
    }
  }

  /** prom-client's Histogram#getForPromString: per series its cumulative buckets, +Inf, sum and count */
  async getForPromString (): Promise<HistogramData<HistogramValue<T>>> {
    const bucket = `${this.name}_bucket`
    const values: Array<HistogramValue<T>> = []
    for (const s of this.#series) {
      // a series made but not yet observed is not exported (prom-client makes one on its first observation)
      if (s.count === 0) continue
      let acc = 0
      for (let i = 0; i < this.upperBounds.length; i++) {
        acc += s.buckets[i] as number
        values.push({ labels: { le: this.upperBounds[i] } as LabelValues<T | 'le'>, sharedLabels: s.labels, value: acc, metricName: bucket, exemplar: null })
      }
      values.push(
        { labels: { le: '+Inf' } as LabelValues<T | 'le'>, sharedLabels: s.labels, value: s.count, metricName: bucket, exemplar: null },
        { labels: {}, sharedLabels: s.labels, value: s.sum, metricName: `${this.name}_sum`, exemplar: undefined },
        { labels: {}, sharedLabels: s.labels, value: s.count, metricName: `${this.name}_count`, exemplar: undefined }
      )
    }
    return { name: this.name, help: this.help, type: this.type, values, aggregator: this.aggregator }
  }

  /** prom-client's Histogram#get: the series' labels folded into each value's */
  async get (): Promise<HistogramData<MetricValueWithName<T | 'le'> & { exemplar: null | undefined }>> {
    const data = await this.getForPromString()
    return { ...data, values: data.values.map(({ sharedLabels, labels, ...rest }) => ({ ...rest, labels: { ...labels, ...sharedLabels } as LabelValues<T | 'le'> })) }
  }
}
