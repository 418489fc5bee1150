import { setTimeout as sleep } from 'node:timers/promises'
import { indicatorSha256, urlNetworkLocation } from '#protocol/index.ts'
import { NetworkBusyError } from './errors.ts'
import { operatorSubmission } from './indicator-submission.ts'
import type { IndicatorSubmission } from './job-factory.ts'
import type { IndicatorSubmitOptions } from './job-submission.ts'
import type { Hex, IndicatorKind } from '#protocol/messages.ts'
import type { QuorumMetrics } from '../metrics/registry.ts'
import type { Signer } from 'ethers'
import type { Logger } from 'pino'

/** hosts waiting for a job at most: past this a flood of URLs on new hosts costs a counter, not memory or jobs */
export const MAX_DERIVED_QUEUED = 1024
/** how long the queue waits before trying again while no spare admission slot is free */
const BUSY_RETRY_MS = 1000

export interface DerivedIndicatorsOptions {
  chainId: number
  registry: Hex
  maxQueued?: number
  retryMs?: number
}

export interface DerivedIndicatorsComponents {
  /** signs the Submissions, as the node's operator */
  signer: Signer
  /** this node holds a record or a report of the indicator, or a job on it is open */
  known: (kind: IndicatorKind, subject: string) => Promise<boolean>
  /** the same indicator job path as any submission; called with `background: true` */
  submit: (input: IndicatorSubmission, options: IndicatorSubmitOptions) => Promise<unknown>
  logger: Logger
  metrics?: Pick<QuorumMetrics, 'derivedIndicators' | 'derivedQueued'>
  now: () => number
}

export interface DerivedIndicators {
  /** queues the domain or IP of a URL this node made a job for (canonical); returns at once */
  offer(url: string): void
  readonly queued: number
  start(): void
  stop(): Promise<void>
}

type Item = { kind: 'domain' | 'ip', subject: string, url: string }
type Outcome = 'submitted' | 'known' | 'failed' | 'busy' | 'stopped'

/** The Submission's context: which URL's host this is, by VirusTotal's URL id (its sha256 in hex). */
export const derivedContext = (url: string): string => `the host of URL ${indicatorSha256(url).slice(2)}`

/**
 * VirusTotal makes a URL's domain (and IP) objects of their own: the origin of a URL job submits
 * the URL's network location (protocol urlNetworkLocation) as an indicator of its own, signed by
 * its operator, so the domain or IP gets a quorum analysis like a submitted one. One at a time, in
 * arrival order, each only when this node does not know it yet, taking only spare admission slots
 * (a busy node keeps it queued); at most `maxQueued` wait, the rest are dropped and counted.
 */
export function createDerivedIndicators (opts: DerivedIndicatorsOptions, c: DerivedIndicatorsComponents): DerivedIndicators {
  const maxQueued = opts.maxQueued ?? MAX_DERIVED_QUEUED
  const retryMs = opts.retryMs ?? BUSY_RETRY_MS
  const { logger, metrics } = c
  /** keyed by kind and subject, so a host queued twice is one entry; insertion order is arrival order */
  const queue = new Map<string, Item>()
  let wake: (() => void) | undefined
  let controller: AbortController | undefined
  let running: Promise<void> | undefined

  const count = (result: string): void => { metrics?.derivedIndicators.inc({ result }) }
  const gauge = (): void => { metrics?.derivedQueued.set(queue.size) }

  async function attempt (item: Item, signal: AbortSignal): Promise<Outcome> {
    try {
      if (await c.known(item.kind, item.subject)) return 'known'
      const submission = await operatorSubmission({ kind: item.kind, subject: item.subject, context: derivedContext(item.url) }, c.signer, opts, c.now())
      await c.submit(submission, { signal, background: true })
      logger.info({ kind: item.kind, subject: item.subject, url: item.url }, 'URL host submitted')
      return 'submitted'
    } catch (err) {
      if (signal.aborted) return 'stopped'
      if (err instanceof NetworkBusyError) return 'busy'
      logger.warn({ err, kind: item.kind, subject: item.subject }, 'URL host not submitted')
      return 'failed'
    }
  }

  async function run (signal: AbortSignal): Promise<void> {
    while (!signal.aborted) {
      const next = queue.entries().next()
      if (next.done === true) {
        await new Promise<void>((resolve) => { wake = resolve })
        continue
      }
      const [key, item] = next.value
      const outcome = await attempt(item, signal)
      if (outcome === 'stopped') return
      if (outcome === 'busy') {
        await sleep(retryMs, undefined, { signal }).catch(() => {})
        continue
      }
      queue.delete(key)
      gauge()
      count(outcome)
    }
  }

  return {
    offer (url) {
      const location = urlNetworkLocation(url)
      if (location === undefined) return
      const key = `${location.kind}/${location.subject}`
      if (queue.has(key)) return
      if (queue.size >= maxQueued) {
        count('dropped')
        return
      }
      queue.set(key, { ...location, url })
      gauge()
      wake?.()
      wake = undefined
    },
    get queued () { return queue.size },
    start () {
      if (running !== undefined) return
      controller = new AbortController()
      const { signal } = controller
      running = run(signal).catch((err: unknown) => { logger.error({ err }, 'URL host queue stopped') })
    },
    async stop () {
      controller?.abort()
      wake?.()
      wake = undefined
      await running
      running = undefined
    }
  }
}
