import type { FastifyBaseLogger } from 'fastify'
import type { Bindings, ChildLoggerOptions, Logger } from 'pino'

type Level = 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace'
type LogArgs = Parameters<FastifyBaseLogger['info']>

/**
 * A request's logger (request.log, reply.log) that makes its pino child, with the request id in
 * its bindings, only when it first writes a line or is asked for more than a line. Every request
 * used to pay for a child and its serialized bindings; most (an answered lookup logs at debug,
 * below the node's usual level) never write. A line it writes is the child's, so it is the same
 * line, request id included.
 */
export class RequestLogger implements FastifyBaseLogger {
  readonly #parent: Logger
  readonly #bindings: Bindings
  readonly #options: ChildLoggerOptions
  #child: FastifyBaseLogger | undefined

  constructor (parent: Logger, bindings: Bindings, options: ChildLoggerOptions) {
    this.#parent = parent
    this.#bindings = bindings
    this.#options = options
  }

  /** the pino child fastify's default factory would have made */
  get logger (): FastifyBaseLogger {
    this.#child ??= this.#parent.child(this.#bindings, this.#options) as FastifyBaseLogger
    return this.#child
  }

  #write (level: Level, args: LogArgs): void {
    const child = this.#child
    if (child !== undefined) child[level](...args)
    // a child takes its parent's level when it is made (no level among fastify's options for it)
    else if (this.#parent.isLevelEnabled(level)) this.logger[level](...args)
  }

  get level (): string { return this.#child?.level ?? this.#options.level ?? this.#parent.level }
  set level (level: string) { this.logger.level = level }

  fatal (...args: LogArgs): void { this.#write('fatal', args) }
  error (...args: LogArgs): void { this.#write('error', args) }
  warn (...args: LogArgs): void { this.#write('warn', args) }
  info (...args: LogArgs): void { this.#write('info', args) }
  debug (...args: LogArgs): void { this.#write('debug', args) }
  trace (...args: LogArgs): void { this.#write('trace', args) }
  silent (): void {}

  child (bindings: Bindings, options?: ChildLoggerOptions): FastifyBaseLogger {
    return this.logger.child(bindings, options)
  }
}

/**
 * fastify's childLoggerFactory: a RequestLogger where fastify's own would make the child at once.
 * A route's own log level or serializers (none here set one) take the default's child.
 */
export function lazyRequestLogger (logger: FastifyBaseLogger, bindings: Bindings, options: ChildLoggerOptions): FastifyBaseLogger {
  if (options.level !== undefined || options.serializers !== undefined) return logger.child(bindings, options)
  return new RequestLogger(logger as unknown as Logger, bindings, options)
}
