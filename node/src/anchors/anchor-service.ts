import { pollUntilAborted } from '../chain/poll-until-aborted.ts'
import {
  epochTree, GossipValidationError, faultDivisorFrom, maxJobAgeBlocksFrom, quorumThreshold, signAnchorProposal, signEpochRoot, treeLeaves, validateAnchorProposal, validateAnchorSignature
} from '#protocol/index.ts'
import { currentTurn, selectEligible } from './anchor-turns.ts'
import { createAnchoredEpochs } from './anchored-epochs.ts'
import { checkProposal } from './proposal-check.ts'
import { offerProposal, reportsOf } from './proposal-offer.ts'
import type { AnchorChain } from './ports.ts'
import type { AbortOptions, Startable } from '@libp2p/interface'
import type { Signer } from 'ethers'
import type { Logger } from 'pino'
import type { AnchorProposal, AnchorSignature, Hex } from '#protocol/messages.ts'
import type { AnchorValidationContext } from '#protocol/validation.ts'
import type { RegistryFollower } from '../chain/registry-follower.ts'
import type { Repositories } from '../db/repositories.ts'
import type { AnchorMetrics } from '../metrics/registry.ts'
import type { Gossip } from '../network/gossip.ts'

export interface AnchorServiceOptions {
  chainId: number
  registry: Hex
  /** how long each proposer rank waits after the previous one (SPEC 15: 30 s; devnet 5 s) */
  anchorTurnMs: number
  pollIntervalMs: number
  /** blocks an EpochAnchored event must be buried under before it is recorded */
  confirmations: number
  /** the deployment block: EpochAnchored events are read from here */
  fromBlock: number
  /** ended epochs whose roots with a quorum are still posted (only the latest is proposed; older ones' reports stay eligible for later epochs) */
  lookbackEpochs?: number
  /** most gossip messages waiting to be processed; more are dropped (their senders send again at their next turn) */
  maxQueued?: number
}

export interface AnchorServiceComponents {
  self: Hex
  /** the operator key: signs EpochRoots and proposals (the chain side sends with it too) */
  operator: Signer
  chain: AnchorChain
  follower: Pick<RegistryFollower, 'followedBlock' | 'isMemberAt' | 'membersAt' | 'parameterAt' | 'onReorg' | 'waitFor'>
  gossip: Pick<Gossip, 'handle' | 'publish'>
  repos: Pick<Repositories, 'reports' | 'anchors'>
  logger: Logger
  metrics?: AnchorMetrics
  now?: () => number
}

/** The epoch anchors on one supernode (SPEC 15): propose at its turn, sign what it can check, post a quorum, record what is anchored. */
export interface AnchorService extends Startable {
  /** one pass: events recorded, this node's turns taken (the poll loop runs it; tests may too) */
  tick(options?: AbortOptions): Promise<void>
}

export function createAnchorService (opts: AnchorServiceOptions, c: AnchorServiceComponents): AnchorService {
  const { chain, follower, gossip, repos, logger, metrics, self } = c
  const now = c.now ?? Date.now
  const lookback = opts.lookbackEpochs ?? 4
  const maxQueued = opts.maxQueued ?? 256
  let epochBlocks = 0
  const anchored = createAnchoredEpochs(opts, { chain, repos, logger, ...(metrics === undefined ? {} : { metrics }) })
  /** the last turn this node took per epoch, so a turn is taken once */
  const turnsTaken = new Map<number, number>()
  /** when this node first saw each epoch over, on its own clock */
  const seenEnded = new Map<number, number>()
  /**
   * when the block that ends each epoch was mined: a followed block, read once (a reorg past it is signalled,
   * and it is read again); the read itself is kept, so passes that overlap share it
   */
  const minedEnd = new Map<number, Promise<number | undefined>>()
  let controller: AbortController | undefined
  let loop: Promise<void> | undefined
  let unsubscribe: (() => void) | undefined
  /** everything runs one task at a time: proposals, signatures and posts never race each other */
  let queue: Promise<void> = Promise.resolve()
  let queued = 0

  const ctx: AnchorValidationContext = {
    chainId: opts.chainId,
    registry: opts.registry,
    get followedBlock () { return follower.followedBlock },
    isMemberAt: (address, block) => follower.isMemberAt(address, block),
    get epochBlocks () { return epochBlocks },
    isAnchored: (epoch) => anchored.has(epoch)
  }

  /** resolves once the task has run (or failed, logged) */
  async function enqueue (what: string, task: (options: AbortOptions) => Promise<void>, bounded: boolean): Promise<void> {
    if (bounded && queued >= maxQueued) {
      metrics?.dropped.inc()
      logger.debug({ what }, 'anchor work queue full: message dropped')
      return
    }
    queued++
    queue = queue.then(async () => {
      const signal = controller?.signal
      if (signal?.aborted === true) return
      await task({ signal })
    }).catch((err: unknown) => {
      if (controller?.signal.aborted !== true) logger.warn({ err, what }, 'anchor step failed; retried at the next turn')
    }).finally(() => { queued-- })
    await queue
  }

  const quorumAt = (epoch: number): number => {
    const block = epoch * epochBlocks
    return quorumThreshold(follower.membersAt(block).length, faultDivisorFrom(follower.parameterAt('quorumFaultDivisor', block)))
  }
  const maxAgeAt = (epoch: number): number => maxJobAgeBlocksFrom(follower.parameterAt('maxJobAgeBlocks', epoch * epochBlocks))

  /** posts the root when this node holds a quorum of EpochRoot signatures for it; true once the epoch is anchored (or too old to be) */
  async function postIfQuorum (epoch: number, root: Hex, leafCount: number, options: AbortOptions): Promise<boolean> {
    if (anchored.has(epoch)) return true
    const signatures = await repos.anchors.signatures(epoch, root)
    if (signatures.length < quorumAt(epoch)) return false
    if (await chain.anchored(epoch, options)) return true
    const result = await chain.post(epoch, root, leafCount, signatures.map((s) => s.signature), options)
    metrics?.posts.inc({ result: result.posted ? 'posted' : result.reason === 'ALREADY_ANCHORED' ? 'already-anchored' : 'too-old' })
    logger.info({ epoch, root, leafCount, signers: signatures.length, ...(result.posted ? { tx: result.tx, block: result.block } : { reason: result.reason }) }, 'epoch anchor posted')
    return true
  }

  /**
   * The listed jobs this member must not sign into `epoch`: anchored in another epoch, or in a root of
   * another epoch it signed, while that epoch may still be anchored (not anchored yet, not past its late bound).
   */
  async function takenElsewhere (jobIds: readonly Hex[], epoch: number): Promise<{ anchored: Set<Hex>, signed: Set<Hex> }> {
    const taken = { anchored: new Set<Hex>(), signed: new Set<Hex>() }
    for (const jobId of jobIds) {
      const at = await repos.anchors.jobAnchor(jobId)
      if (at !== undefined && at.epoch !== epoch) taken.anchored.add(jobId)
      const signedFor = await repos.anchors.signedEpoch(jobId)
      if (signedFor !== undefined && signedFor !== epoch && !anchored.has(signedFor) && follower.followedBlock <= (signedFor + 1) * epochBlocks + maxAgeAt(signedFor)) taken.signed.add(jobId)
    }
    return taken
  }

  async function sign (epoch: number, root: Hex, leafCount: number, jobIds: readonly Hex[]): Promise<AnchorSignature> {
    // recorded before the signature exists: a crash between the two only holds the jobs back, never signs them twice
    await repos.anchors.markSigned(epoch, jobIds)
    const signature = await signEpochRoot({ epoch, root, leafCount }, opts.chainId, opts.registry, c.operator)
    await repos.anchors.addSignature(epoch, root, { member: self, signature })
    return { type: 'anchor-signature', epoch, member: self, root, leafCount, signature }
  }

  async function propose (epoch: number, options: AbortOptions): Promise<void> {
    const start = epoch * epochBlocks
    const maxAge = maxAgeAt(epoch)
    const candidates = await repos.reports.fromBlock(Math.max(0, start - maxAge), options)
    const taken = await takenElsewhere(candidates.map((r) => r.jobId), epoch)
    const listed = selectEligible(candidates.map((r) => ({ jobId: r.jobId, membershipBlock: r.block })), epoch, epochBlocks, maxAge, (id) => taken.anchored.has(id) || taken.signed.has(id))
    const reports = (await reportsOf(repos.reports, listed)).filter((r) => r !== undefined)
    if (reports.length === 0) return
    const jobIds = reports.map((r) => r.jobId.toLowerCase() as Hex)
    const tree = epochTree(repos.reports.leavesOf(reports))
    const proposed = { epoch, root: tree.root as Hex, leafCount: jobIds.length, jobIds }
    const proposal: AnchorProposal = {
      type: 'anchor-proposal', proposer: self, ...proposed, leaves: treeLeaves(tree), signature: await signAnchorProposal(proposed, opts.chainId, opts.registry, c.operator)
    }
    await repos.anchors.addProposal(proposal)
    const own = await sign(epoch, proposal.root, proposal.leafCount, jobIds)
    await gossip.publish('anchors', proposal)
    await gossip.publish('anchors', own)
    metrics?.proposals.inc()
    logger.info({ epoch, root: proposal.root, leafCount: proposal.leafCount }, 'epoch root proposed')
    await postIfQuorum(epoch, proposal.root, proposal.leafCount, options)
  }

  /**
   * This node's turn for an ended epoch: post a root that already has a quorum, else propose its own, for
   * the latest ended epoch only. Reports stay eligible for later epochs, so an older epoch left unanchored
   * loses nothing, and proposing several at once would anchor the same reports twice.
   */
  async function takeTurn (epoch: number, latest: boolean, options: AbortOptions): Promise<void> {
    if (anchored.has(epoch) || (epoch + 1) * epochBlocks > follower.followedBlock) return
    const members = follower.membersAt(epoch * epochBlocks)
    let mined = minedEnd.get(epoch)
    if (mined === undefined) {
      const read = chain.blockTime((epoch + 1) * epochBlocks, options)
      mined = read
      minedEnd.set(epoch, read)
      // a failed or empty read is asked again at the next pass
      const forget = (): void => { if (minedEnd.get(epoch) === read) minedEnd.delete(epoch) }
      read.then((t) => { if (t === undefined) forget() }, forget)
    }
    const minedAt = await mined
    if (minedAt === undefined) return
    // a chain whose clock runs ahead of this node's (a devnet that skipped a timelock delay) must not hold turns back
    const seen = seenEnded.get(epoch) ?? now()
    seenEnded.set(epoch, seen)
    const endedAt = Math.min(minedAt, seen)
    const turn = currentTurn({ self, members, epoch, elapsedMs: now() - endedAt, turnMs: opts.anchorTurnMs })
    if (turn === undefined || turnsTaken.get(epoch) === turn) return
    turnsTaken.set(epoch, turn)
    if (await chain.anchored(epoch, options)) return
    for (const held of await repos.anchors.proposals(epoch)) {
      if (await postIfQuorum(epoch, held.root, held.leafCount, options)) return
    }
    if (latest) await propose(epoch, options)
  }

  /** a gossiped proposal, held unless another list under its root proves more (proposal-offer.ts); an anchored epoch matched to a replaced list is matched again */
  async function offer (msg: AnchorProposal): Promise<void> {
    if (await offerProposal(msg, { repos, logger, ...(metrics === undefined ? {} : { conflicts: metrics.proposalConflicts }) }) === 'replaced') anchored.rematch(msg.epoch)
  }

  async function onProposal (msg: AnchorProposal, options: AbortOptions): Promise<void> {
    await offer(msg)
    if (msg.proposer === self || !follower.isMemberAt(self, msg.epoch * epochBlocks)) return
    // the same root from the next proposer is checked again: a report this member lacked at first may be final now
    if ((await repos.anchors.signatures(msg.epoch, msg.root)).some((s) => s.member === self)) return
    const taken = await takenElsewhere(msg.jobIds, msg.epoch)
    options.signal?.throwIfAborted()
    const check = checkProposal(msg, await reportsOf(repos.reports, msg.jobIds), {
      epochBlocks,
      maxJobAgeBlocks: maxAgeAt(msg.epoch),
      anchoredElsewhere: (id) => taken.anchored.has(id),
      signedElsewhere: (id) => taken.signed.has(id),
      leavesOf: (reports) => repos.reports.leavesOf(reports)
    })
    if (!check.ok) {
      metrics?.refused.inc({ code: check.code })
      logger.info({ epoch: msg.epoch, proposer: msg.proposer, root: msg.root, code: check.code, jobId: check.jobId }, 'anchor proposal not signed')
      return
    }
    const own = await sign(msg.epoch, msg.root, msg.leafCount, msg.jobIds)
    await gossip.publish('anchors', own)
    metrics?.signed.inc()
    logger.debug({ epoch: msg.epoch, proposer: msg.proposer, root: msg.root }, 'anchor proposal signed')
  }

  async function onSignature (msg: AnchorSignature, options: AbortOptions): Promise<void> {
    await repos.anchors.addSignature(msg.epoch, msg.root, { member: msg.member, signature: msg.signature })
    // the proposer posts its root as soon as it holds a quorum; anybody else at its own turn
    const proposal = await repos.anchors.proposal(msg.epoch, msg.root)
    if (proposal?.proposer === self) await postIfQuorum(msg.epoch, msg.root, msg.leafCount, options)
  }

  async function tick (options: AbortOptions = {}): Promise<void> {
    // no deeper than the registry follower: the blocks it followed are the ones whose logs it read for the node
    const head = Math.min(await chain.head(options), follower.followedBlock + opts.confirmations)
    for (const epoch of await anchored.read(head, options)) turnsTaken.delete(epoch)
    await anchored.match()
    const lastEnded = Math.floor(follower.followedBlock / epochBlocks) - 1
    const oldest = Math.max(0, lastEnded - lookback + 1)
    for (const kept of [turnsTaken, seenEnded, minedEnd]) for (const epoch of kept.keys()) if (epoch < oldest) kept.delete(epoch)
    for (let epoch = oldest; epoch <= lastEnded; epoch++) await takeTurn(epoch, epoch === lastEnded, options)
  }

  function receive<T extends AnchorProposal | AnchorSignature> (msg: T, validate: (m: T) => unknown, process: (m: T, options: AbortOptions) => Promise<void>): void {
    validate(msg)
    void enqueue(msg.type, async (options) => { await process(msg, options) }, true)
  }

  return {
    tick,
    async start () {
      epochBlocks = await chain.epochBlocks()
      await anchored.load()
      gossip.handle('anchors', async (msg, _from, options) => {
        // the one topic that carries two types; validated at once, the I/O waits in the queue
        const take = (): void => {
          if (msg.type === 'anchor-proposal') receive(msg, (m) => validateAnchorProposal(m, ctx), onProposal)
          else receive(msg, (m) => validateAnchorSignature(m, ctx), onSignature)
        }
        try {
          take()
        } catch (err) {
          // a relay behind on the chain waits for the epoch's last block, at most one epoch ahead, and forwards then (SPEC section 6)
          const over = (msg.epoch + 1) * epochBlocks
          if (!(err instanceof GossipValidationError && err.code === 'FUTURE_EPOCH') || options.signal?.aborted === true || over > follower.followedBlock + epochBlocks) throw err
          await follower.waitFor(over, options).catch(() => { throw err })
          take()
        }
      })
      // EpochAnchored events are read as deep as the registry's: a reorg it sees takes back anchors too
      unsubscribe = follower.onReorg(async ({ ancestorBlock }) => {
        await enqueue('reorg', async () => {
          for (const epoch of minedEnd.keys()) if ((epoch + 1) * epochBlocks > ancestorBlock) minedEnd.delete(epoch)
          for (const epoch of await anchored.forgetAfter(ancestorBlock)) logger.warn({ epoch, ancestorBlock }, 'a reorg took back an epoch\'s anchor; its events are read again')
        }, false)
      })
      controller = new AbortController()
      const { signal } = controller
      // a tick waits in the same queue as the messages, and only one is ever waiting
      loop = pollUntilAborted(async () => { await enqueue('tick', tick, false) }, opts.pollIntervalMs, signal)
    },
    async stop () {
      unsubscribe?.()
      controller?.abort()
      await loop
      await queue
    }
  }
}
