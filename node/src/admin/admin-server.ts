import { timingSafeEqual } from 'node:crypto'
import Fastify, { LogController, type FastifyBaseLogger, type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify'
import type { Logger } from 'pino'
import { ApiError, vtErrorOf } from '../vt/errors.ts'
import { ApiKeyError, type ApiKeyRecord } from '../db/apikey-repository.ts'
import { newAdminToken, removeAdminCookie, writeAdminCookie } from './admin-cookie.ts'

/** What the operator may change while the node runs: its API keys (the node's own repository). */
export interface ApiKeyAdmin {
  create(options: { name: string, perMinute: number, perDay: number, privileges: readonly string[] }): Promise<{ key: string, record: ApiKeyRecord }>
  list(): AsyncIterable<ApiKeyRecord>
  revoke(id: string): Promise<ApiKeyRecord>
}

export interface AdminServerOptions {
  keys: ApiKeyAdmin
  /** the cookie (URL and token) is written here at start and removed at stop */
  dataDir: string
  logger: Logger
}

export interface AdminServer {
  start(): Promise<void>
  stop(): Promise<void>
  /** http://127.0.0.1:PORT once started */
  readonly url: string
}

/** The endpoint listens on loopback only; the address check below holds even if that changes. */
const HOST = '127.0.0.1'
const ID = /^[0-9a-f]{16}$/
const MAX_KEYS_LISTED = 10_000

export function isLoopback (address: string | undefined): boolean {
  if (address === undefined) return false
  return address === '::1' || /^(::ffff:)?127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(address)
}

function sameToken (given: string, token: Buffer): boolean {
  const bytes = Buffer.from(given)
  return bytes.length === token.length && timingSafeEqual(bytes, token)
}

function checkAccess (request: FastifyRequest, token: Buffer): void {
  if (!isLoopback(request.socket.remoteAddress)) throw new ApiError('ForbiddenError', 'the admin endpoint answers loopback connections only')
  const header = request.headers.authorization
  if (header === undefined || header === '') throw new ApiError('AuthenticationRequiredError', 'send the token from DATA/admin.cookie as "authorization: Bearer TOKEN"')
  if (typeof header !== 'string' || !header.startsWith('Bearer ') || !sameToken(header.slice('Bearer '.length), token)) {
    throw new ApiError('WrongCredentialsError', 'wrong admin token')
  }
}

function keyError (err: unknown): unknown {
  if (!(err instanceof ApiKeyError)) return err
  return new ApiError(err.code === 'UNKNOWN_KEY' ? 'NotFoundError' : 'InvalidArgumentError', err.message)
}

function integer (value: unknown, name: string): number {
  if (typeof value !== 'number' || !Number.isSafeInteger(value)) throw new ApiError('InvalidArgumentError', `${name} must be an integer`)
  return value
}

function parseCreate (body: unknown): Parameters<ApiKeyAdmin['create']>[0] {
  if (body === null || typeof body !== 'object' || Array.isArray(body)) throw new ApiError('BadRequestError', 'expected a JSON object {name, perMinute, perDay, privileges}')
  const b = body as Record<string, unknown>
  for (const k of Object.keys(b)) {
    if (!['name', 'perMinute', 'perDay', 'privileges'].includes(k)) throw new ApiError('InvalidArgumentError', `unknown field "${k.slice(0, 40)}"`)
  }
  if (typeof b.name !== 'string' || b.name.length > 100) throw new ApiError('InvalidArgumentError', 'name must be a string of at most 100 characters')
  if (!Array.isArray(b.privileges) || !b.privileges.every((p) => typeof p === 'string')) throw new ApiError('InvalidArgumentError', 'privileges must be a list of names')
  return { name: b.name, perMinute: integer(b.perMinute, 'perMinute'), perDay: integer(b.perDay, 'perDay'), privileges: b.privileges as string[] }
}

/** The admin endpoint's routes; exported so tests can speak to it from any address (inject). */
export function buildAdminApp (options: { keys: ApiKeyAdmin, token: string, logger: Logger }): FastifyInstance {
  const token = Buffer.from(options.token)
  const app = Fastify({
    loggerInstance: options.logger as FastifyBaseLogger,
    bodyLimit: 16 * 1024,
    logController: new LogController({ disableRequestLogging: true }),
    http: { maxHeaderSize: 8 * 1024 },
    frameworkErrors: (err, _request, reply) => {
      const { statusCode, body } = vtErrorOf(err)
      return (reply as unknown as FastifyReply).code(statusCode).type('application/json').send(body)
    }
  })
  app.setErrorHandler((err, request, reply) => {
    const { statusCode, body, internal } = vtErrorOf(keyError(err))
    if (internal) request.log.error({ err }, 'admin request failed')
    return reply.code(statusCode).type('application/json').send(body)
  })
  // the onRequest check runs before this too: without the token, even the route map stays private
  app.setNotFoundHandler((request, reply) => {
    return reply.code(404).type('application/json').send({ error: { code: 'NotFoundError', message: `${request.method} ${request.url.slice(0, 200)} not found` } })
  })
  app.addHook('onRequest', async (request) => { checkAccess(request, token) })

  app.get('/admin/apikeys', async () => {
    const records: ApiKeyRecord[] = []
    for await (const r of options.keys.list()) {
      records.push(r)
      if (records.length >= MAX_KEYS_LISTED) break
    }
    return { data: records }
  })
  app.route({
    method: 'POST',
    url: '/admin/apikeys',
    handler: async (request) => {
      const { key, record } = await options.keys.create(parseCreate(request.body))
      request.log.info({ audit: 'apikey-create', keyId: record.id, privileges: record.privileges }, 'API key created')
      return { data: { key, ...record } }
    }
  })
  app.route<{ Params: { id: string } }>({
    method: 'DELETE',
    url: '/admin/apikeys/:id',
    handler: async (request) => {
      if (!ID.test(request.params.id)) throw new ApiError('InvalidArgumentError', 'a key id is 16 lowercase hex digits')
      const record = await options.keys.revoke(request.params.id)
      request.log.info({ audit: 'apikey-revoke', keyId: record.id }, 'API key revoked')
      return { data: record }
    }
  })
  return app
}

/**
 * The operator-only endpoint of a running supernode (bitcoind's cookie auth): loopback only, a new
 * random token per start in DATA/admin.cookie (0600), removed at stop. `virusmap apikey` uses it,
 * since the running node holds its database's lock.
 */
export function createAdminServer (options: AdminServerOptions): AdminServer {
  let app: FastifyInstance | undefined
  let url: string | undefined
  return {
    async start () {
      if (app !== undefined) return
      const token = newAdminToken()
      const instance = buildAdminApp({ keys: options.keys, token, logger: options.logger })
      await instance.listen({ host: HOST, port: 0 })
      const address = instance.server.address()
      const port = typeof address === 'object' && address !== null ? address.port : 0
      try {
        await writeAdminCookie(options.dataDir, { url: `http://${HOST}:${port}`, token })
      } catch (err) {
        await instance.close()
        throw err
      }
      app = instance
      url = `http://${HOST}:${port}`
    },
    async stop () {
      const instance = app
      app = undefined
      url = undefined
      if (instance === undefined) return
      await removeAdminCookie(options.dataDir)
      await instance.close()
    },
    get url () {
      if (url === undefined) throw new Error('the admin server is not started')
      return url
    }
  }
}
