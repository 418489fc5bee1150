/**
 * Starting and stopping the node's components in order. libp2p's own `start(...)`/`stop(...)`
 * helpers (@libp2p/interface) run every component's start at once (Promise.all) and leave what did
 * start running when one fails; the node's components depend on each other's order (see
 * supernode.ts), so this starts them one after another, stops them in reverse, and on a failure
 * stops what had started before rethrowing.
 */
import type { AbortOptions, Startable } from '@libp2p/interface'
import type { Logger } from 'pino'

/**
 * A node component: libp2p's Startable, whose start may also read the AbortOptions of the node's
 * start (the sample store's crash clean-up and the registry follower's catch-up can take long).
 */
export type NodeComponent = Startable & { start(options?: AbortOptions): void | Promise<void> }

/** A component named for the logs; undefined where this deployment has none (its contract is absent). */
export type Step = readonly [name: string, component: NodeComponent | undefined]

export type LifecycleErrorCode = 'ALREADY_STARTED' | 'STOPPED'

export class LifecycleError extends Error {
  override name = 'LifecycleError'
  readonly code: LifecycleErrorCode
  constructor (code: LifecycleErrorCode, message: string) {
    super(message)
    this.code = code
  }
}

/**
 * Starts the steps in order (each one's beforeStart, then its start; every afterStart once all have
 * started, as libp2p's helper does) and returns the started ones. When a start fails or `signal`
 * aborts, the started ones are stopped in reverse and the error is rethrown.
 */
export async function startInOrder (steps: readonly Step[], logger: Logger, options: AbortOptions = {}): Promise<Step[]> {
  const started: Step[] = []
  try {
    for (const step of steps) {
      const [name, component] = step
      if (component === undefined) continue
      options.signal?.throwIfAborted()
      await component.beforeStart?.()
      await component.start(options)
      started.push(step)
      logger.debug({ component: name }, 'started')
    }
    for (const [, component] of started) await component?.afterStart?.()
  } catch (err) {
    logger.error({ err, started: started.map(([name]) => name) }, 'start failed: stopping what had started')
    await stopInReverse(started, logger)
    throw err
  }
  return started
}

/**
 * Stops started steps last first: every beforeStop while all still run, then each stop, then every
 * afterStop (libp2p's Startable contract). A call that fails is logged and the others still run.
 */
export async function stopInReverse (started: readonly Step[], logger: Logger): Promise<void> {
  const running = started.toReversed().filter((step): step is readonly [string, NodeComponent] => step[1] !== undefined)
  const attempt = async (name: string, call: () => void | Promise<void>): Promise<void> => {
    try {
      await call()
    } catch (err) {
      logger.warn({ err, component: name }, 'component failed to stop cleanly')
    }
  }
  for (const [name, component] of running) await attempt(name, () => component.beforeStop?.())
  for (const [name, component] of running) await attempt(name, () => component.stop())
  for (const [name, component] of running) await attempt(name, () => component.afterStop?.())
}

export interface OrderedLifecycle extends Startable {
  /** Starts the steps in order; when one fails (or `signal` aborts) stops what started, releases, rethrows. */
  start(options?: AbortOptions): Promise<void>
  /** Stops what started in reverse, then releases what the steps were built over. Idempotent. */
  stop(): Promise<void>
}

/**
 * The lifecycle of components built up front: started once, in order; stopped in reverse, after
 * which `release` frees what they were built over (the node's database and RPC provider). A failed
 * start leaves it stopped and released, so nothing is left open.
 */
export function orderedLifecycle (steps: readonly Step[], logger: Logger, release: () => Promise<void>): OrderedLifecycle {
  let state: 'built' | 'started' | 'stopped' = 'built'
  let started: Step[] = []
  // a stop during start aborts it and waits for its own clean-up, rather than releasing under it
  const stopping = new AbortController()
  let starting: Promise<Step[]> | undefined
  async function stop (): Promise<void> {
    if (state === 'stopped') return
    state = 'stopped'
    stopping.abort(new LifecycleError('STOPPED', 'stopped while starting'))
    await starting?.catch(() => {})
    await stopInReverse(started.splice(0), logger)
    await release()
  }
  return {
    async start (options = {}) {
      if (state !== 'built') throw new LifecycleError(state === 'started' ? 'ALREADY_STARTED' : 'STOPPED', `already ${state}: components built up front start once`)
      state = 'started'
      const signal = options.signal === undefined ? stopping.signal : AbortSignal.any([options.signal, stopping.signal])
      starting = startInOrder(steps, logger, { ...options, signal })
      try {
        started = await starting
      } catch (err) {
        await stop()
        throw err
      }
    },
    stop
  }
}
