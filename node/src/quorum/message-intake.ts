import {
  GossipValidationError, isBehindOnJob, validateAttestation, validateCommitment, validateComplaint, validateVerdict
} from '#protocol/index.ts'
import { jobIdOf, senderOf } from '#protocol/job-messages.ts'
import type { JobBook, LiveJob } from './job-book.ts'
import type { JobWaiters } from './job-waiters.ts'
import type { Hex, SignedAttestation, SignedCommitment, SignedComplaint, SignedVerdict } from '#protocol/messages.ts'
import type { ValidationContext } from '#protocol/validation.ts'
import type { CheckedEvidence } from '#protocol/evidence.ts'
import type { Repositories } from '../db/repositories.ts'
import type { RegistryFollower } from '../chain/registry-follower.ts'
import type { JobMessage } from '#protocol/messages.ts'
import type { AbortOptions } from '@libp2p/interface'
import type { Logger } from 'pino'

export interface MessageIntakeComponents {
  ctx: ValidationContext
  book: JobBook
  /** wakes messages waiting on a job when it arrives or changes */
  waiters: JobWaiters
  follower: Pick<RegistryFollower, 'isMemberAt' | 'followedBlock'>
  repos: Pick<Repositories, 'commitments' | 'verdicts' | 'attestations' | 'complaints'>
  logger: Logger
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
  /**
   * a peer's message: validated (rejects with GossipValidationError for gossip to reject or ignore), kept,
   * and handed on; one that outran what it needs waits for it until `signal` aborts
   */
  receive(msg: JobMessage, options: AbortOptions): Promise<void>
  /** this node's own message: the same path, where an `ignore` is no error */
  apply(msg: JobMessage): void
  /** a pair of conflicting commitments from the evidence topic (already checked): both are held for the job */
  conflicting(e: CheckedEvidence): void
}

/**
 * Every commitment, reveal, attestation and complaint passes here, from peers and from this node:
 * protocol validation, evidence of equivocation, waiting for what a message outran, durable
 * copies, then the lifecycle's hook.
 */
export function createMessageIntake (c: MessageIntakeComponents): MessageIntake {
  const { ctx, book, repos, logger, waiters } = c

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
    // reveals waiting for this commitment (or for every member's) are validated again
    waiters.notify(live.jobId)
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
    async receive (msg, options) {
      for (;;) {
        try {
          handle(msg)
          return
        } catch (err) {
          // what a relay is merely behind on (SPEC section 6) it waits for: only what a node accepts is forwarded
          if (!isBehindOnJob(err) || options.signal?.aborted === true) throw err
          // only a member now may make a relay wait for a job it has not seen: anyone could name a job that never comes
          if (err.code === 'UNKNOWN_JOB' && !c.follower.isMemberAt(senderOf(msg), c.follower.followedBlock)) throw err
          await waiters.changed(jobIdOf(msg), options).catch(() => { throw err })
        }
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
    }
  }
}
