import { EventQueue } from './event-queue.ts'
import { ValidationWaits } from './validation-waits.ts'
import type { Rng } from '../prng.ts'
import type { ModelMessage } from './model-message.ts'
import type { ModelParams } from './params.ts'

export type Behaviour = 'honest' | 'censor' | 'flooder'

export interface PeerState {
  behaviour: Behaviour
  online: boolean
  neighbours: Set<number>
  mesh: Set<number>
  /** msg id -> first delivery time */
  seen: Map<number, number>
  /** msg ids first seen per heartbeat, newest last (the message cache) */
  history: number[][]
  /** ids this peer accepted (or published): only these are announced in IHAVE, as gossipsub's mcache does under async validation */
  accepted: Set<number>
  invalidFrom: Map<number, number>
  accessLatencyMs: number
  uplinkMbps: number
  upBusyUntil: number
  cpuBusyUntil: number
}

export interface OverlayStats {
  sends: number
  deliveries: number
  duplicates: number
  invalidProcessed: number
  graylistedDrops: number
  ihave: number
  iwant: number
  /** deliveries that arrived before their message was published: must stay 0 */
  causalityViolations: number
  /** valid messages a peer held back until it had what their validation needs */
  waited: number
  /** of those, given up at the wait bound */
  waitsExpired: number
}

/** Called once per first valid delivery (after validation) at an online peer. */
export type DeliveryHook = (peer: number, msg: ModelMessage, at: number) => void

/**
 * A gossipsub overlay as a discrete-event model: meshes of D within [Dlo, Dhi] kept at heartbeats,
 * forwarding to the mesh after validation, IHAVE of the last mcacheGossip heartbeats' ids to Dlazy
 * non-mesh neighbours and IWANT back, a per-neighbour score built from invalid messages (squared,
 * as gossipsub's P4), graylisting and pruning, per-peer CPU and uplink queues, and link latencies.
 */
export class Overlay {
  readonly q = new EventQueue()
  readonly peers: PeerState[] = []
  readonly stats: OverlayStats = { sends: 0, deliveries: 0, duplicates: 0, invalidProcessed: 0, graylistedDrops: 0, ihave: 0, iwant: 0, causalityViolations: 0, waited: 0, waitsExpired: 0 }
  readonly params: ModelParams
  readonly messages = new Map<number, ModelMessage>()
  onDeliver: DeliveryHook = () => {}
  /** the receiving peer's application validator (gossipsub topic validator): false rejects and penalises the sender */
  validate: (peer: number, msg: ModelMessage) => boolean = () => true
  /**
   * the key of what a valid message outran at this peer (SPEC section 6: its job, the commitment a reveal
   * opens, the reveal window), or undefined: it waits (validation-waits.ts) and is accepted and forwarded
   * once nothing is missing; gossipsub forwards only what was accepted
   */
  behind: (peer: number, msg: ModelMessage) => string | undefined = () => undefined
  /** links that carry nothing at the moment (a partition) */
  blocked: (a: number, b: number) => boolean = () => false
  #rng: Rng
  #nextId = 0
  readonly #waits: ValidationWaits
  #sharedCpuBusy = 0

  constructor (n: number, params: ModelParams, rng: Rng) {
    this.params = params
    this.#rng = rng
    this.#waits = new ValidationWaits(this.q, params.maxWaitMs, this.stats, {
      behind: (peer, msg) => this.behind(peer, msg),
      accept: (peer, from, msg) => { this.#accept(peer, from, msg) }
    })
    for (let i = 0; i < n; i++) {
      this.peers.push({
        behaviour: 'honest',
        online: true,
        neighbours: new Set(),
        mesh: new Set(),
        seen: new Map(),
        history: [[]],
        accepted: new Set(),
        invalidFrom: new Map(),
        accessLatencyMs: rng.logNormal(params.accessLatencyMs, params.latencySigma),
        uplinkMbps: Number.isFinite(params.uplinkMbps) ? rng.logNormal(params.uplinkMbps, params.uplinkSigma) : Infinity,
        upBusyUntil: 0,
        cpuBusyUntil: 0
      })
    }
    for (let i = 0; i < n; i++) this.connectRandom(i, params.connectDegree)
    for (let i = 0; i < n; i++) this.#fillMesh(i)
    // heartbeats staggered over one interval, as independent nodes' timers are
    for (let i = 0; i < n; i++) this.q.schedule(rng.next() * params.heartbeatMs, () => { this.#heartbeat(i) })
  }

  connect (a: number, b: number): void {
    if (a === b) return
    this.peers[a]?.neighbours.add(b)
    this.peers[b]?.neighbours.add(a)
  }

  connectRandom (i: number, k: number): void {
    for (const j of this.#rng.sample(this.peers.length, Math.min(k + 1, this.peers.length))) this.connect(i, j)
  }

  score (peer: number, neighbour: number): number {
    const count = this.peers[peer]?.invalidFrom.get(neighbour) ?? 0
    return this.params.invalidWeight * count * count
  }

  publish (origin: number, bytes: number, valid = true, payload?: unknown): ModelMessage {
    const msg: ModelMessage = { id: this.#nextId++, bytes, valid, origin, publishedAt: this.q.now, payload }
    this.messages.set(msg.id, msg)
    const p = this.peers[origin] as PeerState
    if (valid) {
      this.#markSeen(origin, msg)
      p.accepted.add(msg.id)
    }
    const targets = valid ? (p.mesh.size > 0 ? p.mesh : p.neighbours) : p.neighbours
    for (const t of targets) this.send(origin, t, msg)
    return msg
  }

  /** A message only some neighbours get first (an equivocating publisher). */
  publishTo (origin: number, targets: number[], bytes: number, payload?: unknown): ModelMessage {
    const msg: ModelMessage = { id: this.#nextId++, bytes, valid: true, origin, publishedAt: this.q.now, payload }
    this.messages.set(msg.id, msg)
    this.#markSeen(origin, msg)
    ;(this.peers[origin] as PeerState).accepted.add(msg.id)
    for (const t of targets) this.send(origin, t, msg)
    return msg
  }

  send (from: number, to: number, msg: ModelMessage): void {
    const src = this.peers[from] as PeerState
    const dst = this.peers[to] as PeerState
    if (!src.online) return
    this.stats.sends++
    const txMs = Number.isFinite(src.uplinkMbps) ? (msg.bytes * 8) / (src.uplinkMbps * 1000) : 0
    const start = Math.max(this.q.now, src.upBusyUntil)
    src.upBusyUntil = start + txMs
    const delay = start + txMs - this.q.now + src.accessLatencyMs + dst.accessLatencyMs
    this.q.schedule(delay, () => { this.#receive(from, to, msg) })
  }

  #cpu (peer: PeerState, ms: number, then: () => void): void {
    if (this.params.sharedCpu) {
      this.#sharedCpuBusy = Math.max(this.q.now, this.#sharedCpuBusy) + ms
      this.q.schedule(this.#sharedCpuBusy - this.q.now, then)
    } else {
      peer.cpuBusyUntil = Math.max(this.q.now, peer.cpuBusyUntil) + ms
      this.q.schedule(peer.cpuBusyUntil - this.q.now, then)
    }
  }

  #receive (from: number, to: number, msg: ModelMessage): void {
    const p = this.peers[to] as PeerState
    if (!p.online || this.blocked(from, to)) return
    if (this.q.now < msg.publishedAt) this.stats.causalityViolations++
    if (this.score(to, from) < this.params.graylistThreshold) {
      this.stats.graylistedDrops++
      return
    }
    if (p.seen.has(msg.id)) {
      this.stats.duplicates++
      this.#cpu(p, this.params.cpuPerDuplicateMs, () => {})
      return
    }
    if (p.behaviour !== 'honest') {
      // attackers take messages and never pass them on
      p.seen.set(msg.id, this.q.now)
      return
    }
    if (msg.valid) this.#markSeen(to, msg)
    this.#cpu(p, this.params.cpuPerMessageMs + this.params.cpuPerKiBMs * msg.bytes / 1024, () => {
      if (!msg.valid || !this.validate(to, msg)) {
        this.stats.invalidProcessed++
        p.invalidFrom.set(from, (p.invalidFrom.get(from) ?? 0) + 1)
        return
      }
      const key = this.behind(to, msg)
      if (key === undefined) this.#accept(to, from, msg)
      else this.#waits.park(to, key, msg, from)
    })
  }

  #accept (to: number, from: number, msg: ModelMessage): void {
    const p = this.peers[to] as PeerState
    p.accepted.add(msg.id)
    this.stats.deliveries++
    this.onDeliver(to, msg, this.q.now)
    for (const m of p.mesh) if (m !== from) this.send(to, m, msg)
  }

  /** What `key` names changed at `peer` (its job arrived, a commitment was added): its waiting messages are checked again. */
  wake (peer: number, key: string): void {
    this.#waits.wake(peer, key)
  }

  #markSeen (peer: number, msg: ModelMessage): void {
    const p = this.peers[peer] as PeerState
    p.seen.set(msg.id, this.q.now)
    p.history[p.history.length - 1]?.push(msg.id)
  }

  #fillMesh (i: number): void {
    const p = this.peers[i] as PeerState
    const candidates = [...p.neighbours].filter(j => !p.mesh.has(j) && this.score(i, j) >= 0 && (this.peers[j] as PeerState).online)
    while (p.mesh.size < this.params.D && candidates.length > 0) {
      const j = candidates.splice(this.#rng.int(candidates.length), 1)[0] as number
      p.mesh.add(j)
      ;(this.peers[j] as PeerState).mesh.add(i)
    }
  }

  #heartbeat (i: number): void {
    const p = this.peers[i] as PeerState
    this.q.schedule(this.params.heartbeatMs, () => { this.#heartbeat(i) })
    if (!p.online || p.behaviour !== 'honest') return
    for (const j of p.mesh) {
      if (this.score(i, j) < 0 || !(this.peers[j] as PeerState).online) this.#prune(i, j)
    }
    if (p.mesh.size < this.params.Dlo) this.#fillMesh(i)
    while (p.mesh.size > this.params.Dhi) this.#prune(i, [...p.mesh][this.#rng.int(p.mesh.size)] as number)
    this.#gossip(i)
    p.history.push([])
    if (p.history.length > this.params.mcacheGossip) p.history.shift()
  }

  #prune (i: number, j: number): void {
    this.peers[i]?.mesh.delete(j)
    this.peers[j]?.mesh.delete(i)
  }

  /** IHAVE to Dlazy non-mesh neighbours; each answers IWANT for what it lacks, and gets it back. */
  #gossip (i: number): void {
    const p = this.peers[i] as PeerState
    const ids = p.history.flat().filter(id => p.accepted.has(id))
    if (ids.length === 0) return
    const others = [...p.neighbours].filter(j => !p.mesh.has(j) && this.score(i, j) >= this.params.gossipThreshold)
    for (let k = 0; k < this.params.Dlazy && others.length > 0; k++) {
      const j = others.splice(this.#rng.int(others.length), 1)[0] as number
      this.stats.ihave++
      const rtt = p.accessLatencyMs + (this.peers[j] as PeerState).accessLatencyMs
      this.q.schedule(rtt, () => { this.#onIhave(j, i, ids) })
    }
  }

  #onIhave (peer: number, from: number, ids: number[]): void {
    const p = this.peers[peer] as PeerState
    if (!p.online || p.behaviour !== 'honest' || this.blocked(peer, from)) return
    const wanted = ids.filter(id => !p.seen.has(id))
    if (wanted.length === 0) return
    this.stats.iwant++
    const rtt = p.accessLatencyMs + (this.peers[from] as PeerState).accessLatencyMs
    this.q.schedule(rtt, () => {
      if (!(this.peers[from] as PeerState).online || this.blocked(peer, from)) return
      for (const id of wanted) {
        const msg = this.messages.get(id)
        if (msg !== undefined) this.send(from, peer, msg)
      }
    })
  }
}
