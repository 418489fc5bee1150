import Fastify, { LogController, type FastifyBaseLogger, type FastifyInstance, type FastifyReply } from 'fastify'
import multipart from '@fastify/multipart'
import type { Logger } from 'pino'
import type { ApiPorts } from './ports/index.ts'
import { toVtError } from './errors.ts'
import { ApiError } from '../vt/errors.ts'
import { registerFileRoutes } from './routes/files.ts'
import { registerAnalysisRoutes } from './routes/analyses.ts'
import { registerStatusRoutes } from './routes/status.ts'
import { registerVirusmapRoutes } from './routes/virusmap.ts'
import { registerAnchorRoutes } from './routes/anchors.ts'
import { registerRewardsRoutes } from './routes/rewards.ts'
import { registerMarketRoutes } from './routes/market.ts'
import { registerHuntRoutes } from './routes/hunt.ts'
import { registerBlockRoutes } from './routes/blocks.ts'
import { registerVoteRoutes } from './routes/votes.ts'
import { registerWebRoutes } from './routes/web.ts'
import { registerDocsRoutes } from './routes/docs.ts'
import { registerGovernanceRoutes } from './routes/governance.ts'
import { registerUrlRoutes } from './routes/urls.ts'
import { registerDomainRoutes } from './routes/domains.ts'
import { registerRelationRoutes } from './routes/relations.ts'
import { registerIndicatorRoutes } from './routes/indicators.ts'
import { registerMaliciousRoutes } from './routes/malicious.ts'
import { instrumentApi } from './metrics.ts'
import { lazyRequestLogger } from './request-logger.ts'
import { createApiKeyGuard, requireApiKeys } from './api-keys.ts'
import { cutIdleBodies } from './body-idle-timeout.ts'
import { closeQuietConnections } from './close-quiet-connections.ts'
import { settleUnreadBody } from './unread-body.ts'
import { API_LIMIT_DEFAULTS, limitMinimum, type ApiLimits } from './limits.ts'
import { createUploadSlots } from './upload-slots.ts'
import { createObjectCache, OBJECT_CACHE_DEFAULTS, type ObjectCacheBounds } from './object-cache.ts'

export interface ApiServerOptions {
  ports: ApiPorts
  logger: Logger
  /** largest accepted upload, in bytes (the file part itself) */
  maxUploadBytes: number
  /** default 127.0.0.1 */
  host?: string
  /** default 0: any free port (read `url` after start) */
  port?: number
  /** concurrency caps and timeouts; API_LIMIT_DEFAULTS for any left out */
  limits?: Partial<ApiLimits>
  /** bounds of the serialized objects kept (OBJECT_CACHE_DEFAULTS for any left out) */
  objectCache?: Partial<ObjectCacheBounds>
}

export interface ApiServer {
  start(): Promise<void>
  stop(): Promise<void>
  /** http://host:port, once started */
  readonly url: string
}

/** Request headers above this size get 431 from Node's parser before any handler runs. */
const MAX_HEADER_BYTES = 16 * 1024
/** Node's default for the headers; never above the whole request's timeout */
const HEADERS_TIMEOUT_MS = 60_000

/** The fastify app the server listens with; exported so tests can speak to it without sockets (inject). */
export function buildApp (options: ApiServerOptions): FastifyInstance {
  const limits: ApiLimits = { ...API_LIMIT_DEFAULTS, ...options.limits }
  const app = Fastify({
    // pino's Logger is a FastifyBaseLogger; the cast only drops pino's custom-level generics
    loggerInstance: options.logger as FastifyBaseLogger,
    // JSON bodies are never needed beyond small ones; uploads are multipart and bounded separately
    bodyLimit: 64 * 1024,
    // a URL id is the URL in base64url: up to 2048 bytes of URL, about 2732 characters
    routerOptions: { maxParamLength: 4096 },
    return503OnClosing: true,
    // one line per request instead, from the metrics hook (metrics.ts)
    logController: new LogController({ disableRequestLogging: true }),
    // a request's child logger (its request id bound) is made when it first writes (request-logger.ts)
    childLoggerFactory: lazyRequestLogger,
    http: { maxHeaderSize: MAX_HEADER_BYTES, headersTimeout: Math.min(HEADERS_TIMEOUT_MS, limits.requestTimeoutMs) },
    requestTimeout: limits.requestTimeoutMs,
    connectionTimeout: limits.connectionTimeoutMs,
    keepAliveTimeout: limits.keepAliveTimeoutMs,
    // errors the router raises before any route (bad URL encoding, over-long ids) bypass the error handler
    frameworkErrors: (err, request, reply) => {
      const { statusCode, body } = toVtError(err)
      request.log.debug({ code: body.error.code, statusCode }, 'request rejected by the router')
      // the generic reply type of this hook is not the plain one; the answer is the same
      const plain = reply as unknown as FastifyReply
      return plain.code(statusCode).type('application/json').send(body)
    }
  })

  app.register(multipart, {
    limits: { fileSize: options.maxUploadBytes, files: 1, fields: 8, fieldSize: 8 * 1024, parts: 16, headerPairs: 32 },
    throwFileSizeLimit: true
  })

  app.setErrorHandler(async (err, request, reply) => {
    const { statusCode, body, internal } = toVtError(err)
    if (internal) request.log.error({ err }, 'request failed')
    else request.log.debug({ code: body.error.code, statusCode }, 'request rejected')
    await settleUnreadBody(request, reply)
    return await reply.code(statusCode).type('application/json').send(body)
  })
  app.setNotFoundHandler((request, reply) => {
    const body = { error: { code: 'NotFoundError', message: `${request.method} ${request.url.slice(0, 200)} not found` } }
    return reply.code(404).type('application/json').send(body)
  })

  const metrics = instrumentApi(app)
  cutIdleBodies(app, limits.bodyIdleTimeoutMs, metrics.registry)
  closeQuietConnections(app)
  const uploads = createUploadSlots({
    perKey: limits.maxUploadsPerKey,
    perNode: limits.maxUploadsPerNode,
    waitMs: limits.uploadWaitMs,
    maxWaiting: limits.maxUploadsWaiting,
    maxWaitingPerKey: limits.maxUploadsWaitingPerKey
  }, metrics.registry)
  const objects = createObjectCache({ ...OBJECT_CACHE_DEFAULTS, ...options.objectCache }, metrics.registry)
  registerStatusRoutes(app, options.ports.status, metrics.registry)
  registerWebRoutes(app)
  registerDocsRoutes(app)
  const { keys } = options.ports
  const guard = keys === undefined
    ? undefined
    : createApiKeyGuard(keys, { onError: (err) => { app.log.warn({ err }, 'saving API key usage failed') } })
  if (guard !== undefined) app.addHook('onClose', async () => { await guard.close() })
  // health, metrics, the OpenAPI document, the docs and the web page's assets need no key;
  // everything under /api/v3 and /api/virusmap does when the node has a key store
  app.register(async (scope) => {
    if (guard !== undefined) requireApiKeys(scope, guard)
    registerFileRoutes(scope, options.ports, uploads, objects)
    registerAnalysisRoutes(scope, options.ports, objects)
    registerVirusmapRoutes(scope, options.ports.network, options.ports.evidence)
    registerAnchorRoutes(scope, options.ports.anchors)
    registerRewardsRoutes(scope, options.ports.rewards)
    registerMarketRoutes(scope, options.ports.market)
    registerHuntRoutes(scope, options.ports.hunt)
    registerBlockRoutes(scope, options.ports.blocks)
    registerGovernanceRoutes(scope, options.ports.governance)
    registerUrlRoutes(scope, options.ports, objects)
    registerDomainRoutes(scope, options.ports, objects)
    registerRelationRoutes(scope, options.ports)
    registerIndicatorRoutes(scope, options.ports, objects)
    registerMaliciousRoutes(scope, options.ports.malicious)
    if (options.ports.votes !== undefined) registerVoteRoutes(scope, options.ports, options.ports.votes)
  })
  return app
}

export function createApiServer (options: ApiServerOptions): ApiServer {
  if (!Number.isSafeInteger(options.maxUploadBytes) || options.maxUploadBytes <= 0) {
    throw new ApiError('InvalidArgumentError', 'maxUploadBytes must be a positive integer')
  }
  for (const [name, value] of Object.entries({ ...options.limits, ...options.objectCache })) {
    const least = limitMinimum(name)
    if (!Number.isSafeInteger(value) || value < least) throw new ApiError('InvalidArgumentError', `${name} must be an integer of at least ${least}`)
  }
  const host = options.host ?? '127.0.0.1'
  let app: FastifyInstance | undefined
  let url: string | undefined

  return {
    async start () {
      if (app !== undefined) return
      const instance = buildApp(options)
      await instance.listen({ host, port: options.port ?? 0 })
      const address = instance.server.address()
      const port = typeof address === 'object' && address !== null ? address.port : options.port
      app = instance
      url = `http://${host.includes(':') ? `[${host}]` : host}:${port}`
    },
    async stop () {
      const instance = app
      app = undefined
      url = undefined
      await instance?.close()
    },
    get url () {
      if (url === undefined) throw new Error('the API server is not started')
      return url
    }
  }
}
