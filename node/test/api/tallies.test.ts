import tap from 'tap'
import { Counter, Histogram, Registry } from 'prom-client'
import { TalliedCounter, TalliedHistogram } from '../../src/api/tallies.ts'

const BUCKETS = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1, 5, 30]

/** prom-client's own metrics and the tallied ones, in two registries, fed the same */
function pair (): { prom: Registry, tallied: Registry, count: (labels: { route: string, method: string, status: string }, n?: number) => void, observe: (route: string, value: number) => void, counter: TalliedCounter<'route' | 'method' | 'status'>, histogram: TalliedHistogram<'route'> } {
  const prom = new Registry()
  const tallied = new Registry()
  const promCounter = new Counter({ name: 'api_requests_total', help: 'requests', labelNames: ['route', 'method', 'status'], registers: [prom] })
  const promHistogram = new Histogram({ name: 'api_duration_seconds', help: 'time', labelNames: ['route'], buckets: BUCKETS, registers: [prom] })
  const counter = new TalliedCounter({ name: 'api_requests_total', help: 'requests', labelNames: ['route', 'method', 'status'], registers: [tallied] })
  const histogram = new TalliedHistogram({ name: 'api_duration_seconds', help: 'time', labelNames: ['route'], buckets: BUCKETS, registers: [tallied] })
  return {
    prom,
    tallied,
    counter,
    histogram,
    count: (labels, n = 1) => {
      for (let i = 0; i < n; i++) promCounter.inc(labels)
      counter.tally({ ...labels }).n += n
    },
    observe: (route, value) => {
      promHistogram.observe({ route }, value)
      histogram.observe(histogram.series({ route }), value)
    }
  }
}

tap.test('tallied metrics export what prom-client exports for the same counts and observations', async (t) => {
  const m = pair()
  t.equal(await m.tallied.metrics(), await m.prom.metrics(), 'nothing counted: the same (no series)')
  m.count({ route: '/api/v3/files/:id', method: 'GET', status: '200' }, 3)
  m.count({ route: 'unmatched', method: 'GET', status: '404' })
  m.count({ route: '/api/v3/files/:id', method: 'GET', status: '304' }, 2)
  // on a bound, between bounds, below the first, above the last, and zero
  for (const v of [0.001, 0.0013, 0.0001, 31, 0, 0.25, 0.2500001, 5]) m.observe('/api/v3/files/:id', v)
  m.observe('unmatched', 0.003)
  const text = await m.tallied.metrics()
  t.equal(text, await m.prom.metrics(), 'the same exposition text')
  t.match(text, /api_requests_total\{route="\/api\/v3\/files\/:id",method="GET",status="200"\} 3/)
  t.match(text, /api_duration_seconds_bucket\{le="0\.001",route="\/api\/v3\/files\/:id"\} 3/)
  t.match(text, /api_duration_seconds_bucket\{le="\+Inf",route="\/api\/v3\/files\/:id"\} 8/)
  t.strictSame(await m.tallied.getMetricsAsJSON(), await m.prom.getMetricsAsJSON(), 'the same JSON')
  t.strictSame(await m.tallied.getSingleMetric('api_duration_seconds')?.get(), await m.prom.getSingleMetric('api_duration_seconds')?.get(), 'the same get()')

  // counted again after a read: the reads hand over only what was counted since
  m.count({ route: 'unmatched', method: 'GET', status: '404' }, 4)
  m.count({ route: '/healthz', method: 'HEAD', status: '200' })
  m.observe('/healthz', 0.0007)
  t.equal(await m.tallied.metrics(), await m.prom.metrics(), 'the same after more counts')
  t.match(await m.tallied.metrics(), /api_requests_total\{route="unmatched",method="GET",status="404"\} 5/)

  // prom-client's Registry.merge (how several registries are served together) takes them as they are
  t.equal(await Registry.merge([m.tallied]).metrics(), await Registry.merge([m.prom]).metrics(), 'the same merged')
})

tap.test('a label set has one tally and one series, and reset forgets what was counted', async (t) => {
  const m = pair()
  const a = m.counter.tally({ route: 'r', method: 'GET', status: '200' })
  t.equal(m.counter.tally({ status: '200', method: 'GET', route: 'r' }), a, 'the same label set in another key order is the same tally')
  t.equal(m.histogram.series({ route: 'r' }), m.histogram.series({ route: 'r' }), 'one series per label set')
  t.throws(() => m.counter.tally({ route: 'r', verb: 'GET' } as never), /verb/, 'an unknown label is refused when the tally is made')
  t.throws(() => m.histogram.series({ path: 'r' } as never), /path/, 'and when the series is made')
  t.throws(() => m.histogram.observe(m.histogram.series({ route: 'r' }), Number.NaN), TypeError, 'a value that is not a number is refused, as prom-client does')
  t.throws(() => new TalliedHistogram({ name: 'bad name', help: 'h', labelNames: [], buckets: [1] }), 'prom-client checks the name')
  m.count({ route: 'r', method: 'GET', status: '200' }, 2)
  m.observe('r', 0.01)
  m.prom.resetMetrics()
  m.tallied.resetMetrics()
  t.equal(await m.tallied.metrics(), await m.prom.metrics(), 'reset: the same (no series)')
  m.count({ route: 'r', method: 'GET', status: '200' })
  m.observe('r', 2)
  t.equal(await m.tallied.metrics(), await m.prom.metrics(), 'counted again after the reset')
})
