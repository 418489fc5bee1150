import { pollUntilAborted } from '../chain/poll-until-aborted.ts'
import { faultDivisorFrom, quorumThreshold } from '#protocol/index.ts'
import { DEFAULT_REWARD_PARAMS, INITIAL_REWARDS_STATE, signRewardsRoot, stateFromJson, stateToJson, validateRewardsSignature } from '#protocol/rewards/index.ts'
import { currentTurn } from '../anchors/anchor-turns.ts'
import { computeEpoch } from './epoch-compute.ts'
import { createInputsWatch } from './inputs-watch.ts'
import { createSignatureBook } from './signature-book.ts'
import { createEpochWait, DEFAULT_UNRECONCILED_AFTER_MS } from './epoch-wait.ts'
import { KEPT_REWARDS_STATES } from '../db/rewards-repository.ts'
import type { AbortOptions, Startable } from '@libp2p/interface'
import type { Signer } from 'ethers'
import type { Logger } from 'pino'
import type { Hex, RewardsSignature } from '#protocol/messages.ts'
import type { RewardParams, RewardsSignatureContext, RewardsState } from '#protocol/rewards/index.ts'
import type { RegistryFollower } from '../chain/registry-follower.ts'
import type { Repositories } from '../db/repositories.ts'
import type { StoredEpochRewards } from '../db/rewards-repository.ts'
import type { RewardsMetrics } from '../metrics/registry.ts'
import type { Gossip } from '../network/gossip.ts'
import type { DepositSource, RewardsChain, StakeSource } from './ports.ts'

/** the metric label of each refused or unconfirmed post */
const POST_RESULT = { ALREADY_POSTED: 'already-posted', ROOT_OPEN: 'root-open', NOT_MINED: 'not-mined' } as const

export interface RewardsServiceOptions {
  chainId: number
  registry: Hex
  /** how long each poster rank waits after the previous one, once a quorum is held and the chain takes a root */
  postTurnMs: number
  pollIntervalMs: number
  /** how often this member gossips its signature again while its epoch is not posted (peers that missed it) */
  resendMs?: number
  /**
   * what the chain does not set (SPEC 17): payDelayEpochs, the lists, and the value of any governed key
   * unset or out of range at the epoch's end block; every member must use the same (default: the protocol's)
   */
  params?: RewardParams
  /** epochs computed in one pass at most (a node catching up yields to its messages between passes) */
  maxEpochsPerTick?: number
  maxQueued?: number
  /** for how long after a reorg (and after start) each pass compares computed epochs' window anchors with those held (default 10 min) */
  reorgWatchMs?: number
  /** how long an epoch waits for the anchored list or reports only peers can supply before it is declared unreconciled (epoch-wait.ts; default 15 min) */
  unreconciledAfterMs?: number
}

export interface RewardsServiceComponents {
  self: Hex
  /** the operator key: signs RewardsRoots (the chain side posts with it too) */
  operator: Signer
  chain: RewardsChain
  /** each signed submitter's stake at the epoch's end block (caps and confirmations, SPEC 17) */
  stakes: StakeSource
  /** SubmissionDeposits' totals at the paid epoch's end block (rule 0); absent: the deployment has none */
  deposits?: DepositSource
  follower: Pick<RegistryFollower, 'followedBlock' | 'isMemberAt' | 'membersAt' | 'parameterAt' | 'onReorg'>
  gossip: Pick<Gossip, 'handle' | 'publish'>
  repos: Pick<Repositories, 'reports' | 'anchors' | 'rewards'>
  logger: Logger
  metrics?: RewardsMetrics
  now?: () => number
}

/** The rewards epoch process on one member (SPEC 17): compute each final epoch, sign its own root, collect a quorum, post at its turn. */
export interface RewardsService extends Startable {
  /** one pass: the chain's roots read, final epochs computed and signed, this node's turn to post taken (the poll loop runs it; tests may too) */
  tick(options?: AbortOptions): Promise<void>
}

export function createRewardsService (opts: RewardsServiceOptions, c: RewardsServiceComponents): RewardsService {
  const { chain, follower, gossip, repos, logger, metrics, self } = c
  const now = c.now ?? Date.now
  const base = opts.params ?? DEFAULT_REWARD_PARAMS
  const resendMs = opts.resendMs ?? 150_000
  const maxQueued = opts.maxQueued ?? 256
  let epochBlocks = 0
  let firstEpoch = 0
  let state: RewardsState = INITIAL_REWARDS_STATE
  /** the newest epoch with a root posted on chain (open or settled); -1: none */
  let postedThrough = -1
  /** a root is in its challenge period or frozen: no post until it settles */
  let blocked = false
  /** the newest root on chain (open, else settled): an epoch whose tree is the same pays nobody anything new */
  let chainRoot: Hex | undefined
  /** the head the roots were last read at: a pass at the same head reads them again only when told to (no block, no change) */
  let rootsReadAt: number | undefined
  /** when this node first held a quorum for the epoch with the chain taking roots: its poster turns count from then */
  const readySince = new Map<number, number>()
  const turnsTaken = new Map<number, number>()
  /** this member's own signatures of unposted epochs, and when it last gossiped each */
  const own = new Map<number, { msg: RewardsSignature, sentAt: number }>()
  const waits = createEpochWait({ afterMs: opts.unreconciledAfterMs ?? DEFAULT_UNRECONCILED_AFTER_MS }, { logger, now, ...(metrics === undefined ? {} : { metrics }) })
  const book = createSignatureBook({ self, repos, logger, ...(metrics === undefined ? {} : { metrics }) })
  let controller: AbortController | undefined
  let loop: Promise<void> | undefined
  let unsubscribe: (() => void) | undefined
  const watch = createInputsWatch(repos.anchors, { keep: KEPT_REWARDS_STATES, watchMs: opts.reorgWatchMs ?? 600_000, now })
  let queue: Promise<void> = Promise.resolve()
  let queued = 0

  const endBlock = (epoch: number): number => (epoch + 1) * epochBlocks - 1
  const ctx: RewardsSignatureContext = {
    chainId: opts.chainId,
    registry: opts.registry,
    // an epoch whose end block this node follows: a signature that arrives before this member computed is kept for then
    get latestPayable () { return Math.floor((follower.followedBlock + 1) / epochBlocks) - 1 },
    isPosted: (epoch) => epoch <= postedThrough || epoch < firstEpoch,
    isMemberAt: (member, epoch) => follower.isMemberAt(member, endBlock(epoch))
  }

  /** runs `task` after everything queued before it: ticks, messages and posts never race each other */
  async function serial<T> (task: () => Promise<T>): Promise<T> {
    const run = queue.then(task)
    queue = run.then(() => {}, () => {})
    return await run
  }

  function failed (what: string) {
    return (err: unknown): void => {
      if (controller?.signal.aborted !== true) logger.warn({ err, what }, 'rewards step failed; retried at the next pass')
    }
  }

  /** a gossip message's work, dropped when too much is waiting (its sender gossips it again) */
  function enqueue (msg: RewardsSignature): void {
    if (queued >= maxQueued) {
      metrics?.dropped.inc()
      return
    }
    queued++
    serial(async () => { await onSignature(msg, { signal: controller?.signal }) }).catch(failed(msg.type)).finally(() => { queued-- })
  }

  async function publishOwn (epoch: number): Promise<void> {
    const held = own.get(epoch)
    if (held === undefined) return
    held.sentAt = now()
    await gossip.publish('rewards', held.msg)
  }

  async function sign (record: StoredEpochRewards & { root: Hex }): Promise<void> {
    const root = { epoch: record.epoch, root: record.root, total: BigInt(record.total) }
    const signature = await signRewardsRoot(root, opts.chainId, opts.registry, c.operator)
    const msg: RewardsSignature = { type: 'rewards-signature', epoch: record.epoch, member: self, root: record.root, total: record.total, signature }
    await repos.rewards.replaceSignature(record.epoch, { member: self, root: record.root, total: record.total, signature })
    own.set(record.epoch, { msg, sentAt: 0 })
    metrics?.signed.inc()
    await publishOwn(record.epoch)
  }

  /** computes the next epoch when every report it reads is final here; false when it must wait */
  async function computeNext (options: AbortOptions): Promise<boolean> {
    const epoch = Math.max(state.epoch + 1, firstEpoch)
    const end = endBlock(epoch)
    if (follower.followedBlock < end) return false
    const computed = await computeEpoch(epoch, state, { epochBlocks, base, follower, repos, stakes: c.stakes, ...(c.deposits === undefined ? {} : { deposits: c.deposits }) }, options)
    if (!computed.ready) {
      // the chain holds a root for it or later: the quorum went on without this member
      waits.waiting(epoch, computed, postedThrough >= epoch)
      return false
    }
    waits.computed(epoch)
    const { record, unusable } = computed
    if (unusable.length > 0) logger.warn({ epoch, keys: unusable }, 'reward parameters out of range at the epoch\'s end block: the protocol\'s values used')
    await repos.rewards.putEpoch(record, stateToJson(computed.state))
    state = computed.state
    watch.record(epoch, record.anchors)
    metrics?.computedEpoch.set(epoch)
    logger.info({ epoch, paidEpoch: record.paidEpoch, root: record.root, total: record.total, paid: record.paid, reports: record.reports, items: record.items.length }, 'rewards epoch computed')
    await book.computed(record)
    // the same tree as the chain's newest root (nothing paid since): no signature, no post, no gas
    if (record.root !== undefined && record.root !== chainRoot && !ctx.isPosted(epoch) && follower.isMemberAt(self, end)) await sign(record as StoredEpochRewards & { root: Hex })
    return true
  }

  /** posts the newest signed epoch at this node's turn once a quorum of members signed the same root */
  async function postAtTurn (options: AbortOptions): Promise<void> {
    const epoch = Math.max(-1, ...own.keys())
    if (epoch < 0 || ctx.isPosted(epoch) || blocked) return
    const mine = (own.get(epoch) as { msg: RewardsSignature }).msg
    const end = endBlock(epoch)
    const members = follower.membersAt(end)
    const signatures = (await repos.rewards.signatures(epoch)).filter((s) => s.root === mine.root && s.total === mine.total)
    if (signatures.length < quorumThreshold(members.length, faultDivisorFrom(follower.parameterAt('quorumFaultDivisor', end)))) return
    const since = readySince.get(epoch) ?? now()
    readySince.set(epoch, since)
    const turn = currentTurn({ self, members, epoch, elapsedMs: now() - since, turnMs: opts.postTurnMs })
    if (turn === undefined || turnsTaken.get(epoch) === turn) return
    turnsTaken.set(epoch, turn)
    const result = await chain.post(epoch, mine.root, BigInt(mine.total), signatures.map((s) => s.signature), options)
    metrics?.posts.inc({ result: result.posted ? 'posted' : POST_RESULT[result.reason] })
    if (!result.posted && result.reason === 'NOT_MINED') {
      // the turn is not used up: the next pass reads the roots afresh and, still at this turn with no root posted, sends again
      turnsTaken.delete(epoch)
      rootsReadAt = undefined
      logger.warn({ epoch, root: mine.root }, 'rewards root transaction not mined within the receipt timeout: the roots are read again and it is sent again at this turn')
      return
    }
    logger.info({ epoch, root: mine.root, total: mine.total, signers: signatures.length, ...(result.posted ? { tx: result.tx, block: result.block } : { reason: result.reason }) }, 'rewards root posted')
    if (result.posted) await readRoots(options, true)
  }

  /** the chain's roots, read again when the head moved since the last read (roots change only in a block) or `fresh` */
  async function readRoots (options: AbortOptions, fresh = false): Promise<void> {
    const head = await chain.head(options)
    if (!fresh && head === rootsReadAt) return
    const roots = await chain.roots(options)
    rootsReadAt = head
    const posted = Math.max(roots.settled?.epoch ?? -1, roots.open?.epoch ?? -1)
    blocked = roots.open !== undefined && (roots.open.frozen || head < roots.open.claimableFrom)
    chainRoot = (roots.open ?? roots.settled)?.root
    if (posted > postedThrough) {
      postedThrough = posted
      // the posted epoch's signatures (this member's too) are kept until a newer root is posted: a reorg may take this one back
      await repos.rewards.forgetSignaturesThrough(posted - 1)
      for (const kept of [readySince, turnsTaken]) for (const e of kept.keys()) if (e <= posted) kept.delete(e)
      book.forget((e) => e <= posted)
      for (const e of own.keys()) if (e < posted) own.delete(e)
    } else if (posted < postedThrough) await postedRootTakenBack(posted)
  }

  /**
   * The chain's newest posted epoch went back: a reorg took a postRoot transaction back, one too shallow for
   * the registry follower to see (its anchors, members and parameters are unchanged, so nothing is recomputed).
   * The taken root's quorum is still held (kept until a newer root is posted), so the posters take turns on it
   * anew; this member also signs its newest computed epoch again and gossips it, for members that forgot it.
   */
  async function postedRootTakenBack (posted: number): Promise<void> {
    logger.warn({ was: postedThrough, now: posted }, 'a posted rewards root is no longer on chain: the newest epoch is signed and posted again')
    postedThrough = posted
    const newest = await repos.rewards.epoch(state.epoch)
    if (newest?.root !== undefined && newest.root !== chainRoot && !ctx.isPosted(newest.epoch) && follower.isMemberAt(self, endBlock(newest.epoch))) {
      await sign(newest as StoredEpochRewards & { root: Hex })
    }
  }

  /**
   * Forgets every epoch from `from` on and starts again from the state before it (from the first epoch when
   * that state is no longer kept): a reorg changed what they were computed from. Their signatures go too,
   * every member's, since each member signs the recomputed root again.
   */
  async function recomputeFrom (from: number, why: Record<string, unknown>): Promise<void> {
    if (from > state.epoch) return
    const kept = from - 1 < firstEpoch ? undefined : await repos.rewards.stateAt(from - 1)
    const start = kept === undefined ? firstEpoch : from
    await repos.rewards.forgetFrom(start, self)
    metrics?.recomputed.inc(state.epoch - start + 1)
    state = kept === undefined ? INITIAL_REWARDS_STATE : stateFromJson(kept)
    watch.forgetFrom(start)
    for (const held of [readySince, turnsTaken, own]) for (const e of held.keys()) if (e >= start) held.delete(e)
    waits.forgetFrom(start)
    // read from the chain again at the next pass: the reorg may have taken a posted root back too
    postedThrough = -1
    logger.warn({ ...why, from: start }, 'a reorg changed the inputs of computed rewards epochs: they are computed and signed again')
  }

  async function pass (options: AbortOptions): Promise<void> {
    const changed = await watch.firstChanged(options)
    if (changed !== undefined) await recomputeFrom(changed, { reason: 'anchors' })
    await readRoots(options)
    for (let i = 0; i < (opts.maxEpochsPerTick ?? 16); i++) if (!await computeNext(options)) break
    for (const [epoch, held] of own) if (now() - held.sentAt >= resendMs && !ctx.isPosted(epoch)) await publishOwn(epoch)
    await postAtTurn(options)
  }

  async function onSignature (msg: RewardsSignature, options: AbortOptions): Promise<void> {
    if (await book.offer(msg) && own.has(msg.epoch)) await postAtTurn(options)
  }

  return {
    async tick (options = {}) { await serial(async () => { await pass(options) }) },
    async start () {
      epochBlocks = await chain.epochBlocks()
      firstEpoch = await chain.firstEpoch()
      const stored = await repos.rewards.latestState()
      state = stored === undefined ? INITIAL_REWARDS_STATE : stateFromJson(stored)
      // this member's signatures of epochs not posted yet, gossiped again from the first pass
      for (let epoch = Math.max(firstEpoch, state.epoch - 64); epoch <= state.epoch; epoch++) {
        const mine = (await repos.rewards.signatures(epoch)).find((s) => s.member === self)
        if (mine !== undefined) own.set(epoch, { msg: { type: 'rewards-signature', epoch, ...mine }, sentAt: 0 })
      }
      const recent = await repos.rewards.epochs(KEPT_REWARDS_STATES)
      for (const record of recent.toReversed()) watch.record(record.epoch, record.anchors)
      // members, parameters and stakes are read at an epoch's end block: a reorg past it changes them
      watch.arm()
      unsubscribe = follower.onReorg(async ({ ancestorBlock }) => {
        watch.arm()
        // the roots are read again at the next pass, whatever the head: the reorg may have taken a posted root back
        rootsReadAt = undefined
        await serial(async () => { await recomputeFrom(Math.max(firstEpoch, Math.floor((ancestorBlock + 1) / epochBlocks)), { reason: 'end block', ancestorBlock }) })
      })
      gossip.handle('rewards', (msg) => {
        // validated here, inside gossipsub's validator and synchronously; the I/O waits in the queue
        validateRewardsSignature(msg, ctx)
        enqueue(msg)
      })
      controller = new AbortController()
      const { signal } = controller
      loop = pollUntilAborted(async () => { await serial(async () => { await pass({ signal }) }).catch(failed('tick')) }, opts.pollIntervalMs, signal)
    },
    async stop () {
      unsubscribe?.()
      controller?.abort()
      await loop
      await queue
    }
  }
}
