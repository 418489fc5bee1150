import { createRng } from '../prng.ts'
import { percentile, round } from '../stats.ts'
import { Overlay } from './overlay.ts'
import type { ModelParams } from './params.ts'

export interface DisseminationSetup {
  peers: number
  seed: number
  params: ModelParams
  messages: number
  /** between two publications, ms */
  intervalMs: number
  /** before the first publication: meshes settle over a few heartbeats */
  warmupMs: number
  /** after the last publication */
  drainMs: number
  /** changes the overlay before the run (attackers, eclipse, churn, partition) */
  prepare?: (o: Overlay, rng: ReturnType<typeof createRng>) => void
  /** picks each message's origin (default: a random honest peer) */
  origin?: (o: Overlay, k: number, rng: ReturnType<typeof createRng>) => number
  /** whose deliveries count (default: honest peers online at the end) */
  counts?: (o: Overlay, peer: number) => boolean
  /** bytes of each message (a job: 1,200) */
  bytes?: number
}

export interface DisseminationResult {
  deliveryRatio: number
  latencyMs: { median: number, p95: number, p99: number }
  duplicatesPerDelivery: number
  invalidPerHonestPeer: number
  causalityViolations: number
  /** per message: the share of counted peers it reached */
  perMessage: number[]
}

/** Publishes messages over a model overlay and measures who got each, how soon, with how many copies. */
export function disseminate (setup: DisseminationSetup): DisseminationResult {
  const rng = createRng(setup.seed)
  const o = new Overlay(setup.peers, setup.params, rng.fork('overlay'))
  setup.prepare?.(o, rng.fork('prepare'))
  o.q.runUntil(setup.warmupMs)
  const published: number[] = []
  for (let k = 0; k < setup.messages; k++) {
    o.q.schedule(k * setup.intervalMs, () => {
      const origin = setup.origin?.(o, k, rng) ?? honestPeer(o, rng)
      published.push(o.publish(origin, setup.bytes ?? 1200).id)
    })
  }
  o.q.runUntil(setup.warmupMs + setup.messages * setup.intervalMs + setup.drainMs)
  const counts = setup.counts ?? ((ov: Overlay, p: number) => ov.peers[p]?.behaviour === 'honest' && ov.peers[p]?.online === true)
  const counted = o.peers.map((_, i) => i).filter(i => counts(o, i))
  const latencies: number[] = []
  const perMessage: number[] = []
  let delivered = 0
  let expected = 0
  for (const id of published) {
    const msg = o.messages.get(id)
    if (msg === undefined) continue
    let got = 0
    for (const i of counted) {
      if (i === msg.origin) continue
      expected++
      const at = o.peers[i]?.seen.get(id)
      if (at !== undefined) {
        got++
        latencies.push(at - msg.publishedAt)
      }
    }
    delivered += got
    perMessage.push(round(got / Math.max(1, counted.length - (counted.includes(msg.origin) ? 1 : 0)), 4))
  }
  return {
    deliveryRatio: round(delivered / Math.max(1, expected), 4),
    latencyMs: { median: round(percentile(latencies, 50), 1), p95: round(percentile(latencies, 95), 1), p99: round(percentile(latencies, 99), 1) },
    duplicatesPerDelivery: round(o.stats.duplicates / Math.max(1, o.stats.deliveries), 3),
    invalidPerHonestPeer: round(o.stats.invalidProcessed / Math.max(1, counted.length), 2),
    causalityViolations: o.stats.causalityViolations,
    perMessage
  }
}

export function honestPeer (o: Overlay, rng: ReturnType<typeof createRng>): number {
  for (;;) {
    const i = rng.int(o.peers.length)
    const p = o.peers[i]
    if (p?.behaviour === 'honest' && p.online) return i
  }
}
