// `virusmap guard` as a service: the extension asks it over loopback, so a transaction never
// leaves the machine. One process-wide guard keeps the behaviour rule's prompt history and the
// user's store (past recipients, malicious subjects the mirror adds) in memory.
import Fastify, { type FastifyBaseLogger, type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify'
import type { Startable } from '@libp2p/interface'
import { pino, type Logger } from 'pino'
import type { EthPhishingLists } from '../../intel/lists/eth-phishing-lists.ts'
import { createGuard, HARD_LIMIT_MS, type Guard, type GuardResult } from '../guard.ts'
import { GuardError } from '../guard-error.ts'
import { readObject, readString } from '../input.ts'
import { guardJson } from '../json.ts'
import { CONNECT_METHODS, SIGNATURE_METHODS, transactionRequest } from '../request.ts'
import type { GuardMirror } from '../mirror.ts'
import type { PageContext } from '../finding.ts'
import { guardIndicators } from '../guard-indicators.ts'
import type { GuardReporter } from '../reporter.ts'
import { emptyStore, saveStore, type GuardStoreData } from '../store.ts'
import { createGuardMetrics } from './guard-metrics.ts'
import { refuseNonLoopback } from './loopback.ts'
import { readPage } from './page-input.ts'
import { createScriptUploads } from './script-uploads.ts'
import { recipientsOfSent } from './sent.ts'

/** the largest request body read: a typed-data text is at most 256 K characters */
export const MAX_BODY_BYTES = 512 * 1024
/** the extension's id (Chrome derives it from the public key in extension/manifest.json), so its service worker may ask */
export const EXTENSION_ORIGIN = 'chrome-extension://lmjcimnjjmekebijiolmblmlnbleplhg'
/** the extra time the outer limit gives the guard's own hard limit before answering unverified itself */
const BACKSTOP_MS = 150

export interface GuardServiceOptions {
  /** the user's RPC; or give `guard` */
  rpc?: string
  guard?: Guard
  /** the live store the guard reads; /v1/sent adds to its past recipients */
  store?: GuardStoreData
  /** where the store is saved after a change; undefined: kept in memory */
  storeFile?: string
  phishing?: EthPhishingLists
  /** default 0: any free port */
  port?: number
  /** origins besides EXTENSION_ORIGIN that may ask (another build of the extension) */
  extensionOrigins?: Iterable<string>
  maxBodyBytes?: number
  hardLimitMs?: number
  softLimitMs?: number
  logger?: Logger
  /** the store's network mirror, whose totals /metrics shows */
  mirror?: Pick<GuardMirror, 'totals'>
  /** with the user's consent (--report-to): each block's indicators go to the network; started and stopped by the caller */
  reporter?: Pick<GuardReporter, 'report' | 'totals' | 'uploads' | 'uploadScript'>
}

export interface GuardService extends Startable {
  /** http://127.0.0.1:port once started */
  readonly url: string
  readonly store: GuardStoreData
  /** a confirmed send: its recipients become past recipients (saved when a store file is set) */
  recordSent(tx: unknown): Promise<string[]>
}

type Body = Record<string, unknown>
const send = async (reply: FastifyReply, value: unknown): Promise<FastifyReply> => await reply.type('application/json').send(guardJson(value))
const bodyOf = (request: FastifyRequest): Body => readObject(request.body, 'body')
const unverified = (reason: string): Pick<GuardResult, 'decision' | 'findings'> & { reason: string } => ({ decision: 'unverified', findings: [], reason })

function httpError (err: unknown): { status: number, body: { error: { code: string, message: string } } } {
  if (err instanceof GuardError) {
    const status = err.code === 'OVERSIZE' || err.code === 'TOO_MANY_ITEMS' ? 413 : 400
    return { status, body: { error: { code: status === 413 ? 'RequestEntityTooLargeError' : 'InvalidArgumentError', message: `${err.code}: ${err.message.slice(0, 300)}` } } }
  }
  const e = err as { statusCode?: unknown, message?: unknown }
  if (typeof e?.statusCode === 'number' && e.statusCode >= 400 && e.statusCode < 500) {
    const code = e.statusCode === 413 ? 'RequestEntityTooLargeError' : e.statusCode === 404 ? 'NotFoundError' : e.statusCode === 403 ? 'ForbiddenError' : 'BadRequestError'
    return { status: e.statusCode, body: { error: { code, message: String(e.message).slice(0, 300) } } }
  }
  return { status: 500, body: { error: { code: 'InternalError', message: 'internal error' } } }
}

export function createGuardService (options: GuardServiceOptions): GuardService {
  if (options.guard === undefined && options.rpc === undefined) throw new GuardError('BAD_TYPE', 'the guard service needs an rpc or a guard')
  const store = options.store ?? emptyStore()
  const logger = options.logger ?? pino({ level: 'warn' })
  const hardMs = options.hardLimitMs ?? HARD_LIMIT_MS
  const extensionOrigins = new Set([EXTENSION_ORIGIN, ...options.extensionOrigins ?? []])
  const ownsGuard = options.guard === undefined
  let guard: Guard | undefined = options.guard
  let app: FastifyInstance | undefined
  let port = 0
  let saving: Promise<void> = Promise.resolve()
  const metrics = createGuardMetrics(store, options.mirror, options.reporter)
  const scripts = createScriptUploads()
  /**
   * A block, reported when the user consented; the answer does not wait for it. With an uploader,
   * the answer names the reported scripts whose bodies the extension should send (/v1/scripts).
   */
  const reportBlock = <R extends Pick<GuardResult, 'decision' | 'findings'>>(result: R & Pick<GuardResult, 'simulation' | 'request' | 'chainId'>, page: PageContext): R | R & { uploadScripts: string[] } => {
    if (options.reporter === undefined || result.decision !== 'block') return result
    const indicators = guardIndicators(result, page, { allowlist: store.allowlist, ...result.chainId !== undefined ? { chainId: result.chainId } : {} })
    options.reporter.report(indicators)
    const wanted = options.reporter.uploads ? indicators.filter(i => i.kind === 'script').map(i => i.subject) : []
    if (wanted.length === 0) return result
    scripts.want(wanted, indicators[0]?.context ?? '')
    return { ...result, uploadScripts: wanted }
  }

  const judge = async (g: Guard, request: unknown, body: Body): Promise<unknown> => {
    const page = readPage(body.page)
    // the guard answers unverified at its own hard limit; this backstop covers anything that ignores the signal
    const limit = AbortSignal.timeout(hardMs + BACKSTOP_MS)
    const late = new Promise<ReturnType<typeof unverified>>((resolve) => {
      limit.addEventListener('abort', () => { resolve(unverified(`no answer within ${hardMs} ms`)) }, { once: true })
    })
    const started = performance.now()
    try {
      const result = await Promise.race([g.check(request, page, { signal: limit }), late])
      metrics.observe(result, 'simulation' in result ? result.simulation.status : 'unavailable', (performance.now() - started) / 1000)
      return 'simulation' in result ? reportBlock(result, page) : result
    } catch (err) {
      if (err instanceof GuardError) throw err
      if (limit.aborted) {
        const timedOut = unverified(`no answer within ${hardMs} ms`)
        metrics.observe(timedOut, 'unavailable', (performance.now() - started) / 1000)
        return timedOut
      }
      throw err
    }
  }

  const recordSent = async (tx: unknown): Promise<string[]> => {
    const added = recipientsOfSent(tx)
    for (const a of added) store.pastRecipients.add(a)
    const file = options.storeFile
    if (file !== undefined && added.length > 0) {
      // one write at a time, each of the whole store as it is then
      saving = saving.catch(() => {}).then(async () => { await saveStore(file, store) })
      await saving
    }
    return added
  }

  const build = (g: Guard): FastifyInstance => {
    const instance = Fastify({
      loggerInstance: logger as FastifyBaseLogger,
      bodyLimit: options.maxBodyBytes ?? MAX_BODY_BYTES,
      http: { maxHeaderSize: 16 * 1024 },
      requestTimeout: 10_000,
      // JSON's own prototype poisoning answers 400 rather than being parsed
      onProtoPoisoning: 'error',
      onConstructorPoisoning: 'error'
    })
    // JSON only: text/plain is what a page may post cross-site without a preflight
    instance.removeContentTypeParser('text/plain')
    instance.addHook('onRequest', async (request: FastifyRequest, reply: FastifyReply) => {
      const refused = refuseNonLoopback(request.headers, port, extensionOrigins)
      if (refused !== undefined) {
        request.log.warn({ host: request.headers.host?.slice(0, 100), origin: String(request.headers.origin ?? '').slice(0, 100) }, 'guard request refused')
        return await reply.code(403).type('application/json').send({ error: { code: 'ForbiddenError', message: refused } })
      }
    })
    instance.setErrorHandler(async (err, request, reply) => {
      const { status, body } = httpError(err)
      if (status === 500) request.log.error({ err }, 'guard request failed')
      return await reply.code(status).type('application/json').send(body)
    })
    instance.setNotFoundHandler(async (request, reply) => await reply.code(404).type('application/json').send({ error: { code: 'NotFoundError', message: `${request.method} ${request.url.slice(0, 100)} not found` } }))

    instance.get('/v1/health', async (_request, reply) => await send(reply, { ok: true, pastRecipients: store.pastRecipients.size, malicious: { addresses: store.malicious.addresses.size, domains: store.malicious.domains.size, scriptHashes: store.malicious.scriptHashes.size } }))
    instance.post('/v1/transaction', async (request, reply) => {
      const b = bodyOf(request)
      return await send(reply, await judge(g, transactionRequest(readObject(b.tx, 'tx')), b))
    })
    instance.post('/v1/signature', async (request, reply) => {
      const b = bodyOf(request)
      const method = readString(b.method, 'method', 64)
      if (!SIGNATURE_METHODS.has(method) || method === 'eth_sendTransaction') throw new GuardError('UNSUPPORTED_METHOD', 'not a signature method')
      return await send(reply, await judge(g, { method, params: b.params }, b))
    })
    // connect-type prompts are judged too, which records them for the behaviour rule
    instance.post('/v1/connect', async (request, reply) => {
      const b = bodyOf(request)
      const method = readString(b.method, 'method', 64)
      if (!CONNECT_METHODS.has(method)) throw new GuardError('UNSUPPORTED_METHOD', 'not a connect-type method')
      return await send(reply, await judge(g, { method }, b))
    })
    instance.post('/v1/page', async (request, reply) => {
      const page = readPage(bodyOf(request).page)
      const result = g.checkPage(page)
      metrics.observe(result, 'not-applicable', 0)
      const { simulation: _s, request: _r, ...answer } = reportBlock({ ...result, simulation: { status: 'not-applicable' }, request: { method: 'page', from: undefined, actions: [] } }, page)
      return await send(reply, answer)
    })
    // a reported page script's body, sent back by the extension as the answer asked
    instance.post('/v1/scripts', async (request, reply) => {
      const script = scripts.take(request.body)
      return await send(reply, { queued: options.reporter?.uploadScript(script) ?? false })
    })
    instance.get('/metrics', async (_request, reply) => await reply.type(metrics.registry.contentType).send(await metrics.registry.metrics()))
    instance.post('/v1/sent', async (request, reply) => await send(reply, { recorded: await recordSent(bodyOf(request).tx) }))
    return instance
  }

  return {
    store,
    recordSent,
    async start () {
      if (app !== undefined) return
      guard ??= createGuard({
        rpc: options.rpc ?? '',
        pastRecipients: store.pastRecipients,
        malicious: store.malicious,
        allowlist: store.allowlist,
        ...options.phishing !== undefined ? { phishing: options.phishing } : {},
        hardLimitMs: hardMs,
        ...options.softLimitMs !== undefined ? { softLimitMs: options.softLimitMs } : {}
      })
      const instance = build(guard)
      // loopback only, whatever the caller wants: the service judges the user's own transactions
      await instance.listen({ host: '127.0.0.1', port: options.port ?? 0 })
      const address = instance.server.address()
      port = typeof address === 'object' && address !== null ? address.port : 0
      app = instance
    },
    async stop () {
      const instance = app
      app = undefined
      await instance?.close()
      await saving.catch(() => {})
      if (ownsGuard) {
        await guard?.stop()
        guard = undefined
      }
    },
    get url () {
      if (app === undefined) throw new Error('the guard service is not started')
      return `http://127.0.0.1:${port}`
    }
  }
}
