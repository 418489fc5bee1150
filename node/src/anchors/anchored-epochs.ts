/**
 * What this node holds of the epochs anchored on chain (SPEC 15): ReportAnchors' EpochAnchored events, read
 * once buried under `confirmations`, and each anchored root matched to the proposal that built it, with the
 * proof of every listed job whose report this node holds. An epoch with no proposal yet, or a report
 * missing, is matched again at later passes; a reorg the registry follower sees takes anchors back.
 */
import { anchorLeafHash, leavesProver } from '#protocol/index.ts'
import { sameList } from './proposal-check.ts'
import { reportsOf } from './proposal-offer.ts'
import type { AnchorChain } from './ports.ts'
import type { AbortOptions } from '@libp2p/interface'
import type { Logger } from 'pino'
import type { Hex } from '#protocol/messages.ts'
import type { Repositories } from '../db/repositories.ts'
import type { AnchorMetrics } from '../metrics/registry.ts'

export interface AnchoredEpochsOptions {
  /** blocks an EpochAnchored event must be buried under before it is recorded */
  confirmations: number
  /** the deployment block: EpochAnchored events are read from here */
  fromBlock: number
}

export interface AnchoredEpochsComponents {
  chain: Pick<AnchorChain, 'events'>
  repos: Pick<Repositories, 'reports' | 'anchors'>
  logger: Logger
  metrics?: Pick<AnchorMetrics, 'anchoredEpoch'>
}

export interface AnchoredEpochs {
  /** recorded anchored: what the validators read synchronously */
  has(epoch: number): boolean
  /** the anchored epochs recorded before a restart */
  load(): Promise<void>
  /** the events buried under `head`, recorded; the epochs they anchored */
  read(head: number, options?: AbortOptions): Promise<number[]>
  /** every anchored epoch not matched yet (or with reports missing) matched to its proposal */
  match(): Promise<void>
  /** the epoch's proposal was replaced by another list: it is matched again */
  rematch(epoch: number): void
  /** a reorg back to `ancestorBlock`: the anchors it took back are forgotten and read again; those epochs */
  forgetAfter(ancestorBlock: number): Promise<number[]>
}

const LOG_CHUNK = 2000

export function createAnchoredEpochs (opts: AnchoredEpochsOptions, c: AnchoredEpochsComponents): AnchoredEpochs {
  const { repos, logger, metrics } = c
  const anchored = new Set<number>()
  /** anchored epochs whose jobs are not matched to leaves yet (proposal or a report missing so far) */
  const unassigned = new Set<number>()
  let newestAnchored = -1

  /**
   * Matches an anchored root to the proposal that built it and records the proof of each listed job
   * whose report this node holds, from the proposal's leaves (which the validator checked build the
   * root), so one report this node missed leaves the others provable; the missing ones are retried.
   */
  async function assign (epoch: number): Promise<void> {
    const record = await repos.anchors.epoch(epoch)
    const proposal = record === undefined ? undefined : await repos.anchors.proposal(epoch, record.root)
    // matched to another list before (a conflicting proposal replaced it): matched again from the start
    const waiting = record?.jobIds === undefined || (proposal !== undefined && !sameList(record.jobIds, proposal.jobIds)) ? undefined : record.missing ?? []
    if (record === undefined || waiting?.length === 0) {
      unassigned.delete(epoch)
      return
    }
    if (proposal === undefined) return
    const jobIds = waiting ?? proposal.jobIds
    const proofs: Array<{ jobId: Hex, proof: Hex[] }> = []
    const missing: Hex[] = []
    const prove = leavesProver(proposal.leaves)
    for (const [i, report] of (await reportsOf(repos.reports, jobIds)).entries()) {
      const jobId = jobIds[i] as Hex
      const [leaf] = report === undefined ? [] : repos.reports.leavesOf([report])
      const proof = leaf === undefined ? undefined : prove(anchorLeafHash(leaf))
      if (proof !== undefined) proofs.push({ jobId, proof })
      else if (report === undefined) missing.push(jobId)
      else logger.error({ epoch, jobId, root: record.root }, 'this node\'s final report of an anchored job is not the anchored leaf')
    }
    await repos.anchors.assignJobs(epoch, proposal.jobIds, proofs, missing)
    if (missing.length === 0) unassigned.delete(epoch)
    logger.info({ epoch, root: record.root, leafCount: record.leafCount, proven: proofs.length, missing: missing.length }, 'anchored reports recorded')
  }

  return {
    has: (epoch) => anchored.has(epoch),
    async load () {
      for (const epoch of await repos.anchors.epochs(1024)) {
        anchored.add(epoch.epoch)
        if (epoch.jobIds === undefined || (epoch.missing?.length ?? 0) > 0) unassigned.add(epoch.epoch)
      }
    },
    async read (head, options = {}) {
      const newly: number[] = []
      const to = head - opts.confirmations
      let from = (await repos.anchors.eventsReadTo() ?? opts.fromBlock - 1) + 1
      while (from <= to) {
        const end = Math.min(to, from + LOG_CHUNK - 1)
        for (const e of await c.chain.events(from, end, options)) {
          await repos.anchors.recordAnchored({ epoch: e.epoch, root: e.root, leafCount: e.leafCount, block: e.block, tx: e.tx, submitter: e.submitter })
          anchored.add(e.epoch)
          unassigned.add(e.epoch)
          newly.push(e.epoch)
          newestAnchored = Math.max(newestAnchored, e.epoch)
          metrics?.anchoredEpoch.set(newestAnchored)
        }
        await repos.anchors.setEventsReadTo(end)
        from = end + 1
      }
      return newly
    },
    async match () {
      for (const epoch of unassigned) await assign(epoch)
    },
    rematch (epoch) {
      if (anchored.has(epoch)) unassigned.add(epoch)
    },
    async forgetAfter (ancestorBlock) {
      const forgotten = await repos.anchors.forgetAnchoredAfter(ancestorBlock)
      for (const epoch of forgotten) {
        anchored.delete(epoch)
        unassigned.delete(epoch)
      }
      return forgotten
    }
  }
}
