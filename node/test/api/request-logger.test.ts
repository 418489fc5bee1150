import tap from 'tap'
import { pino, type Logger } from 'pino'
import Fastify, { LogController, type FastifyBaseLogger } from 'fastify'
import { RequestLogger, lazyRequestLogger } from '../../src/api/request-logger.ts'

/** a pino logger writing its lines (no timestamps) into an array */
function capture (level = 'info'): { logger: Logger, lines: () => Array<Record<string, unknown>> } {
  const out: string[] = []
  const logger = pino({ level, timestamp: false, base: undefined }, { write: (line: string) => { out.push(line) } })
  return { logger, lines: () => out.map((l) => JSON.parse(l) as Record<string, unknown>) }
}

tap.test('a request logger writes the lines its pino child would, and makes the child only to write', async (t) => {
  const lazy = capture()
  const eager = capture()
  const made: unknown[] = []
  const parent = lazy.logger
  parent.onChild = (child) => { made.push(child) }
  const logs: FastifyBaseLogger[] = [new RequestLogger(parent, { reqId: 'req-1' }, {}), eager.logger.child({ reqId: 'req-1' }, {})]
  for (const log of logs) {
    log.debug({ status: 200 }, 'request')
    log.trace('nothing')
  }
  t.equal(made.length, 0, 'no line at the level: no child')
  t.equal(logs[0]?.level, 'info', 'the level is the parent\'s')
  for (const log of logs) {
    log.info({ status: 404, route: 'unmatched' }, 'request')
    log.warn('plain %s', 'format')
    log.error({ err: new Error('boom') }, 'request failed')
    log.fatal('last')
    log.debug('still below the level')
  }
  t.equal(made.length, 1, 'the child is made once, on the first line written')
  t.strictSame(lazy.lines(), eager.lines(), 'the same lines, request id included')
  t.equal(lazy.lines()[0]?.reqId, 'req-1')
  t.equal(lazy.lines().length, 4)
})

tap.test('its level and children are the child\'s', async (t) => {
  const lazy = capture()
  const log = new RequestLogger(lazy.logger, { reqId: 'req-2' }, {})
  log.level = 'debug'
  t.equal(log.level, 'debug', 'a level set on it holds')
  t.equal(lazy.logger.level, 'info', 'and is not the parent\'s')
  log.debug('now written')
  log.child({ part: 'upload' }).info('from a child')
  t.strictSame(lazy.lines(), [{ level: 20, reqId: 'req-2', msg: 'now written' }, { level: 30, reqId: 'req-2', part: 'upload', msg: 'from a child' }])
  const quiet = new RequestLogger(lazy.logger, { reqId: 'req-3' }, {})
  lazy.logger.level = 'debug'
  quiet.debug('the parent\'s level when it writes')
  t.equal(lazy.lines().at(-1)?.msg, 'the parent\'s level when it writes')
  t.doesNotThrow(() => { quiet.silent() })
})

tap.test('fastify takes it as the request logger; a route level gets pino\'s own child', async (t) => {
  const out = capture()
  const app = Fastify({ loggerInstance: out.logger as FastifyBaseLogger, childLoggerFactory: lazyRequestLogger, logController: new LogController({ disableRequestLogging: true }) })
  t.teardown(async () => { await app.close() })
  app.get('/quiet', (request, reply) => { reply.send({ lazy: request.log instanceof RequestLogger }) })
  app.get('/loud', (request, reply) => { request.log.info({ n: 1 }, 'hello'); reply.send({}) })
  app.get('/debug', { logLevel: 'debug' }, (request, reply) => { request.log.debug('at the route\'s level'); reply.send({ lazy: request.log instanceof RequestLogger }) })
  t.strictSame((await app.inject('/quiet')).json(), { lazy: true })
  await app.inject('/loud')
  t.strictSame((await app.inject('/debug')).json(), { lazy: false }, 'a route with its own level: the default child')
  const lines = out.lines()
  t.equal(lines.length, 2)
  t.match(lines[0], { level: 30, reqId: /^req-/, n: 1, msg: 'hello' }, 'the line carries the request id')
  t.match(lines[1], { level: 20, reqId: /^req-/, msg: 'at the route\'s level' })
  t.not(lines[0]?.reqId, lines[1]?.reqId)
})
