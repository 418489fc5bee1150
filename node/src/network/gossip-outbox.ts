import { encodeMessage, packBundles } from '#protocol/index.ts'
import type { JobMessage, MemberBundle } from '#protocol/messages.ts'
import { NotStartedError } from '@libp2p/interface'
import type { Startable } from '@libp2p/interface'

/** the least time between two bundles of this node, when it has messages waiting */
export const DEFAULT_BUNDLE_INTERVAL_MS = 50

export interface GossipOutboxOptions {
  /** the least time between two flushes (default DEFAULT_BUNDLE_INTERVAL_MS); 0 bundles only what one turn of the event loop made */
  intervalMs?: number
  publish(bundle: MemberBundle): Promise<void>
  now?: () => number
}

export interface GossipOutbox extends Startable {
  /**
   * resolves once the message went out in a bundle; rejects when that publish failed or the outbox had
   * stopped. Before start a message is held, and goes out at start.
   */
  add(msg: JobMessage): Promise<void>
  /** messages waiting for the next flush */
  readonly size: number
}

interface Waiting {
  msg: JobMessage
  size: number
  sent: PromiseWithResolvers<void>
}

/**
 * This member's job messages on their way out (SPEC 6, v2.2). Idle, a message leaves at once (on the next
 * turn of the event loop, with whatever else that turn made); busy, the messages made within `intervalMs`
 * of the last flush leave together. Gossip costs per message (an id, the cache, a frame per mesh peer and
 * as many forwards), so a member with many jobs in flight sends a few bundles instead of many messages,
 * while a lone job waits at most `intervalMs` a step.
 */
export function createGossipOutbox (opts: GossipOutboxOptions): GossipOutbox {
  const intervalMs = opts.intervalMs ?? DEFAULT_BUNDLE_INTERVAL_MS
  const now = opts.now ?? Date.now
  let waiting: Waiting[] = []
  let timer: NodeJS.Timeout | undefined
  let lastFlush = Number.NEGATIVE_INFINITY
  // created: messages are held until start (a restarted member's due reveals come while the node starts)
  let state: 'created' | 'running' | 'stopped' = 'created'

  async function flush (): Promise<void> {
    timer = undefined
    lastFlush = now()
    const batch = waiting
    waiting = []
    const bundles = packBundles(batch.map((w) => w.msg), batch.map((w) => w.size))
    let next = 0
    for (const bundle of bundles) {
      const mine = batch.slice(next, next + bundle.messages.length)
      next += bundle.messages.length
      try {
        await opts.publish(bundle)
        for (const w of mine) w.sent.resolve()
      } catch (err) {
        for (const w of mine) w.sent.reject(err)
      }
    }
  }

  function schedule (): void {
    if (timer !== undefined) return
    timer = setTimeout(() => { void flush() }, Math.max(0, lastFlush + intervalMs - now()))
  }

  return {
    get size () { return waiting.length },
    start () {
      state = 'running'
      if (waiting.length > 0) schedule()
    },
    async stop () {
      state = 'stopped'
      clearTimeout(timer)
      // what was handed over before the stop still goes out
      await flush()
    },
    async add (msg) {
      if (state === 'stopped') throw new NotStartedError('the gossip outbox is stopped')
      // encoding checks the message against its topic's schema and size now, where the caller can see it fail
      const size = encodeMessage(msg).length
      const sent = Promise.withResolvers<void>()
      waiting.push({ msg, size, sent })
      if (state === 'running') schedule()
      await sent.promise
    }
  }
}
