import { disseminate, honestPeer } from './dissemination.ts'
import type { Figure } from '../chart/figure.ts'
import type { DisseminationSetup } from './dissemination.ts'
import type { Overlay } from './overlay.ts'
import type { ModelParams } from './params.ts'

export interface OverlayScenarioOptions {
  seed: number
  params: ModelParams
  /** overlay sizes for the baseline */
  sizes: number[]
  /** overlay size of the attack scenarios */
  attackPeers: number
  messages: number
}

function base (o: OverlayScenarioOptions, peers: number): DisseminationSetup {
  return { peers, seed: o.seed, params: o.params, messages: o.messages, intervalMs: 200, warmupMs: 3000, drainMs: 8000 }
}

function makeAttackers (ov: Overlay, share: number, behaviour: 'censor' | 'flooder', rng: { int(n: number): number }): number[] {
  const count = Math.round(share * ov.peers.length)
  const picked: number[] = []
  while (picked.length < count) {
    const i = rng.int(ov.peers.length)
    if (ov.peers[i]?.behaviour === 'honest') {
      ;(ov.peers[i] as { behaviour: string }).behaviour = behaviour
      picked.push(i)
    }
  }
  return picked
}

export function baselineFigure (o: OverlayScenarioOptions): Figure {
  const rows = o.sizes.map(n => ({ n, r: disseminate(base(o, n)) }))
  return {
    id: 'model-baseline',
    title: 'Gossip of one job message over N peers (model)',
    xLabel: 'peers N',
    yLabel: 'ms from publish to arrival',
    logX: true,
    series: [
      { name: 'median', points: rows.map(({ n, r }) => [n, r.latencyMs.median]) },
      { name: 'p95', points: rows.map(({ n, r }) => [n, r.latencyMs.p95]), band: rows.map(({ n, r }) => [n, r.latencyMs.median, r.latencyMs.p99]) }
    ],
    note: `Delivery ratio ${rows.map(({ n, r }) => `${r.deliveryRatio} at ${n}`).join(', ')}; duplicates per delivery ${rows.map(({ r }) => r.duplicatesPerDelivery).join(', ')}. ` +
      `Latency grows with the mesh's hop count (log_D N), not with N.`,
    recommends: `D = ${o.params.D} (Dlo ${o.params.Dlo}, Dhi ${o.params.Dhi}) suffices to ${Math.max(...o.sizes)} peers if every peer is reached (delivery ratio ${Math.min(...rows.map(({ r }) => r.deliveryRatio))} at worst), at ${Math.max(...rows.map(({ r }) => r.duplicatesPerDelivery))} duplicates per delivery at most.`
  }
}

export function sybilFigure (o: OverlayScenarioOptions): Figure {
  const shares = [0, 0.2, 0.4, 0.6, 0.8]
  const rows = shares.map(s => ({ s, r: disseminate({ ...base(o, o.attackPeers), prepare: (ov, rng) => { makeAttackers(ov, s, 'censor', rng) } }) }))
  const rowsD8 = shares.map(s => ({ s, r: disseminate({ ...base(o, o.attackPeers), params: { ...o.params, D: 8, Dlo: 6, Dhi: 12 }, prepare: (ov, rng) => { makeAttackers(ov, s, 'censor', rng) } }) }))
  return {
    id: 'model-sybil-censorship',
    title: `Sybil peers that accept and never forward (${o.attackPeers} peers)`,
    xLabel: 'share of sybil peers',
    yLabel: 'delivery ratio to honest peers',
    series: [
      { name: `D=${o.params.D}`, points: rows.map(({ s, r }) => [s, r.deliveryRatio]) },
      { name: 'D=8', points: rowsD8.map(({ s, r }) => [s, r.deliveryRatio]) }
    ],
    note: `p95 latency at D=${o.params.D}: ${rows.map(({ s, r }) => `${r.latencyMs.p95} ms at ${s}`).join(', ')}. Mesh-delivery scoring is off in the node (gossip-scoring.ts), so censors are never pruned; IHAVE gossip to Dlazy non-mesh peers carries what the mesh drops.`,
    recommends: `D=${o.params.D} reaches every honest peer while its delivery ratio stays 1 (${rows.filter(({ r }) => r.deliveryRatio === 1).map(({ s }) => s).join(', ')} sybil shares); past that, raise D to 8 or have members peer directly with each other (their addresses are on chain).`
  }
}

export function eclipseFigure (o: OverlayScenarioOptions): Figure {
  const direct = [0, 1, 2, 4]
  const rows = direct.map(k => ({
    k,
    r: disseminate({
      ...base(o, o.attackPeers),
      prepare: (ov, rng) => {
        const sybils = makeAttackers(ov, 0.2, 'censor', rng)
        const origin = 0
        ;(ov.peers[origin] as { behaviour: string }).behaviour = 'honest'
        for (const j of ov.peers[origin]?.neighbours ?? []) ov.peers[j]?.neighbours.delete(origin)
        const p = ov.peers[origin] as Overlay['peers'][number]
        p.neighbours.clear()
        p.mesh.clear()
        for (const s of sybils.slice(0, 8)) ov.connect(origin, s)
        for (let i = 0; i < k; i++) ov.connect(origin, honestPeer(ov, rng))
      },
      origin: () => 0
    })
  }))
  return {
    id: 'model-eclipse',
    title: 'An origin whose 8 peers are sybils, plus k direct honest peers',
    xLabel: 'direct honest peers of the origin',
    yLabel: 'delivery ratio of its jobs',
    series: [{ name: 'delivery ratio', points: rows.map(({ k, r }) => [k, r.deliveryRatio]) }],
    note: 'An eclipsed origin reaches nobody: censors neither forward nor gossip. One honest connection restores delivery once the heartbeat grafts it into the mesh.',
    recommends: 'Each member keeps at least 2 connections to other members chosen from the on-chain member list (peer-keeper), not only DHT-found peers.'
  }
}

export function floodFigure (o: OverlayScenarioOptions): Figure {
  const rates = [0, 10, 100, 1000]
  const rows = rates.map(rate => ({
    rate,
    r: disseminate({
      ...base(o, o.attackPeers),
      prepare: (ov, rng) => {
        const flooders = makeAttackers(ov, 0.01, 'flooder', rng)
        if (rate === 0) return
        const every = 1000 / rate
        const until = 3000 + o.messages * 200 + 4000
        for (const f of flooders) {
          const tick = (): void => {
            ov.publish(f, 1200, false)
            if (ov.q.now + every < until) ov.q.schedule(every, tick)
          }
          ov.q.schedule(rng.next() * every, tick)
        }
      }
    })
  }))
  return {
    id: 'model-invalid-flood',
    title: `1% of ${o.attackPeers} peers flood invalid messages`,
    xLabel: 'invalid messages per second per flooder',
    yLabel: 'p95 ms to honest peers',
    series: [{ name: 'p95 latency', points: rows.map(({ rate, r }) => [rate, r.latencyMs.p95]) }],
    note: `Invalid messages validated per honest peer: ${rows.map(({ rate, r }) => `${r.invalidPerHonestPeer} at ${rate}/s`).join(', ')}; delivery ratio ${rows.map(({ r }) => r.deliveryRatio).join(', ')}. ` +
      `The P4 penalty (${o.params.invalidWeight} x count^2) graylists a flooder after ${Math.ceil(Math.sqrt(-o.params.graylistThreshold / -o.params.invalidWeight))} invalid messages per neighbour, so the flood costs a bounded amount of CPU.`,
    recommends: `invalidMessageDeliveriesWeight ${o.params.invalidWeight} with graylistThreshold ${o.params.graylistThreshold}: keep; the flood is cut off within ${Math.ceil(Math.sqrt(-o.params.graylistThreshold / -o.params.invalidWeight)) + 1} messages per link.`
  }
}

export function churnFigure (o: OverlayScenarioOptions): Figure {
  const perMinute = [0, 0.05, 0.1, 0.2, 0.4]
  const rows = perMinute.map(c => ({
    c,
    r: disseminate({
      ...base(o, o.attackPeers),
      intervalMs: 1000,
      prepare: (ov, rng) => {
        // each peer leaves at rate c per minute and comes back after ~10 s with fresh connections
        const until = 3000 + o.messages * 1000 + 8000
        for (let i = 0; i < ov.peers.length; i++) {
          const leave = (): void => {
            const p = ov.peers[i] as Overlay['peers'][number]
            p.online = false
            ov.q.schedule(rng.exp(10_000), () => {
              p.online = true
              for (const j of p.neighbours) ov.peers[j]?.neighbours.delete(i)
              p.neighbours.clear()
              p.mesh.clear()
              ov.connectRandom(i, ov.params.connectDegree)
              if (c > 0 && ov.q.now < until) ov.q.schedule(rng.exp(60_000 / c), leave)
            })
          }
          if (c > 0) ov.q.schedule(rng.exp(60_000 / c), leave)
        }
      }
    })
  }))
  return {
    id: 'model-churn',
    title: `Churn: peers leave and rejoin (${o.attackPeers} peers)`,
    xLabel: 'share of peers leaving per minute',
    yLabel: 'delivery ratio to online peers',
    series: [{ name: 'delivery ratio', points: rows.map(({ c, r }) => [c, r.deliveryRatio]) }],
    note: `p95 latency ${rows.map(({ c, r }) => `${r.latencyMs.p95} ms at ${c}`).join(', ')}. A peer that is offline when a message passes misses it unless IHAVE names it within ${o.params.mcacheGossip} heartbeats of its return.`,
    recommends: `Heartbeat ${o.params.heartbeatMs} ms repairs meshes (delivery ${rows.at(-1)?.r.deliveryRatio} at ${rows.at(-1)?.c} of peers leaving per minute); what a returning peer missed comes back through job recovery, not gossip.`
  }
}

export function partitionFigure (o: OverlayScenarioOptions): Figure {
  const healAt = 3000 + 10_000
  const r = disseminate({
    ...base(o, o.attackPeers),
    messages: 30,
    intervalMs: 400,
    prepare: (ov) => {
      const half = ov.peers.length / 2
      let cut = true
      ov.blocked = (a, b) => cut && (a < half) !== (b < half)
      ov.q.schedule(healAt, () => { cut = false })
    },
    origin: (_ov, k) => k % 2 === 0 ? 0 : o.attackPeers - 1
  })
  // message k was published at 3000 + 400 k; plot its reach against how long before the heal it was sent
  const points: Array<[number, number]> = r.perMessage.map((share, k) => [round1((3000 + 400 * k - healAt) / 1000), share])
  return {
    id: 'model-partition',
    title: `A partition into halves that heals at t = 0 (${o.attackPeers} peers)`,
    xLabel: 's from publish to heal (negative: published while split)',
    yLabel: 'share of peers reached',
    series: [{ name: 'reach', points }],
    note: `Messages sent while split reach one half (0.5); after the heal, IHAVE announces only the last ${o.params.mcacheGossip} heartbeats' ids, so only those sent a few seconds before the heal cross over (earliest fully reached: ${points.find(p => p[1] === 1)?.[0] ?? 'none'} s).`,
    recommends: 'Do not rely on gossip after a partition: a job missed for longer than mcacheGossip heartbeats must come back through job recovery (or raise mcacheGossip/mcacheLength).'
  }
}

function round1 (x: number): number {
  return Math.round(x * 10) / 10
}
