import type { TopicName } from '#protocol/messages.ts'
import type { Startable } from '@libp2p/interface'

/** Why a message's work never ran: its topic's queue was full, or the node stopped first. */
export type GossipQueueCode = 'QUEUE_FULL' | 'STOPPED'

/** A message this node dropped before judging it: gossip answers `ignore`, blaming nobody. */
export class GossipQueueError extends Error {
  override readonly name = 'GossipQueueError'
  readonly code: GossipQueueCode

  constructor (code: GossipQueueCode, message: string) {
    super(message)
    this.code = code
  }
}

/**
 * Served first to last when several topics have messages waiting: what finishes work already under way
 * (a report's evidence, epochs, members' job messages) before what starts new work (jobs, orders).
 * SPEC section 6 ("A node processes gossip from per-topic queues").
 */
export const TOPIC_ORDER: readonly TopicName[] = [
  'evidence', 'anchors', 'rewards', 'bundles', 'attestations', 'verdicts', 'commits', 'complaints', 'market', 'jobs'
]

export const DEFAULT_MAX_QUEUED_PER_TOPIC = 2048
export const DEFAULT_MAX_QUEUED_BYTES = 64 * 2 ** 20
export const DEFAULT_TURN_BUDGET_MS = 10

export interface GossipProcessorOptions {
  /** messages that may wait per topic; a message past it is dropped */
  maxQueuedPerTopic?: number
  /** bytes of messages that may wait in all (a bundle is up to 256 KiB) */
  maxQueuedBytes?: number
  /** how long one turn of the event loop starts work before it lets I/O (pings, other streams) run */
  turnBudgetMs?: number
}

export interface GossipProcessor extends Startable {
  /**
   * Queues one message's work under its topic. Resolves or rejects as the work does, once it has run; rejects
   * with GossipQueueError when the topic's queue or the byte bound is full, or when the node stops first.
   */
  push(topic: TopicName, bytes: number, work: () => Promise<void>): Promise<void>
  /** messages waiting, in all */
  readonly queued: number
}

interface Item {
  bytes: number
  work: () => Promise<void>
  resolve: () => void
  reject: (err: unknown) => void
}

/**
 * Gossipsub hands a message over from its stream read; here it only waits in its topic's queue, and work
 * starts later, a turn of the event loop at a time, in TOPIC_ORDER (Lodestar's network processor). Under a
 * flood of new jobs, the messages of jobs in flight are judged first and I/O still runs between turns;
 * a full queue drops the newest message, which only costs this node the copy.
 */
export function createGossipProcessor (opts: GossipProcessorOptions = {}): GossipProcessor {
  const maxPerTopic = opts.maxQueuedPerTopic ?? DEFAULT_MAX_QUEUED_PER_TOPIC
  const maxBytes = opts.maxQueuedBytes ?? DEFAULT_MAX_QUEUED_BYTES
  const budgetMs = opts.turnBudgetMs ?? DEFAULT_TURN_BUDGET_MS
  const queues = new Map<TopicName, Item[]>(TOPIC_ORDER.map((topic) => [topic, []]))
  let queued = 0
  let queuedBytes = 0
  let scheduled: NodeJS.Immediate | undefined
  let running = false

  function next (): Item | undefined {
    for (const queue of queues.values()) {
      const item = queue.shift()
      if (item !== undefined) return item
    }
    return undefined
  }

  function turn (): void {
    scheduled = undefined
    const until = performance.now() + budgetMs
    let item: Item | undefined
    while (performance.now() < until && (item = next()) !== undefined) {
      queued--
      queuedBytes -= item.bytes
      item.work().then(item.resolve, item.reject)
    }
    if (queued > 0) scheduled = setImmediate(turn)
  }

  return {
    get queued () { return queued },
    start () {
      running = true
    },
    stop () {
      running = false
      if (scheduled !== undefined) clearImmediate(scheduled)
      scheduled = undefined
      for (const queue of queues.values()) {
        for (const item of queue.splice(0)) item.reject(new GossipQueueError('STOPPED', 'gossip stopped before the message was judged'))
      }
      queued = 0
      queuedBytes = 0
    },
    async push (topic, bytes, work) {
      if (!running) throw new GossipQueueError('STOPPED', 'gossip is not running')
      const queue = queues.get(topic)
      // TOPIC_ORDER names every topic (gossip-processor.test): a topic without a queue is a bug of ours
      if (queue === undefined) throw new Error(`no queue for topic ${topic}`)
      if (queue.length >= maxPerTopic || queuedBytes + bytes > maxBytes) {
        throw new GossipQueueError('QUEUE_FULL', `the ${topic} queue is full`)
      }
      const { promise, resolve, reject } = Promise.withResolvers<void>()
      queue.push({ bytes, work, resolve, reject })
      queued++
      queuedBytes += bytes
      scheduled ??= setImmediate(turn)
      await promise
    }
  }
}
