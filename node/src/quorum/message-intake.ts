import {
  GossipValidationError, validateAttestation, validateCommitment, validateComplaint, validateVerdict
} from '#protocol/index.ts'
import { createOrphanMessages, senderOf } from './orphan-messages.ts'
import type { JobBook, LiveJob } from './job-book.ts'
import type { Hex, SignedAttestation, SignedCommitment, SignedComplaint, SignedVerdict } from '#protocol/messages.ts'
import type { ValidationContext } from '#protocol/validation.ts'
import type { CheckedEvidence } from '#protocol/evidence.ts'
import type { Repositories } from '../db/repositories.ts'
import type { RegistryFollower } from '../chain/registry-follower.ts'
import type { Logger } from 'pino'

export type JobMessage = SignedCommitment | SignedVerdict | SignedAttestation | SignedComplaint

export interface MessageIntakeComponents {
  ctx: ValidationContext
  book: JobBook
  follower: Pick<RegistryFollower, 'isMemberAt' | 'followedBlock'>
  repos: Pick<Repositories, 'commitments' | 'verdicts' | 'attestations' | 'complaints'>
  logger: Logger
  now: () => number
  /** a member's two conflicting messages for one job: kept and gossiped (evidence-gossip.ts) */
  evidence(e: CheckedEvidence): void
  /** what the lifecycle does once a message changed a job */
  on: {
    commitment(live: LiveJob): void
    verdict(live: LiveJob): void
    attestation(live: LiveJob): void
    complaint(live: LiveJob): void
  }
}

export interface MessageIntake {
  /** a peer's message: validated (throws GossipValidationError for gossip to reject or ignore), kept, and handed on */
  receive(msg: JobMessage): void
  /** this node's own message: the same path, where an `ignore` is no error */
  apply(msg: JobMessage): void
  /** validates the messages that outran a job now known */
  replay(jobId: Hex): void
  /** a pair of conflicting commitments from the evidence topic (already checked): both are held for the job */
  conflicting(e: CheckedEvidence): void
}

/**
 * Every commitment, reveal, attestation and complaint passes here, from peers and from this node:
 * protocol validation, evidence of equivocation, reveals held until the commitments they need,
 * messages held until their job arrives, durable copies, then the lifecycle's hook.
 */
export function createMessageIntake (c: MessageIntakeComponents): MessageIntake {
  const { ctx, book, repos, logger, now } = c
  const orphans = createOrphanMessages()

  function persist (what: string, p: Promise<unknown>): void {
    p.catch((err) => { logger.error({ err, what }, 'persisting quorum state failed') })
  }

  function keepEvidence (kind: 'commitment' | 'verdict' | 'attestation', jobId: Hex, member: Hex, second: SignedCommitment | SignedVerdict | SignedAttestation): void {
    const live = book.get(jobId)
    const first = kind === 'commitment' ? live?.commitments.get(member) : kind === 'verdict' ? live?.verdicts.get(member)?.msg : live?.attestations.get(member)?.msg
    if (first == null) return
    c.evidence({ kind, member, jobId, first, second } as CheckedEvidence)
  }

  function onCommitment (msg: SignedCommitment): void {
    const { conflict } = validateCommitment(msg, ctx)
    const live = book.get(msg.commitment.jobId)
    if (live == null) return
    if (conflict) {
      live.conflicting.set(msg.commitment.member, msg)
      keepEvidence('commitment', live.jobId, msg.commitment.member, msg)
    } else {
      live.commitments.set(msg.commitment.member, msg)
      persist('commitment', repos.commitments.put(msg))
    }
    commitmentsChanged(live)
  }

  function commitmentsChanged (live: LiveJob): void {
    // reveals that waited for this commitment (or for every member's) can be taken now
    for (const held of live.held.splice(0)) {
      try { onVerdict(held) } catch { /* still early (held again), or invalid */ }
    }
    c.on.commitment(live)
  }

  function onVerdict (msg: SignedVerdict): void {
    const live = book.get(msg.verdict.jobId)
    let verdictHash: Hex
    try {
      verdictHash = validateVerdict(msg, ctx).verdictHash
    } catch (err) {
      if (err instanceof GossipValidationError) {
        if (err.code === 'COMMITMENT_MISMATCH' || err.code === 'EQUIVOCATION') keepEvidence('verdict', msg.verdict.jobId, msg.verdict.member, msg)
        // commitments and reveals race (an equivocator's other commitment too): hold it until the commitment arrives
        if (live != null && (err.code === 'EARLY_REVEAL' || err.code === 'NO_COMMITMENT' || err.code === 'COMMITMENT_MISMATCH')) book.hold(live.jobId, msg)
      }
      throw err
    }
    if (live == null) return
    live.verdicts.set(msg.verdict.member, { msg, verdictHash })
    persist('verdict', repos.verdicts.put(msg))
    c.on.verdict(live)
  }

  function onAttestation (msg: SignedAttestation): void {
    let digest: Hex
    try {
      digest = validateAttestation(msg, ctx).digest
    } catch (err) {
      if (err instanceof GossipValidationError && err.code === 'EQUIVOCATION') keepEvidence('attestation', msg.attestation.jobId, msg.member, msg)
      throw err
    }
    const live = book.get(msg.attestation.jobId)
    if (live == null) return
    live.attestations.set(msg.member, { msg, digest })
    persist('attestation', repos.attestations.put(msg))
    c.on.attestation(live)
  }

  function onComplaint (msg: SignedComplaint): void {
    validateComplaint(msg, ctx)
    const live = book.get(msg.complaint.jobId)
    if (live == null) return
    live.complaints.set(msg.complaint.member, msg)
    persist('complaint', repos.complaints.put(msg))
    logger.warn({ jobId: live.jobId, member: msg.complaint.member, reason: msg.complaint.reason, origin: live.signed.job.origin }, 'complaint against a job origin')
    c.on.complaint(live)
  }

  function handle (msg: JobMessage): void {
    if (msg.type === 'commitment') onCommitment(msg)
    else if (msg.type === 'verdict') onVerdict(msg)
    else if (msg.type === 'attestation') onAttestation(msg)
    else onComplaint(msg)
  }

  function apply (msg: JobMessage): void {
    try {
      handle(msg)
    } catch (err) {
      if (!(err instanceof GossipValidationError && err.action === 'ignore')) throw err
    }
  }

  return {
    receive (msg) {
      try {
        handle(msg)
      } catch (err) {
        // a message that outran its job is held if its sender is a member now, and validated once the job arrives
        if (err instanceof GossipValidationError && err.code === 'UNKNOWN_JOB' && c.follower.isMemberAt(senderOf(msg), c.follower.followedBlock)) orphans.hold(msg, now())
        throw err
      }
    },
    apply,
    conflicting (e) {
      const live = book.get(e.jobId)
      if (e.kind !== 'commitment' || live == null) return
      for (const msg of [e.first, e.second]) {
        const held = live.commitments.get(e.member)
        if (held === undefined) {
          live.commitments.set(e.member, msg)
          persist('commitment', repos.commitments.put(msg))
        } else if (held.commitment.commitment !== msg.commitment.commitment && !live.conflicting.has(e.member)) {
          live.conflicting.set(e.member, msg)
        }
      }
      commitmentsChanged(live)
    },
    replay (jobId) {
      for (const msg of orphans.take(jobId, now())) {
        try {
          apply(msg)
        } catch (err) {
          logger.debug({ err, jobId, type: msg.type }, 'held message refused once its job arrived')
        }
      }
    }
  }
}
