/**
 * Which jobId list a node holds for an (epoch, root) (SPEC 15, SPEC 17 "Reports fetched from peers"). Only
 * the jobIds of a proposal are signed, not checked against its leaves, so a member can sign another list
 * under a root and its leaves, and a node holding that list asks for jobs nobody has. A second list under a
 * held root, gossiped or fetched from a peer, is counted and logged, and replaces the held one only when this
 * node proves more of its jobs against the leaves with reports it holds.
 */
import { provenJobs, sameList } from './proposal-check.ts'
import type { Logger } from 'pino'
import type { Hex } from '#protocol/messages.ts'
import type { Report } from '#protocol/report-format.ts'
import type { StoredAnchorProposal } from '../db/anchor-repository.ts'
import type { Repositories } from '../db/repositories.ts'

/** added: none was held; same: the held list; kept: another list, which proves no more; replaced: another list, now held */
export type ProposalOffer = 'added' | 'same' | 'kept' | 'replaced'

export interface ProposalOfferComponents {
  repos: Pick<Repositories, 'reports' | 'anchors'>
  logger: Logger
  /** virusmap_anchors_proposal_conflicts_total */
  conflicts?: { inc: () => void }
}

/** what this node holds for each of `jobIds`, in order */
export async function reportsOf (reports: Pick<Repositories['reports'], 'get'>, jobIds: readonly Hex[]): Promise<Array<Report | undefined>> {
  return await Promise.all(jobIds.map(async (id) => await reports.get(id)))
}

/** Stores `msg` as the proposal of its (epoch, root), or keeps the held one: see above. */
export async function offerProposal (msg: StoredAnchorProposal, c: ProposalOfferComponents): Promise<ProposalOffer> {
  const { anchors, reports } = c.repos
  if (await anchors.addProposal(msg)) return 'added'
  const held = await anchors.proposal(msg.epoch, msg.root)
  if (held === undefined || sameList(held.jobIds, msg.jobIds)) return 'same'
  const [mine, theirs] = [provenJobs(held, await reportsOf(reports, held.jobIds)), provenJobs(msg, await reportsOf(reports, msg.jobIds))]
  c.logger.warn({ epoch: msg.epoch, root: msg.root, held: held.proposer, other: msg.proposer, provenHeld: mine, provenOther: theirs }, 'two proposals list different jobs under one root')
  const replace = theirs > mine
  if (replace) await anchors.replaceProposal(msg)
  // counted once decided, so a reader of the metric sees the proposal this node now holds
  c.conflicts?.inc()
  return replace ? 'replaced' : 'kept'
}
