import { randomBytes } from 'node:crypto'
import { pino } from 'pino'
import { createGossip } from '../../../node/src/network/gossip.ts'
import { GossipValidationError } from '#protocol/errors.ts'
import { quorumThreshold } from '#protocol/quorum.ts'
import { deriveReport } from '#protocol/report.ts'
import { attestationFor, computeCommitment, contentCommitments, signAttestation, signCommitment, signVerdict } from '#protocol/signing.ts'
import { reportDigest, scanJobId, verdictHash } from '#protocol/eip712.ts'
import { validateAttestation, validateCommitment, validateScanJob, validateVerdict } from '#protocol/validation.ts'
import { MemberView, newJobState, SIM_CHAIN_ID, SIM_ENGINE, SIM_REGISTRY } from './member-view.ts'
import type { SimLibp2p } from './memory-host.ts'
import type { Gossip } from '../../../node/src/network/gossip.ts'
import type { VirusmapLibp2p } from '../../../node/src/network/libp2p-node.ts'
import type { GossipMessage, Hex, SignedAttestation, SignedCommitment, SignedScanJob, SignedVerdict, TopicName, Verdict } from '#protocol/messages.ts'
import type { JobState } from './member-view.ts'
import type { Wallet } from 'ethers'

/** Messages that may validate once more of the job is held (a verdict before its commitment). */
const RETRY_CODES = new Set(['UNKNOWN_JOB', 'NO_COMMITMENT', 'EARLY_REVEAL'])

export interface MemberEvents {
  /** a message accepted (its first delivery here) */
  delivered(kind: GossipMessage['type'], key: string): void
  /** this member derived a final report for the job */
  reported(jobId: Hex): void
}

interface Pending { topic: TopicName, msg: GossipMessage }

/**
 * One supernode of the simulation: the node's gossip layer (node/src/network/gossip.ts) over a
 * memory host, the protocol's validators on every topic, and commit-reveal-attest driven with the
 * protocol's signing functions. The engine is a timer of fixed length: its cost is not under study.
 */
export class SimMember {
  readonly view: MemberView
  readonly gossip: Gossip
  readonly #wallet: Wallet
  readonly #address: Hex
  readonly #engineMs: number
  readonly #events: MemberEvents
  readonly #pending: Pending[] = []
  readonly #revealed = new Set<Hex>()
  readonly #attested = new Set<Hex>()
  readonly #reported = new Set<Hex>()
  readonly #ownVerdicts = new Map<Hex, { verdict: Verdict, salt: Hex }>()
  readonly #timers = new Set<NodeJS.Timeout>()

  constructor (host: SimLibp2p, wallet: Wallet, members: Hex[], engineMs: number, events: MemberEvents) {
    this.#wallet = wallet
    this.#address = wallet.address.toLowerCase() as Hex
    this.#engineMs = engineMs
    this.#events = events
    this.view = new MemberView(members)
    this.gossip = createGossip({ libp2p: host as unknown as VirusmapLibp2p, logger: pino({ level: 'silent' }) })
    this.gossip.handle('jobs', (msg) => { this.#apply('jobs', msg) })
    this.gossip.handle('commits', (msg) => { this.#apply('commits', msg) })
    this.gossip.handle('verdicts', (msg) => { this.#apply('verdicts', msg) })
    this.gossip.handle('attestations', (msg) => { this.#apply('attestations', msg) })
  }

  get address (): Hex {
    return this.#address
  }

  /** The origin's own job: held as if received, then published. */
  async originate (signed: SignedScanJob): Promise<void> {
    this.#acceptJob(signed)
    await this.gossip.publish('jobs', signed)
  }

  stop (): void {
    for (const t of this.#timers) clearTimeout(t)
    this.#timers.clear()
  }

  #later (ms: number, run: () => Promise<void>): void {
    const t = setTimeout(() => {
      this.#timers.delete(t)
      run().catch(() => { /* a publish after shutdown; the run is over */ })
    }, ms)
    this.#timers.add(t)
  }

  #apply (topic: TopicName, msg: GossipMessage): void {
    try {
      this.#applyOnce(topic, msg)
    } catch (err) {
      if (err instanceof GossipValidationError && RETRY_CODES.has(err.code)) this.#pending.push({ topic, msg })
      throw err
    }
    this.#retryPending()
  }

  #retryPending (): void {
    for (let progress = true; progress;) {
      progress = false
      for (let i = this.#pending.length - 1; i >= 0; i--) {
        const p = this.#pending[i] as Pending
        try {
          this.#applyOnce(p.topic, p.msg)
          this.#pending.splice(i, 1)
          progress = true
        } catch (err) {
          if (!(err instanceof GossipValidationError && RETRY_CODES.has(err.code))) this.#pending.splice(i, 1)
        }
      }
    }
  }

  #applyOnce (topic: TopicName, msg: GossipMessage): void {
    const ctx = this.view.context()
    if (topic === 'jobs') {
      const signed = msg as SignedScanJob
      const { jobId, submission } = validateScanJob(signed, ctx)
      if (submission !== undefined) this.view.submissions.set(submission, jobId)
      this.#acceptJob(signed)
      this.#events.delivered('scan-job', jobId)
    } else if (topic === 'commits') {
      const c = msg as SignedCommitment
      const { jobId, member, conflict } = validateCommitment(c, ctx)
      const state = this.#state(jobId)
      ;(conflict ? state.conflicting : state.commitments).set(member, c)
      this.#events.delivered('commitment', `${jobId}/${member}`)
      this.#maybeReveal(jobId, state)
    } else if (topic === 'verdicts') {
      const v = msg as SignedVerdict
      const { jobId, member, verdictHash: hash } = validateVerdict(v, ctx)
      const state = this.#state(jobId)
      state.verdicts.set(member, v)
      state.verdictHashes.set(member, hash)
      this.#events.delivered('verdict', `${jobId}/${member}`)
      this.#maybeAttest(jobId, state)
    } else if (topic === 'attestations') {
      const a = msg as SignedAttestation
      const { jobId, member, digest } = validateAttestation(a, ctx)
      const state = this.#state(jobId)
      state.attestations.set(member, a)
      state.attestationDigests.set(member, digest)
      this.#events.delivered('attestation', `${jobId}/${member}`)
      this.#maybeReport(jobId, state)
    }
  }

  #state (jobId: Hex): JobState {
    const state = this.view.jobs.get(jobId)
    if (state === undefined) throw new Error('validated message for an unknown job')
    return state
  }

  #acceptJob (signed: SignedScanJob): void {
    const jobId = this.#jobId(signed)
    this.view.jobs.set(jobId, newJobState(signed))
    // the stand-in engine, then the commitment (SPEC: a member scans before it commits)
    this.#later(this.#engineMs, async () => { await this.#commit(jobId, signed) })
    // the slow path: reveal at the commit deadline even if a commitment never arrived
    this.#later(Math.max(0, signed.job.commitDeadline - Date.now()) + 50, async () => { await this.#reveal(jobId) })
  }

  #jobId (signed: SignedScanJob): Hex {
    // validateScanJob computes it too; the origin's own job skips validation
    return scanJobId(signed.job, SIM_CHAIN_ID, SIM_REGISTRY)
  }

  async #commit (jobId: Hex, signed: SignedScanJob): Promise<void> {
    const verdict: Verdict = {
      jobId,
      member: this.#address,
      sha256: signed.job.sha256,
      membershipBlock: signed.job.membershipBlock,
      scannedAt: Date.now(),
      results: [{ engine: SIM_ENGINE, engineVersion: '1.0.0', engineUpdate: '20261201', category: 'malicious', result: 'Sim.Test', method: 'signature' }]
    }
    const salt = `0x${randomBytes(32).toString('hex')}` as Hex
    this.#ownVerdicts.set(jobId, { verdict, salt })
    const commit = await signCommitment({ jobId, member: this.#address, commitment: computeCommitment(verdict, salt) }, SIM_CHAIN_ID, SIM_REGISTRY, this.#wallet)
    const state = this.#state(jobId)
    state.commitments.set(this.#address, commit)
    await this.gossip.publish('commits', commit)
    this.#maybeReveal(jobId, state)
    this.#retryPending()
  }

  #maybeReveal (jobId: Hex, state: JobState): void {
    if (state.commitments.size === this.view.members.length && this.#ownVerdicts.has(jobId)) {
      this.#reveal(jobId).catch(() => { /* shutdown */ })
    }
  }

  async #reveal (jobId: Hex): Promise<void> {
    const own = this.#ownVerdicts.get(jobId)
    if (own === undefined || this.#revealed.has(jobId)) return
    this.#revealed.add(jobId)
    const msg = await signVerdict(own.verdict, own.salt, SIM_CHAIN_ID, SIM_REGISTRY, this.#wallet)
    const state = this.#state(jobId)
    state.verdicts.set(this.#address, msg)
    state.verdictHashes.set(this.#address, verdictHash(own.verdict))
    await this.gossip.publish('verdicts', msg)
    this.#maybeAttest(jobId, state)
    this.#retryPending()
  }

  #maybeAttest (jobId: Hex, state: JobState): void {
    if (state.verdicts.size < this.view.members.length || this.#attested.has(jobId)) return
    this.#attested.add(jobId)
    this.#attest(jobId, state).catch(() => { /* shutdown */ })
  }

  async #attest (jobId: Hex, state: JobState): Promise<void> {
    const verdicts = [...state.verdicts.values()]
    const commitments = contentCommitments([...state.commitments.values()], [...state.conflicting.values()], verdicts)
    const content = attestationFor(state.signed, commitments, verdicts, SIM_CHAIN_ID, SIM_REGISTRY)
    const msg = await signAttestation(content, SIM_CHAIN_ID, SIM_REGISTRY, this.#wallet)
    state.attestations.set(this.#address, msg)
    state.attestationDigests.set(this.#address, reportDigest(content, SIM_CHAIN_ID, SIM_REGISTRY))
    await this.gossip.publish('attestations', msg)
    this.#maybeReport(jobId, state)
  }

  /** A report is final here once a quorum attested to the content this member holds (deriveReport checks it all). */
  #maybeReport (jobId: Hex, state: JobState): void {
    if (this.#reported.has(jobId)) return
    const own = state.attestationDigests.get(this.#address)
    if (own === undefined) return
    const agreeing = [...state.attestations.values()].filter(a => state.attestationDigests.get(a.member) === own)
    const members = this.view.members
    if (agreeing.length < quorumThreshold(members.length)) return
    deriveReport({
      job: state.signed,
      commitments: [...state.commitments.values()],
      verdicts: [...state.verdicts.values()],
      attestations: agreeing.map(a => ({ member: a.member, signature: a.signature })),
      members,
      registrations: { [SIM_ENGINE]: members },
      faultDivisor: 3,
      chainId: SIM_CHAIN_ID,
      registry: SIM_REGISTRY
    })
    this.#reported.add(jobId)
    this.#events.reported(jobId)
  }
}
