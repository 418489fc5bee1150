import { TopicValidatorResult } from '@libp2p/gossipsub'
import { createPendingValidations } from './pending-validations.ts'
import { createGossipOutbox } from './gossip-outbox.ts'
import { createGossipProcessor, GossipQueueError } from './gossip-processor.ts'
import { bundledOutcome, bundleResult, decodeMessage, encodeMessage, GossipValidationError, jobIdOf, MESSAGE_TYPE_TOPIC } from '#protocol/index.ts'
import { JOB_MESSAGE_TOPICS, TOPICS } from '#protocol/messages.ts'
import { virusmapScoreThresholds } from './gossip-scoring.ts'
import { LogBudget } from './log-budget.ts'
import type { VirusmapLibp2p } from './libp2p-node.ts'
import type { GossipTypeMap, Hex, JobMessage, MemberBundle, TopicName } from '#protocol/messages.ts'
import type { GossipMetrics } from '../metrics/registry.ts'
import type { GossipProcessorOptions } from './gossip-processor.ts'
import type { GossipsubMessage } from '@libp2p/gossipsub'
import type { AbortOptions } from '@libp2p/interface'
import type { Logger } from 'pino'

/**
 * Validates and applies one decoded message of the topic's type (GossipTypeMap); throws
 * GossipValidationError to reject or ignore. A message is forwarded only once its handler has
 * accepted it, and accepted messages are applied exactly once (gossipsub dedups by id). A handler
 * that cannot decide yet (the job, a commitment or the chain block it needs has not reached this
 * node) may return a promise and wait for it, until `signal` aborts: relays must not drop what
 * they are merely behind on (SPEC section 6), or messages stop one hop from their publisher.
 */
export type GossipHandler<T extends TopicName = TopicName> = (msg: GossipTypeMap[T], from: string, options: AbortOptions) => void | Promise<void>

/** One handler per topic, each typed by its topic. */
export type GossipHandlers = { [T in TopicName]?: GossipHandler<T> }

export interface Gossip {
  start(): Promise<void>
  stop(): Promise<void>
  publish<T extends TopicName>(topic: T, msg: GossipTypeMap[T]): Promise<void>
  handle<T extends TopicName>(topic: T, handler: GossipHandler<T>): void
}

export interface GossipOptions {
  libp2p: VirusmapLibp2p
  /** the protocol's EIP-712 domain: a bundle's messages are held to their signatures (SPEC 6, v2.2) */
  domain: { chainId: number, registry: Hex }
  logger: Logger
  metrics?: GossipMetrics
  /** warn lines about one peer's rejected messages per minute (default 10); the rest are counted */
  warnsPerPeerPerMinute?: number
  /** messages whose validation waits, in all and per peer, and how long one may wait (pending-validations.ts) */
  pending?: { max?: number, maxPerPeer?: number, maxWaitMs?: number }
  /** the least time between two of this node's bundles when it is busy (gossip-outbox.ts) */
  bundleIntervalMs?: number
  /** the per-topic queues messages wait in before they are judged (gossip-processor.ts) */
  processor?: GossipProcessorOptions
}

/** a member's own messages on these topics go out in bundles (SPEC 6, v2.2); a peer may still send them one by one */
const BUNDLED = new Set<TopicName>(JOB_MESSAGE_TOPICS)

const TOPIC_NAMES = Object.keys(TOPICS) as TopicName[]
const TOPIC_OF = new Map<string, TopicName>(TOPIC_NAMES.map((name) => [TOPICS[name], name]))

/** The one place that maps protocol validation errors to gossipsub's verdicts. */
export function toValidatorResult (err: unknown): TopicValidatorResult {
  if (err instanceof GossipValidationError) {
    return err.action === 'reject' ? TopicValidatorResult.Reject : TopicValidatorResult.Ignore
  }
  // a bug of ours, not the peer's fault: do not penalise, do not forward
  return TopicValidatorResult.Ignore
}

export function createGossip (opts: GossipOptions): Gossip {
  const { libp2p, logger, metrics } = opts
  const pubsub = libp2p.services.pubsub
  if (metrics !== undefined) {
    const { graylistThreshold } = virusmapScoreThresholds()
    // the GossipSub interface leaves getScore out; the implementation has it (peer-score.ts)
    const scores = pubsub as unknown as { getScore?: (peerId: string) => number }
    metrics.countGraylisted = () => scores.getScore === undefined
      ? 0
      : pubsub.getPeers().filter((p) => (scores.getScore?.(p.toString()) ?? 0) < (graylistThreshold ?? 0)).length
  }
  const handlers: GossipHandlers = {}
  const warnBudget = new LogBudget({ perWindow: opts.warnsPerPeerPerMinute ?? 10, windowMs: 60_000, maxKeys: 4096 })

  const pending = createPendingValidations(opts.pending)
  if (metrics !== undefined) metrics.countPending = () => pending.size
  const processor = createGossipProcessor(opts.processor)
  if (metrics !== undefined) metrics.countQueued = () => processor.queued
  // on the implementation, not on the GossipSub interface (gossipsub.ts)
  const validated = pubsub as unknown as { reportMessageValidationResult(msgId: string, from: string, result: TopicValidatorResult): void }

  function report (topic: TopicName, from: string, err: unknown): TopicValidatorResult {
    if (err === undefined) {
      metrics?.messages.inc({ topic, result: 'accept' })
      return TopicValidatorResult.Accept
    }
    const result = toValidatorResult(err)
    if (err instanceof GossipQueueError) {
      // this node's own backlog, not the peer's doing: counted, never logged per message
      metrics?.messages.inc({ topic, result: 'dropped' })
      return result
    }
    metrics?.messages.inc({ topic, result })
    // a bundle's own result follows from its messages', each reported (and logged) on its own topic
    if (topic === 'bundles') return result
    const code = err instanceof GossipValidationError ? err.code : 'INTERNAL'
    const fields = { topic, from, code, result, err: code === 'INTERNAL' ? err : undefined }
    if (result === TopicValidatorResult.Reject || code === 'INTERNAL') {
      const { allowed, suppressed } = warnBudget.admit(from)
      if (allowed) logger.warn(suppressed > 0 ? { ...fields, suppressed } : fields, 'gossip message not accepted')
    } else {
      logger.debug(fields, 'gossip message not accepted')
    }
    return result
  }

  /**
   * gossipsub runs with asyncValidation: every message of ours arrives here, is kept unforwarded in its
   * message cache, and goes on only when we report Accept. Here it only joins its topic's queue; it is
   * judged from there (gossip-processor.ts), and its handler may take a while (it waits for what it is
   * behind on) without stalling the peer's stream or counting against the peer's IWANT promises.
   */
  function onMessage (evt: CustomEvent<GossipsubMessage>): void {
    const { msg, msgId, propagationSource } = evt.detail
    const topic = TOPIC_OF.get(msg.topic)
    if (topic === undefined) return
    const from = propagationSource.toString()
    const arrived = performance.now()
    processor.push(topic, msg.data.byteLength, async () => {
      // the wait bound holds from arrival: an accept must come while gossipsub still caches the message
      await pending.run(from, async (options) => {
        const decoded = decodeMessage(topic, msg.data)
        const handler = handlers[topic] as GossipHandler<typeof topic> | undefined
        if (handler === undefined) throw new Error(`no handler for topic ${topic}`)
        await handler(decoded, from, options)
      }, performance.now() - arrived)
    }).then(
      () => { validated.reportMessageValidationResult(msgId, from, report(topic, from, undefined)) },
      (err: unknown) => { validated.reportMessageValidationResult(msgId, from, report(topic, from, err)) }
    )
  }

  /** one message of a bundle, through its own topic's handler; its GossipValidationError is its outcome */
  async function receiveBundled (msg: JobMessage, from: string, options: AbortOptions): Promise<GossipValidationError | undefined> {
    const topic = MESSAGE_TYPE_TOPIC[msg.type]
    const handler = handlers[topic] as GossipHandler | undefined
    let outcome: GossipValidationError | undefined
    try {
      if (handler === undefined) throw new Error(`no handler for topic ${topic}`)
      await handler(msg, from, options)
    } catch (err) {
      outcome = bundledOutcome(msg, err, opts.domain.chainId, opts.domain.registry)
    }
    report(topic, from, outcome)
    return outcome
  }

  /**
   * A member's bundle: each message validated and applied as if it had come on its own topic. Messages of one
   * job go in order (a reveal after the commitment it opens); jobs go side by side, so a message waiting for
   * its job holds back no other job's.
   */
  handlers.bundles = async (bundle: MemberBundle, from: string, options: AbortOptions): Promise<void> => {
    const byJob = Map.groupBy(bundle.messages, jobIdOf)
    const outcomes: Array<GossipValidationError | undefined> = []
    await Promise.all([...byJob.values()].map(async (msgs) => {
      for (const msg of msgs) outcomes.push(await receiveBundled(msg, from, options))
    }))
    bundleResult(outcomes)
  }

  async function publishNow<T extends TopicName> (topic: T, msg: GossipTypeMap[T]): Promise<void> {
    const res = await pubsub.publish(TOPICS[topic], encodeMessage(msg))
    metrics?.published.inc({ topic })
    logger.debug({ topic, type: msg.type, recipients: res.recipients.length }, 'published')
  }

  const outbox = createGossipOutbox({
    ...(opts.bundleIntervalMs === undefined ? {} : { intervalMs: opts.bundleIntervalMs }),
    publish: async (bundle) => { await publishNow('bundles', bundle) }
  })

  return {
    handle (topic, handler) {
      // a mapped type indexed by a generic topic: TypeScript cannot see that handler fits handlers[topic]
      ;(handlers as Record<TopicName, unknown>)[topic] = handler
    },
    async start () {
      outbox.start()
      pending.start()
      processor.start()
      pubsub.addEventListener('gossipsub:message', onMessage)
      for (const topic of TOPIC_NAMES) pubsub.subscribe(TOPICS[topic])
    },
    async stop () {
      // what this node made before the stop still goes out
      await outbox.stop()
      for (const topic of TOPIC_NAMES) pubsub.unsubscribe(TOPICS[topic])
      pubsub.removeEventListener('gossipsub:message', onMessage)
      // messages still queued or waiting end as ignore: never forwarded, never blamed on their peer
      processor.stop()
      await pending.stop()
    },
    async publish (topic, msg) {
      if (BUNDLED.has(topic)) {
        await outbox.add(msg as JobMessage)
        metrics?.published.inc({ topic })
      } else {
        await publishNow(topic, msg)
      }
    }
  }
}
