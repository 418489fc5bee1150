import { TopicValidatorResult } from '@libp2p/gossipsub'
import { decodeMessage, encodeMessage, GossipValidationError } from '#protocol/index.ts'
import { TOPICS } from '#protocol/messages.ts'
import { virusmapScoreThresholds } from './gossip-scoring.ts'
import { LogBudget } from './log-budget.ts'
import type { VirusmapLibp2p } from './libp2p-node.ts'
import type { GossipTypeMap, TopicName } from '#protocol/messages.ts'
import type { GossipMetrics } from '../metrics/registry.ts'
import type { Logger } from 'pino'

/**
 * Validates and applies one decoded message of the topic's type (GossipTypeMap); throws
 * GossipValidationError to reject or ignore. Runs inside gossipsub's topic validator, so a message is
 * forwarded only once it has been accepted here, and accepted messages are applied exactly once
 * (gossipsub dedups by id).
 */
export type GossipHandler<T extends TopicName = TopicName> = (msg: GossipTypeMap[T], from: string) => void

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
  logger: Logger
  metrics?: GossipMetrics
  /** warn lines about one peer's rejected messages per minute (default 10); the rest are counted */
  warnsPerPeerPerMinute?: number
}

const TOPIC_NAMES = Object.keys(TOPICS) as TopicName[]

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

  function validator<T extends TopicName> (topic: T) {
    return (peer: { toString(): string }, message: { data: Uint8Array }): TopicValidatorResult => {
      const from = peer.toString()
      try {
        const msg = decodeMessage(topic, message.data)
        const handler: GossipHandler<T> | undefined = handlers[topic]
        if (handler === undefined) throw new Error(`no handler for topic ${topic}`)
        handler(msg, from)
        metrics?.messages.inc({ topic, result: 'accept' })
        return TopicValidatorResult.Accept
      } catch (err) {
        const result = toValidatorResult(err)
        metrics?.messages.inc({ topic, result })
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
    }
  }

  return {
    handle (topic, handler) {
      // a mapped type indexed by a generic topic: TypeScript cannot see that handler fits handlers[topic]
      ;(handlers as Record<TopicName, unknown>)[topic] = handler
    },
    async start () {
      for (const topic of TOPIC_NAMES) {
        pubsub.topicValidators.set(TOPICS[topic], validator(topic))
        pubsub.subscribe(TOPICS[topic])
      }
    },
    async stop () {
      for (const topic of TOPIC_NAMES) {
        pubsub.unsubscribe(TOPICS[topic])
        pubsub.topicValidators.delete(TOPICS[topic])
      }
    },
    async publish (topic, msg) {
      const res = await pubsub.publish(TOPICS[topic], encodeMessage(msg))
      metrics?.published.inc({ topic })
      logger.debug({ topic, type: msg.type, recipients: res.recipients.length }, 'published')
    }
  }
}
