import { turnOrder } from '../chain/turn-order.ts'
import type { EvidenceChain } from './evidence-chain.ts'
import type { AbortOptions, Startable } from '@libp2p/interface'
import type { Logger } from 'pino'
import type { Counter } from 'prom-client'
import type { CheckedEvidence } from '#protocol/evidence.ts'
import type { Hex } from '#protocol/messages.ts'
import type { RegistryFollower } from '../chain/registry-follower.ts'
import type { EvidenceRepository } from '../db/evidence-repository.ts'

/** pairs waiting for their turn: an equivocator yields one per job, and one proof removes it */
const MAX_PENDING = 256
/** (member, job) pairs settled here; past this the memory is dropped, and the chain is asked again */
const MAX_DONE = 4096

export interface EvidenceProverOptions {
  /** how long each member waits after the one before it in the turn order (SPEC 16) */
  turnMs: number
}

export interface EvidenceProverComponents {
  chain: EvidenceChain
  follower: Pick<RegistryFollower, 'isMemberAt' | 'membersAt' | 'followedBlock'>
  /** this node's operator address, lowercase */
  self: Hex
  logger: Logger
  /** the pairs kept before a restart, offered again on start */
  evidence?: Pick<EvidenceRepository, 'members' | 'listByMember'>
  /** `virusmap_evidence_proofs_total{outcome}` */
  proofs?: Counter<'outcome'>
}

export interface EvidenceProver extends Startable {
  /** a checked pair this node holds: proven on chain in this node's turn, unless proven or removed before */
  offer(evidence: CheckedEvidence): void
}

/**
 * This node's place in the order the members prove a pair in: the members at the followed block but the
 * accused, ordered by keccak256(jobId ‖ member), so the order differs per job and no member always pays
 * the gas or always takes the reporter's share. Undefined when this node is not among them.
 */
export function proverRank (jobId: Hex, accused: Hex, members: readonly Hex[], self: Hex): number | undefined {
  const order = turnOrder(jobId, members.filter((m) => m.toLowerCase() !== accused.toLowerCase()))
  const rank = order.indexOf(self.toLowerCase() as Hex)
  return rank < 0 ? undefined : rank
}

/**
 * Every member proves the equivocation it holds evidence of, in turns (SPEC 16): at rank r it waits
 * r × turnMs, then sends the pair unless the chain has it proven or the accused is no longer a member.
 * The proof slashes and removes the accused, so jobs made after it no longer count it: one faulty member
 * cannot keep failing jobs. A failed send is tried once more after a full round of turns.
 */
export function createEvidenceProver (options: EvidenceProverOptions, c: EvidenceProverComponents): EvidenceProver {
  const { chain, follower, self, logger } = c
  const pending = new Map<string, ReturnType<typeof setTimeout>>()
  const done = new Set<string>()
  let controller: AbortController | undefined

  const settle = (key: string): void => {
    if (done.size >= MAX_DONE) done.clear()
    done.add(key)
  }
  const stillMember = (member: Hex): boolean => follower.isMemberAt(member, follower.followedBlock)

  async function attempt (e: CheckedEvidence, opts: AbortOptions): Promise<'proven' | 'already' | 'removed'> {
    if (!stillMember(e.member)) return 'removed'
    if (await chain.proven(e.member, e.jobId, opts)) return 'already'
    const { tx, block } = await chain.prove(e, opts)
    logger.warn({ member: e.member, jobId: e.jobId, kind: e.kind, tx, block }, 'equivocation proven on chain; the member is slashed and removed')
    return 'proven'
  }

  /** `retryAfterMs`: when a failed send is tried again (a full round of turns), once */
  function schedule (key: string, e: CheckedEvidence, delayMs: number, retryAfterMs?: number): void {
    const timer = setTimeout(() => {
      const signal = controller?.signal
      if (signal === undefined || signal.aborted) return
      attempt(e, { signal }).then((outcome) => {
        pending.delete(key)
        settle(key)
        c.proofs?.inc({ outcome })
      }).catch((err: unknown) => {
        pending.delete(key)
        if (signal.aborted) return
        c.proofs?.inc({ outcome: 'failed' })
        logger.warn({ err, member: e.member, jobId: e.jobId, retryAfterMs }, 'proving equivocation failed')
        if (retryAfterMs === undefined) settle(key)
        else schedule(key, e, retryAfterMs)
      })
    }, delayMs)
    timer.unref?.()
    pending.set(key, timer)
  }

  const prover: EvidenceProver = {
    offer (e) {
      const key = `${e.member}/${e.jobId}`
      if (controller === undefined || pending.has(key) || done.has(key) || pending.size >= MAX_PENDING) return
      const members = follower.membersAt(follower.followedBlock)
      const rank = proverRank(e.jobId, e.member, members, self)
      if (rank === undefined || !stillMember(e.member)) return
      schedule(key, e, rank * options.turnMs, members.length * options.turnMs)
    },
    start () {
      controller = new AbortController()
      const { signal } = controller
      reoffer(signal).catch((err: unknown) => { if (!signal.aborted) logger.warn({ err }, 'reading kept evidence failed') })
    },
    stop () {
      controller?.abort()
      controller = undefined
      for (const timer of pending.values()) clearTimeout(timer)
      pending.clear()
    }
  }

  async function reoffer (signal: AbortSignal): Promise<void> {
    if (c.evidence === undefined) return
    for (const member of await c.evidence.members(MAX_PENDING)) {
      if (signal.aborted) return
      if (!stillMember(member)) continue
      for (const e of await c.evidence.listByMember(member)) prover.offer(e as CheckedEvidence)
    }
  }

  return prover
}
