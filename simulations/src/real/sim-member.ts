import { randomBytes } from 'node:crypto'
import { pino } from 'pino'
import { createGossip } from '../../../node/src/network/gossip.ts'
import { quorumThreshold } from '#protocol/quorum.ts'
import { deriveReport } from '#protocol/report.ts'
import { attestationFor, computeCommitment, contentCommitments, signAttestation, signCommitment, signVerdict } from '#protocol/signing.ts'
import { reportDigest, scanJobId, verdictHash } from '#protocol/eip712.ts'
import { attestAt, DEFAULT_JOB_BOUNDS } from '#protocol/timing.ts'
import { isBehindOnJob, validateAttestation, validateCommitment, validateScanJob, validateVerdict } from '#protocol/validation.ts'
import { MemberView, newJobState, SIM_CHAIN_ID, SIM_ENGINE, SIM_REGISTRY, simBounds, waitBoundFor } from './member-view.ts'
import { createJobWaiters } from '../../../node/src/quorum/job-waiters.ts'
import { jobIdOf, senderOf } from '#protocol/job-messages.ts'
import type { SimLibp2p } from './memory-host.ts'
import type { Gossip } from '../../../node/src/network/gossip.ts'
import type { VirusmapLibp2p } from '../../../node/src/network/libp2p-node.ts'
import type { AbortOptions } from '@libp2p/interface'
import type { GossipMessage, Hex, SignedAttestation, SignedCommitment, SignedScanJob, SignedVerdict, TopicName, Verdict } from '#protocol/messages.ts'
import type { JobState } from './member-view.ts'
import type { Wallet } from 'ethers'

export interface MemberEvents {
  /** a message accepted (its first delivery here) */
  delivered(kind: GossipMessage['type'], key: string): void
  /** this member derived a final report for the job */
  reported(jobId: Hex): void
}

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
  readonly #waiters = createJobWaiters()
  readonly #revealed = new Set<Hex>()
  readonly #attested = new Set<Hex>()
  readonly #reported = new Set<Hex>()
  readonly #ownVerdicts = new Map<Hex, { verdict: Verdict, salt: Hex }>()
  readonly #timers = new Set<NodeJS.Timeout>()

  /** windowMs: the longest commit or reveal window of the run's jobs (member-view.ts simBounds) */
  constructor (host: SimLibp2p, wallet: Wallet, members: Hex[], engineMs: number, events: MemberEvents, windowMs = 20_000) {
    this.#wallet = wallet
    this.#address = wallet.address.toLowerCase() as Hex
    this.#engineMs = engineMs
    this.#events = events
    this.view = new MemberView(members, simBounds(windowMs))
    this.gossip = createGossip({ libp2p: host as unknown as VirusmapLibp2p, domain: { chainId: SIM_CHAIN_ID, registry: SIM_REGISTRY }, logger: pino({ level: 'silent' }), pending: { maxWaitMs: waitBoundFor(windowMs) } })
    this.gossip.handle('jobs', async (msg, _from, options) => { await this.#apply('jobs', msg, options) })
    this.gossip.handle('commits', async (msg, _from, options) => { await this.#apply('commits', msg, options) })
    this.gossip.handle('verdicts', async (msg, _from, options) => { await this.#apply('verdicts', msg, options) })
    this.gossip.handle('attestations', async (msg, _from, options) => { await this.#apply('attestations', msg, options) })
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

  /**
   * Validates and takes the message, as the node's message intake does: when this member is only behind
   * (the protocol's isBehindOnJob, SPEC section 6: the job, the commitment a reveal opens, the reveal
   * window; a job waits for its membership block in the node only, here every member follows one) it waits for its job to change or the clock to move (job-waiters.ts), until gossip's signal
   * ends the wait (its bound on waiting validations), and the last answer stands.
   */
  async #apply (topic: TopicName, msg: GossipMessage, options: AbortOptions): Promise<void> {
    for (;;) {
      try {
        this.#applyOnce(topic, msg)
        return
      } catch (err) {
        if (!isBehindOnJob(err) || options.signal?.aborted === true || msg.type === 'scan-job') throw err
        const jobMsg = msg as SignedCommitment | SignedVerdict | SignedAttestation
        // only a member may make a relay wait for a job it has not seen: anyone could name a job that never comes
        if (err.code === 'UNKNOWN_JOB' && !this.view.members.includes(senderOf(jobMsg))) throw err
        await this.#waiters.changed(jobIdOf(jobMsg), options).catch(() => { throw err })
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
      this.#waiters.notify(jobId)
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
    this.#waiters.notify(jobId)
    // the stand-in engine, then the commitment (SPEC: a member scans before it commits)
    this.#later(this.#engineMs, async () => { await this.#commit(jobId, signed) })
    // the slow paths, at the node's times (coordinator.ts): reveal once the commit window closed even
    // if a commitment never arrived, attest once the reveal window closed even if a verdict never did
    this.#later(Math.max(0, signed.job.commitDeadline + DEFAULT_JOB_BOUNDS.clockSkewMs - Date.now()), async () => { await this.#reveal(jobId) })
    this.#later(Math.max(0, attestAt(signed.job, DEFAULT_JOB_BOUNDS) - Date.now()), async () => { this.#attestOnce(jobId, this.#state(jobId)) })
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
    this.#waiters.notify(jobId)
    await this.gossip.publish('commits', commit)
    this.#maybeReveal(jobId, state)
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
  }

  /**
   * The node's early attestation (coordinator.ts, SPEC section 7): nothing more can change what this
   * member attests to once every member revealed, or, after the commit window, every member that committed.
   */
  #maybeAttest (jobId: Hex, state: JobState): void {
    const all = state.verdicts.size >= this.view.members.length
    const committedRevealed = Date.now() > state.signed.job.commitDeadline && [...state.commitments.keys()].every(m => state.verdicts.has(m))
    if (all || committedRevealed) this.#attestOnce(jobId, state)
  }

  #attestOnce (jobId: Hex, state: JobState): void {
    if (this.#attested.has(jobId)) return
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
