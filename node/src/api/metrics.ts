import { Registry } from 'prom-client'
import type { FastifyInstance } from 'fastify'
import { TalliedCounter, TalliedHistogram, type Series, type Tally } from './tallies.ts'

export interface ApiMetrics {
  registry: Registry
}

const METHODS = ['GET', 'POST', 'PUT', 'DELETE', 'HEAD', 'OPTIONS', 'PATCH', 'OTHER'] as const
const METHOD_INDEX = new Map<string, number>(METHODS.map((m, i) => [m, i]))
const OTHER = METHODS.length - 1

/** One route pattern's tallies: its duration series, and its request counts by method and status. */
interface RouteTallies {
  duration: Series<'route'>
  /** by status * METHODS.length + method index */
  requests: Map<number, Tally>
}

/**
 * Request counts and latency by route pattern (never the URL, so labels stay bounded: a request
 * no route matched counts as "unmatched") and status code, and one structured log line per
 * answered request (fastify's own two lines per request are turned off in server.ts). Both are
 * counted into tallies kept per route and label set (tallies.ts), which prom-client reads as
 * its own metrics: the label sets are looked up once, not hashed on every request.
 */
export function instrumentApi (app: FastifyInstance): ApiMetrics {
  const registry = new Registry()
  const registers = [registry]
  const requests = new TalliedCounter({ name: 'virusmap_api_requests_total', help: 'HTTP requests answered, by route pattern, method and status', labelNames: ['route', 'method', 'status'], registers })
  const duration = new TalliedHistogram({
    name: 'virusmap_api_request_duration_seconds',
    help: 'time to answer an HTTP request, by route pattern',
    labelNames: ['route'],
    buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1, 5, 30],
    registers
  })
  const routes = new Map<string, RouteTallies>()
  // no async work: a callback hook spares fastify a promise per request
  app.addHook('onResponse', (request, reply, done) => {
    const route = request.routeOptions.url ?? 'unmatched'
    const methodIndex = METHOD_INDEX.get(request.method) ?? OTHER
    const status = reply.statusCode
    let tallies = routes.get(route)
    if (tallies === undefined) {
      tallies = { duration: duration.series({ route }), requests: new Map() }
      routes.set(route, tallies)
    }
    const key = status * METHODS.length + methodIndex
    let count = tallies.requests.get(key)
    if (count === undefined) {
      count = requests.tally({ route, method: METHODS[methodIndex] as string, status: String(status) })
      tallies.requests.set(key, count)
    }
    count.n++
    duration.observe(tallies.duration, reply.elapsedTime / 1000)
    // an answered request is a debug line, a refused or failed one info: the access log of a busy
    // node's lookups cost a quarter of each one's CPU, and the metrics above count them all anyway
    const level = status >= 400 ? 'info' : 'debug'
    request.log[level]({ method: METHODS[methodIndex], route, url: request.url.slice(0, 200), status, ms: Math.round(reply.elapsedTime * 100) / 100 }, 'request')
    done()
  })
  return { registry }
}
