/**
 * Fills in the anchored reports this member lacks, and the proposals of anchored epochs it never received
 * (SPEC 17, "Reports fetched from peers"). A member that was down, partitioned or restarted during a job
 * never assembles its report (nor, down when the epoch was proposed, its proposal), and an epoch's rewards
 * wait for every report anchored in their window (epoch-inputs.ts): without this they would wait for
 * ever. Each pass reads the anchored epochs whose proposal or listed jobs are missing here, asks peers for
 * each (report-fetcher.ts) and stores what passes the checks; what no peer served is retried with backoff,
 * and the held proposal's list is checked against every peer's (a lying peer may have served a forged one).
 * The anchor service then matches the root and records each stored report's proof at its next pass, and
 * the epoch proceeds.
 */
import { pollUntilAborted } from '../chain/poll-until-aborted.ts'
import { sameList } from '../anchors/proposal-check.ts'
import { offerProposal, reportsOf } from '../anchors/proposal-offer.ts'
import { signerTurns } from './list-turns.ts'
import type { ReportFetcher } from './report-fetcher.ts'
import type { AbortOptions, Startable } from '@libp2p/interface'
import type { Logger } from 'pino'
import type { AnchorProposal, Hex } from '#protocol/messages.ts'
import type { AnchoredEpoch, StoredAnchorProposal } from '../db/anchor-repository.ts'
import type { Repositories } from '../db/repositories.ts'

export interface ReportFetchServiceOptions {
  pollIntervalMs: number
  /** the first retry of a job no peer served waits this long, doubling each time up to retryMaxMs (defaults 5 s, 10 min) */
  retryBaseMs?: number
  retryMaxMs?: number
  /** jobs asked for in one pass at most (default 32) */
  maxJobsPerPass?: number
  /**
   * the newest anchored epochs looked at each pass, and as many from the oldest one not complete here (default
   * 64): a member down longer than that still completes its oldest epochs, which its rewards wait for in order
   */
  lookbackEpochs?: number
}

interface Wait { attempts: number, at: number }

export interface ReportFetchServiceComponents {
  fetcher: Pick<ReportFetcher, 'fetch'> & Partial<Pick<ReportFetcher, 'fetchProposal' | 'fetchProposals'>>
  /** ReportAnchors' epochBlocks (a fetched proposal is checked as a gossiped one); absent: proposals are not fetched */
  epochBlocks?: (options?: AbortOptions) => Promise<number>
  repos: Pick<Repositories, 'reports' | 'anchors'>
  logger: Logger
  /** virusmap_anchors_proposal_conflicts_total: a fetched list that differs from the one held */
  conflicts?: { inc: () => void }
  now?: () => number
}

export interface ReportFetchService extends Startable {
  /** one pass; the number of reports and proposals fetched and stored (the poll loop runs it; tests may too) */
  tick(options?: AbortOptions): Promise<number>
}

/** matched to its jobs with none missing: nothing to fetch */
const complete = (epoch: AnchoredEpoch): boolean => epoch.jobIds !== undefined && (epoch.missing?.length ?? 0) === 0

export function createReportFetchService (opts: ReportFetchServiceOptions, c: ReportFetchServiceComponents): ReportFetchService {
  const { repos, fetcher, logger } = c
  const now = c.now ?? Date.now
  const base = opts.retryBaseMs ?? 5000
  const maxWait = opts.retryMaxMs ?? 600_000
  const perPass = opts.maxJobsPerPass ?? 32
  /** jobs (and `proposal:<epoch>` for proposals) no peer served yet: attempts and when to ask again */
  let retries = new Map<string, Wait>()
  let epochBlocks: number | undefined
  let controller: AbortController | undefined
  let loop: Promise<void> | undefined
  let queue: Promise<void> = Promise.resolve()
  /** every anchored epoch up to this one was complete here (matched, nothing missing) when last read */
  let completeThrough = -1
  /** reconsider passes so far: rotates a signer's lists that tie (list-turns.ts) */
  let rounds = 0

  /** one pass's bookkeeping: what was asked, stored, and the waits carried to the next pass */
  interface Pass { asked: number, stored: number, kept: Map<string, Wait> }

  /** how many of a list's jobs this node holds */
  const heldCount = async (list: Pick<AnchorProposal, 'jobIds'>): Promise<number> => (await reportsOf(repos.reports, list.jobIds)).filter((r) => r !== undefined).length

  /** whether `key` may be asked for now: 'due', or held back by the pass's bound or its backoff (a held-back wait is carried) */
  function due (key: string, p: Pass): 'due' | 'budget' | 'backoff' {
    const wait = retries.get(key)
    const backingOff = wait !== undefined && wait.at > now()
    if (p.asked < perPass && !backingOff) return 'due'
    if (wait !== undefined) p.kept.set(key, wait)
    return backingOff ? 'backoff' : 'budget'
  }

  function backOff (key: string, p: Pass): number {
    const attempts = (retries.get(key)?.attempts ?? 0) + 1
    p.kept.set(key, { attempts, at: now() + Math.min(maxWait, base * 2 ** (attempts - 1)) })
    return attempts
  }

  /** an anchored epoch whose proposal never reached this member: its jobs are unknown until a peer serves it */
  async function fetchProposal (epoch: AnchoredEpoch, p: Pass, options: AbortOptions): Promise<void> {
    const key = `proposal:${epoch.epoch}`
    if (fetcher.fetchProposal === undefined || c.epochBlocks === undefined || due(key, p) !== 'due') return
    p.asked++
    epochBlocks ??= await c.epochBlocks(options)
    const proposal = await fetcher.fetchProposal({ epoch: epoch.epoch, root: epoch.root }, epochBlocks, options)
    // the anchor service matches the root to it at its next pass; its missing reports are fetched after
    if (proposal !== undefined && await repos.anchors.addProposal(proposal)) {
      p.stored++
      return
    }
    logger.info({ epoch: epoch.epoch, root: epoch.root, attempts: backOff(key, p) }, 'no peer served an anchored epoch\'s proposal; retried later')
  }

  /** held: this node holds the job's report now (held before, or fetched and stored); unserved: asked, no peer served it; else not asked */
  async function fetchReport (epoch: AnchoredEpoch, jobId: Hex, leaves: ReadonlySet<string>, p: Pass, options: AbortOptions): Promise<'held' | 'unserved' | 'budget' | 'backoff'> {
    // gossip may have brought it since: the anchor service records it at its next pass
    if (await repos.reports.get(jobId) !== undefined) return 'held'
    const asking = due(jobId, p)
    if (asking !== 'due') return asking
    p.asked++
    const report = await fetcher.fetch({ epoch: epoch.epoch, jobId, leaves }, options)
    // false: this node withdrew the job's report (a reorg took its membership away); it stays out, asked again after the backoff
    if (report !== undefined && await repos.reports.put(report)) {
      p.stored++
      return 'held'
    }
    const attempts = backOff(jobId, p)
    logger.info({ epoch: epoch.epoch, jobId, attempts, withdrawnHere: report !== undefined }, report === undefined ? 'no peer served an anchored report this member lacks; retried later' : 'a fetched report this node withdrew is not stored; retried later')
    return 'unserved'
  }

  /**
   * A held proposal lists a job no peer served: its list may be a forgery under the anchored root and leaves,
   * served first by a lying peer (SPEC 17). Every peer is asked for the root's proposal; each other list's
   * reports are fetched and it replaces the held one once they prove more of its jobs (proposal-offer.ts), so
   * the anchor service matches the root again at its next pass. The lists take turns per signing member, a job
   * each (list-turns.ts): a signer whose list has a job no peer serves waits until every other signer's list is
   * done, then its next list takes turns on what is left of the pass's bound; a list whose next job is backing
   * off (no peer served it lately) gives its signer's turn to the signer's next list for free. So sybil hosts
   * serving a liar's lists take at most one ask a pass per lying member from the other signers' lists. Asked
   * again with backoff while none replaces the held list.
   */
  async function reconsider (epoch: AnchoredEpoch, held: StoredAnchorProposal, p: Pass, options: AbortOptions): Promise<boolean> {
    const key = `list:${epoch.epoch}`
    if (fetcher.fetchProposals === undefined || c.epochBlocks === undefined || due(key, p) !== 'due') return false
    p.asked++
    epochBlocks ??= await c.epochBlocks(options)
    const others = (await fetcher.fetchProposals({ epoch: epoch.epoch, root: epoch.root }, epochBlocks, options)).filter((o) => !sameList(o.jobIds, held.jobIds))
    const heldHere = new Map<AnchorProposal, number>()
    for (const other of others) heldHere.set(other, await heldCount(other))
    let turns = signerTurns(others, (list) => heldHere.get(list) ?? 0, rounds++, held.proposer).map((turn) => ({ ...turn, next: 0 }))
    const leavesOf = new Map(others.map((o) => [o, new Set(o.leaves.map((l) => l.toLowerCase()))]))
    /** signers whose list had a job no peer serves: their next lists take turns on what the others leave of the bound */
    let later: typeof turns = []
    let spent = false
    while (!spent && (turns.length > 0 || later.length > 0)) {
      if (turns.length === 0) {
        turns = later.map((turn) => ({ ...turn, lists: turn.lists.slice(1), next: 0 })).filter((turn) => turn.lists.length > 0)
        later = []
        continue
      }
      const going: typeof turns = []
      for (const turn of turns) {
        const list = turn.lists[0] as AnchorProposal
        const jobId = list.jobIds[turn.next]
        // every job of the list held: this signer is done
        if (jobId === undefined) continue
        const got = await fetchReport(epoch, jobId, leavesOf.get(list) as Set<string>, p, options)
        // the pass's bound is spent: the lists are offered on what was fetched, the rest waits for the next pass
        if (got === 'budget') {
          spent = true
          break
        }
        if (got === 'unserved') later.push(turn)
        else if (got === 'held') {
          turn.next++
          going.push(turn)
        } else {
          // backing off: no peer served that job lately, the signer's next list takes the turn for free
          turn.lists.shift()
          turn.next = 0
          if (turn.lists.length > 0) going.push(turn)
        }
      }
      turns = going
    }
    let replaced = false
    // each offered against the list held then: the one the most fetched reports prove is kept (a list of none held cannot be)
    for (const other of others) if (await heldCount(other) > 0 && await offerProposal(other, { repos, logger, ...(c.conflicts === undefined ? {} : { conflicts: c.conflicts }) }) === 'replaced') replaced = true
    if (replaced) p.stored++
    else logger.info({ epoch: epoch.epoch, root: epoch.root, lists: others.length, attempts: backOff(key, p) }, 'no other list under an anchored root proves more of its jobs here; asked again later')
    return replaced
  }

  async function pass (options: AbortOptions): Promise<number> {
    const p: Pass = { asked: 0, stored: 0, kept: new Map() }
    const lookback = opts.lookbackEpochs ?? 64
    const oldest = await repos.anchors.epochsFrom(completeThrough + 1, lookback)
    for (const epoch of oldest) {
      if (!complete(epoch)) break
      completeThrough = epoch.epoch
    }
    const newest = await repos.anchors.epochs(lookback)
    const seen = new Set<number>()
    for (const epoch of [...oldest, ...newest]) {
      options.signal?.throwIfAborted()
      // a complete epoch needs nothing: no proposal read for it every pass
      if (complete(epoch) || seen.has(epoch.epoch)) continue
      seen.add(epoch.epoch)
      const proposal = await repos.anchors.proposal(epoch.epoch, epoch.root)
      if (epoch.jobIds === undefined && proposal === undefined) await fetchProposal(epoch, p, options)
      // not matched to the held list yet (it replaced another): the anchor service matches it at its next pass
      if ((epoch.missing?.length ?? 0) === 0 || proposal === undefined || !sameList(epoch.jobIds ?? [], proposal.jobIds)) continue
      // a listed job no peer served at an earlier pass: the other lists first, so the held list's jobs cannot spend the pass
      if (epoch.missing?.some((jobId) => (retries.get(jobId)?.attempts ?? 0) > 0) === true && await reconsider(epoch, proposal, p, options)) continue
      const leaves = new Set(proposal.leaves.map((l) => l.toLowerCase()))
      for (const jobId of epoch.missing ?? []) await fetchReport(epoch, jobId, leaves, p, options)
    }
    retries = p.kept
    return p.stored
  }

  /** one pass at a time: the loop and a test's tick never run two */
  async function tick (options: AbortOptions = {}): Promise<number> {
    const run = queue.then(async () => await pass(options))
    queue = run.then(() => {}, () => {})
    return await run
  }

  return {
    tick,
    async start () {
      controller = new AbortController()
      const { signal } = controller
      loop = pollUntilAborted(async () => {
        await tick({ signal }).catch((err: unknown) => {
          if (!signal.aborted) logger.warn({ err }, 'report fetch pass failed; retried at the next pass')
        })
      }, opts.pollIntervalMs, signal)
    },
    async stop () {
      controller?.abort()
      await loop
    }
  }
}
