import { Counter, Histogram, Registry } from 'prom-client'
import type { FastifyInstance } from 'fastify'

export interface ApiMetrics {
  registry: Registry
}

/**
 * Request counts and latency by route pattern (never the URL, so labels stay bounded: a request
 * no route matched counts as "unmatched") and status code, and one structured log line per
 * answered request (fastify's own two lines per request are turned off in server.ts).
 */
export function instrumentApi (app: FastifyInstance): ApiMetrics {
  const registry = new Registry()
  const registers = [registry]
  const requests = new Counter({ name: 'virusmap_api_requests_total', help: 'HTTP requests answered, by route pattern, method and status', labelNames: ['route', 'method', 'status'], registers })
  const duration = new Histogram({
    name: 'virusmap_api_request_duration_seconds',
    help: 'time to answer an HTTP request, by route pattern',
    labelNames: ['route'],
    buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1, 5, 30],
    registers
  })
  const METHODS = new Set(['GET', 'POST', 'PUT', 'DELETE', 'HEAD', 'OPTIONS', 'PATCH'])
  app.addHook('onResponse', async (request, reply) => {
    const route = request.routeOptions.url ?? 'unmatched'
    const method = METHODS.has(request.method) ? request.method : 'OTHER'
    requests.inc({ route, method, status: String(reply.statusCode) })
    duration.observe({ route }, reply.elapsedTime / 1000)
    // an answered request is a debug line, a refused or failed one info: the access log of a busy
    // node's lookups cost a quarter of each one's CPU, and the metrics above count them all anyway
    const level = reply.statusCode >= 400 ? 'info' : 'debug'
    request.log[level]({ method, route, url: request.url.slice(0, 200), status: reply.statusCode, ms: Math.round(reply.elapsedTime * 100) / 100 }, 'request')
  })
  return { registry }
}
