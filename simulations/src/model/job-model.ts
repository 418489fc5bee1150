import { quorumThreshold } from '#protocol/quorum.ts'
import { aggregateEngines } from '#protocol/report-engines.ts'
import type { EngineCategory, Hex, SignedVerdict } from '#protocol/messages.ts'
import type { ModelMessage } from './model-message.ts'
import type { Overlay } from './overlay.ts'

export type MemberRole = 'honest' | 'wrong' | 'equivocate' | 'withhold'

/** Encoded sizes of the JSON wire messages (protocol/src/encoding.ts), bytes. */
export const MESSAGE_BYTES = {
  job: 1200,
  commitment: 330,
  verdict: 700,
  /** an attestation lists every member's commitment and verdict hash: 228 bytes each */
  attestation: (n: number): number => 350 + 228 * n
}

const TRUTH: EngineCategory = 'malicious'
const LIE: EngineCategory = 'undetected'
const MODEL_ENGINE = 'model-engine'

type Payload =
  | { kind: 'job', job: number }
  | { kind: 'commitment', job: number, member: number, value: string }
  | { kind: 'verdict', job: number, member: number, opens: string, category: EngineCategory }
  | { kind: 'attestation', job: number, member: number, digest: string }

interface MemberJob {
  /** the job itself arrived here */
  known: boolean
  commits: Map<number, string>
  /** a member's second, different commitment (it equivocated), held beside the first (SPEC 7) */
  conflicting: Map<number, string>
  verdicts: Map<number, { opens: string, category: EngineCategory }>
  attestations: Map<number, string>
  /** digest -> attestations held with it (kept as they arrive: a recount per delivery is O(n^2) per member) */
  digestCounts: Map<string, number>
  /** verdicts held that open a commitment held for their member */
  openedCount: number
  ownDigest?: string
  revealed: boolean
  attested: boolean
  reported: boolean
}

export interface JobOutcome {
  job: number
  submittedAt: number
  /** member -> time of its final report (honest members only) */
  reportedAt: Map<number, number>
  /** per honest member: the engine category of the report it derived ('none' without a report) */
  categories: Map<number, EngineCategory | 'none'>
}

export interface JobModelOptions {
  members: number
  roles: MemberRole[]
  engineMs: number
  commitMs: number
  revealMs: number
  clockSkewMs: number
}

const address = (m: number): Hex => `0x${m.toString(16).padStart(40, '0')}`

/**
 * The job protocol (SPEC: job, commit, reveal, attest, report) on the model overlay, members being
 * peers 0..n-1. The fast path is the node's: reveal once every commitment is held, attest once every
 * committed member revealed; otherwise at the deadlines. A report is final at a member once a quorum
 * (protocol quorumThreshold) attested the content it attested, and its category is the protocol's
 * own tally (aggregateEngines) over the verdicts that content holds.
 */
export class JobModel {
  readonly outcomes: JobOutcome[] = []
  /** called at each honest member's final report */
  onReport: (outcome: JobOutcome) => void = () => {}
  readonly #o: Overlay
  readonly #opts: JobModelOptions
  readonly #state = new Map<string, MemberJob>()

  constructor (overlay: Overlay, opts: JobModelOptions) {
    this.#o = overlay
    this.#opts = opts
    overlay.onDeliver = (peer, msg, at) => { this.#deliver(peer, msg, at) }
    overlay.validate = (peer, msg) => this.#valid(peer, msg)
    overlay.behind = (peer, msg) => this.#behind(peer, msg)
  }

  submit (origin: number): JobOutcome {
    const job = this.outcomes.length
    const outcome: JobOutcome = { job, submittedAt: this.#o.q.now, reportedAt: new Map(), categories: new Map() }
    this.outcomes.push(outcome)
    this.#o.publish(origin, MESSAGE_BYTES.job, true, { kind: 'job', job })
    this.#onJob(origin, job)
    return outcome
  }

  #mj (peer: number, job: number): MemberJob {
    const key = `${peer}/${job}`
    let s = this.#state.get(key)
    if (s === undefined) {
      s = { known: false, commits: new Map(), conflicting: new Map(), verdicts: new Map(), attestations: new Map(), digestCounts: new Map(), openedCount: 0, revealed: false, attested: false, reported: false }
      this.#state.set(key, s)
    }
    return s
  }

  /** The receiving member's validator: a second, different commitment is accepted and forwarded (SPEC 6), a third is dropped. */
  #valid (peer: number, msg: ModelMessage): boolean {
    const p = msg.payload as Payload | undefined
    if (p?.kind !== 'commitment' || peer >= this.#opts.members) return true
    const s = this.#mj(peer, p.job)
    const held = s.commits.get(p.member)
    const conflicting = s.conflicting.get(p.member)
    return held === undefined || held === p.value || conflicting === undefined || conflicting === p.value
  }

  /**
   * What a member relay waits for before it validates and forwards (the node's BEHIND codes,
   * message-intake.ts): the job (UNKNOWN_JOB; every sender here is a member), for a verdict also the
   * commit window's end or every commitment (EARLY_REVEAL) and the commitment it opens (NO_COMMITMENT,
   * COMMITMENT_MISMATCH). The key is the job: its news wakes the message.
   */
  #behind (peer: number, msg: ModelMessage): string | undefined {
    const p = msg.payload as Payload | undefined
    if (p === undefined || p.kind === 'job' || peer >= this.#opts.members) return undefined
    const s = this.#mj(peer, p.job)
    const key = String(p.job)
    if (!s.known) return key
    if (p.kind !== 'verdict') return undefined
    const commitDeadline = (this.outcomes[p.job] as JobOutcome).submittedAt + this.#opts.commitMs
    if (this.#o.q.now < commitDeadline && s.commits.size < this.#opts.members) return key
    return s.commits.get(p.member) === p.opens || s.conflicting.get(p.member) === p.opens ? undefined : key
  }

  #deliver (peer: number, msg: ModelMessage, at: number): void {
    const p = msg.payload as Payload | undefined
    if (p === undefined || peer >= this.#opts.members) return
    const s = this.#mj(peer, p.job)
    if (p.kind === 'job') this.#onJob(peer, p.job)
    else if (p.kind === 'commitment') {
      const held = s.commits.get(p.member)
      if (held === undefined) s.commits.set(p.member, p.value)
      else if (held !== p.value && !s.conflicting.has(p.member)) s.conflicting.set(p.member, p.value)
      else return
      if (s.verdicts.get(p.member)?.opens === p.value) s.openedCount++
      this.#o.wake(peer, String(p.job))
      this.#maybeReveal(peer, p.job)
    } else if (p.kind === 'verdict') {
      if (s.verdicts.has(p.member)) return
      s.verdicts.set(p.member, { opens: p.opens, category: p.category })
      if (s.commits.get(p.member) === p.opens || s.conflicting.get(p.member) === p.opens) s.openedCount++
      this.#maybeAttest(peer, p.job)
    } else {
      addAttestation(s, p.member, p.digest)
      this.#maybeReport(peer, p.job, at)
    }
  }

  #role (m: number): MemberRole {
    return this.#opts.roles[m] ?? 'honest'
  }

  #onJob (peer: number, job: number): void {
    const { engineMs, commitMs, revealMs, clockSkewMs } = this.#opts
    const q = this.#o.q
    const since = q.now - (this.outcomes[job] as JobOutcome).submittedAt
    this.#mj(peer, job).known = true
    this.#o.wake(peer, String(job))
    q.schedule(engineMs, () => { this.#commit(peer, job) })
    // the slow path reveals at the commit deadline + clock skew (coordinator.ts), when every member's clock is past it
    q.schedule(Math.max(0, commitMs + clockSkewMs - since), () => { this.#reveal(peer, job) })
    q.schedule(Math.max(0, commitMs + revealMs + clockSkewMs - since), () => { this.#attest(peer, job) })
  }

  #commit (peer: number, job: number): void {
    const s = this.#mj(peer, job)
    const role = this.#role(peer)
    const value = `${peer}:${role === 'wrong' ? LIE : TRUTH}`
    s.commits.set(peer, value)
    if (role === 'equivocate') {
      // two commitments, each to half of the mesh: every member keeps whichever arrives first
      const mesh = [...(this.#o.peers[peer]?.mesh ?? [])]
      const half = Math.ceil(mesh.length / 2)
      const other: Payload = { kind: 'commitment', job, member: peer, value: `${peer}:other` }
      this.#o.publishTo(peer, mesh.slice(0, half), MESSAGE_BYTES.commitment, { kind: 'commitment', job, member: peer, value })
      this.#o.publishTo(peer, mesh.slice(half), MESSAGE_BYTES.commitment, other)
    } else {
      this.#o.publish(peer, MESSAGE_BYTES.commitment, true, { kind: 'commitment', job, member: peer, value })
    }
    this.#maybeReveal(peer, job)
  }

  #maybeReveal (peer: number, job: number): void {
    if (this.#mj(peer, job).commits.size >= this.#opts.members) this.#reveal(peer, job)
  }

  #reveal (peer: number, job: number): void {
    const s = this.#mj(peer, job)
    if (s.revealed || !s.commits.has(peer)) return
    s.revealed = true
    const role = this.#role(peer)
    if (role === 'withhold') return
    const category = role === 'wrong' ? LIE : TRUTH
    const opens = `${peer}:${role === 'wrong' ? LIE : TRUTH}`
    s.verdicts.set(peer, { opens, category })
    s.openedCount++
    this.#o.publish(peer, MESSAGE_BYTES.verdict, true, { kind: 'verdict', job, member: peer, opens, category })
    this.#maybeAttest(peer, job)
  }

  /** Verdicts that open a commitment this member holds for their member. */
  #opened (s: MemberJob): Array<[number, EngineCategory]> {
    return [...s.verdicts].filter(([m, v]) => s.commits.get(m) === v.opens || s.conflicting.get(m) === v.opens).map(([m, v]) => [m, v.category])
  }

  /** The commitments named (SPEC 7): the one a held verdict opens; an equivocator without a verdict is left out. */
  #named (s: MemberJob): string {
    const named: string[] = []
    for (const [m, held] of [...s.commits].toSorted((a, b) => a[0] - b[0])) {
      const v = s.verdicts.get(m)
      if (v !== undefined && (v.opens === held || v.opens === s.conflicting.get(m))) named.push(`${m}=${v.opens}`)
      else if (!s.conflicting.has(m)) named.push(`${m}=${held}`)
    }
    return named.join(',')
  }

  #maybeAttest (peer: number, job: number): void {
    const s = this.#mj(peer, job)
    if (s.revealed && s.openedCount >= s.commits.size) this.#attest(peer, job)
  }

  #attest (peer: number, job: number): void {
    const s = this.#mj(peer, job)
    if (s.attested || !s.revealed) return
    s.attested = true
    const role = this.#role(peer)
    if (role === 'withhold' || role === 'equivocate') return
    const commits = this.#named(s)
    const opened = this.#opened(s).toSorted((a, b) => a[0] - b[0]).map(([m, c]) => `${m}=${c}`).join(',')
    s.ownDigest = `${commits}|${opened}`
    addAttestation(s, peer, s.ownDigest)
    this.#o.publish(peer, MESSAGE_BYTES.attestation(this.#opts.members), true, { kind: 'attestation', job, member: peer, digest: s.ownDigest })
    this.#maybeReport(peer, job, this.#o.q.now)
  }

  #maybeReport (peer: number, job: number, at: number): void {
    const s = this.#mj(peer, job)
    if (s.reported || s.ownDigest === undefined || this.#role(peer) !== 'honest') return
    const agreeing = s.digestCounts.get(s.ownDigest) ?? 0
    const n = this.#opts.members
    if (agreeing < quorumThreshold(n)) return
    s.reported = true
    const outcome = this.outcomes[job] as JobOutcome
    outcome.reportedAt.set(peer, at)
    outcome.categories.set(peer, tally(this.#opened(s), n))
    this.onReport(outcome)
  }
}

function addAttestation (s: MemberJob, member: number, digest: string): void {
  if (s.attestations.has(member)) return
  s.attestations.set(member, digest)
  s.digestCounts.set(digest, (s.digestCounts.get(digest) ?? 0) + 1)
}

/**
 * What a report derived from these verdicts says: none below the protocol's quorum (deriveReport's
 * NO_QUORUM), else the category aggregateEngines picks. Verdicts are shaped as SignedVerdict for it;
 * it reads only members and results, so signatures are left empty.
 */
export function tally (verdicts: Array<[number, EngineCategory]>, n: number): EngineCategory | 'none' {
  if (verdicts.length < quorumThreshold(n)) return 'none'
  const signed = verdicts.map(([m, category]): SignedVerdict => ({
    type: 'verdict',
    salt: '0x',
    signature: '0x',
    verdict: { jobId: '0x', member: address(m), sha256: '0x', membershipBlock: 0, scannedAt: 0, results: [{ engine: MODEL_ENGINE, engineVersion: '1', engineUpdate: '1', category, result: '', method: 'model' }] }
  }))
  const members = Array.from({ length: n }, (_, m) => address(m))
  const { results } = aggregateEngines(signed, { [MODEL_ENGINE]: members }, 3)
  return results[MODEL_ENGINE]?.category ?? 'none'
}
