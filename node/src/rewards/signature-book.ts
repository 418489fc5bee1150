/**
 * The members' RewardsRoot signatures this member holds per unposted epoch (SPEC 17). A member's first
 * signature for an epoch is kept; a later one replaces it once it is this member's root too (a reorg: that
 * member recomputed before this one), and until this member has computed the epoch it is held back. A
 * signature of another root than this member computed is logged and counted, never signed along.
 */
import type { Logger } from 'pino'
import type { Hex, RewardsSignature } from '#protocol/messages.ts'
import type { Repositories } from '../db/repositories.ts'
import type { StoredEpochRewards, StoredRewardsSignature } from '../db/rewards-repository.ts'
import type { RewardsMetrics } from '../metrics/registry.ts'

export interface SignatureBook {
  /** a gossiped signature (validated); true when it is now held as its member's signature for the epoch */
  offer(msg: RewardsSignature): Promise<boolean>
  /** this member computed `record`: held-back signatures that agree with it replace their members' first, and any held that differ are logged */
  computed(record: StoredEpochRewards): Promise<void>
  /** the held-back signatures of the epochs `drop` names are forgotten */
  forget(drop: (epoch: number) => boolean): void
}

export interface SignatureBookComponents {
  self: Hex
  repos: Pick<Repositories, 'rewards'>
  logger: Logger
  metrics?: RewardsMetrics
}

const agrees = (theirs: StoredRewardsSignature, ours: StoredEpochRewards): boolean => theirs.root === ours.root && theirs.total === ours.total

export function createSignatureBook (c: SignatureBookComponents): SignatureBook {
  const { repos, logger, metrics } = c
  /** per unposted epoch, each member's latest signature its first one shut out */
  const later = new Map<number, Map<Hex, StoredRewardsSignature>>()

  function mismatch (epoch: number, theirs: StoredRewardsSignature, ours: StoredEpochRewards): void {
    if (agrees(theirs, ours)) return
    metrics?.rootMismatch.inc()
    logger.warn({ epoch, member: theirs.member, theirs: { root: theirs.root, total: theirs.total }, ours: { root: ours.root ?? null, total: ours.total, reports: ours.reports, paid: ours.paid } },
      'a member signed another rewards root than this member computed: not signed')
  }

  return {
    async offer (msg) {
      const theirs: StoredRewardsSignature = { member: msg.member, root: msg.root, total: msg.total, signature: msg.signature }
      const ours = await repos.rewards.epoch(msg.epoch)
      if (!await repos.rewards.addSignature(msg.epoch, theirs)) {
        if (ours === undefined || !agrees(theirs, ours)) {
          later.set(msg.epoch, (later.get(msg.epoch) ?? new Map<Hex, StoredRewardsSignature>()).set(msg.member, theirs))
          return false
        }
        await repos.rewards.replaceSignature(msg.epoch, theirs)
      }
      if (ours !== undefined) mismatch(msg.epoch, theirs, ours)
      return true
    },
    async computed (record) {
      for (const theirs of later.get(record.epoch)?.values() ?? []) if (agrees(theirs, record)) await repos.rewards.replaceSignature(record.epoch, theirs)
      later.delete(record.epoch)
      for (const theirs of await repos.rewards.signatures(record.epoch)) if (theirs.member !== c.self) mismatch(record.epoch, theirs, record)
    },
    forget (drop) {
      for (const epoch of later.keys()) if (drop(epoch)) later.delete(epoch)
    }
  }
}
