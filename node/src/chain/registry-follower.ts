import { setTimeout as sleep } from 'node:timers/promises'
import { BlockHashWindow, findCommonAncestor } from './block-hashes.ts'
import { headerAt, logsOfBlock } from './block-header.ts'
import { EngineHistory } from './engine-history.ts'
import { MembershipHistory } from './membership-history.ts'
import { ParameterHistory } from './parameter-history.ts'
import { untilNextPoll } from './poll-until-aborted.ts'
import { parametersInterface, registryInterface } from './registry-abi.ts'
import type { MemberInfo } from './membership-history.ts'
import type { Hex } from '#protocol/messages.ts'
import type { ChainMetrics } from '../metrics/registry.ts'
import { decodeBytes32String } from 'ethers'
import type { JsonRpcProvider } from 'ethers'
import type { Logger } from 'pino'
import type { AbortOptions } from '@libp2p/interface'

export interface RegistryFollowerOptions {
  provider: JsonRpcProvider
  registry: Hex
  /** the NetworkParameters contract, when the deployment has one */
  parameters?: Hex
  /**
   * other contracts whose logs the node's services follow: read with the registry's, one request a block, so
   * the node's provider answers the services' range reads of them (node-provider.ts); the follower applies none
   */
  sharedLogs?: Hex[]
  /** first block to read events from (the registry's deployment block) */
  fromBlock: number
  /** blocks behind the head an event must be before it counts */
  confirmations: number
  pollIntervalMs: number
  /** blocks per eth_getLogs request */
  logChunk?: number
  /** how many applied-up-to block hashes to remember for reorg detection (default 256) */
  reorgWindow?: number
  logger: Logger
  metrics?: ChainMetrics
}

/** A rollback of followed history, signalled once the follower has caught up on the new chain. */
export interface ReorgEvent {
  /** newest block both histories share; membership and parameters after it were re-read */
  ancestorBlock: number
  /** followed blocks taken back (the most of any rollbacks merged into this event) */
  depth: number
}

export type ReorgListener = (event: ReorgEvent) => void | Promise<void>

export interface RegistryFollower {
  start(options?: AbortOptions): Promise<void>
  stop(): Promise<void>
  /** highest block whose registry events have been applied; membership is known up to it */
  readonly followedBlock: number
  isMemberAt(operator: Hex, block: number): boolean
  membersAt(block: number): Hex[]
  /** engine ids governance registered to `member` at `block`, sorted ascending; [] when none or past the followed block */
  enginesAt(member: Hex, block: number): string[]
  candidate(operator: Hex): MemberInfo | undefined
  /** a network parameter (NetworkParameters key name) in force at `block`, if set and followed */
  parameterAt(name: string, block: number): bigint | undefined
  /** resolves once membership is known up to `block` */
  waitFor(block: number, options?: AbortOptions): Promise<void>
  /**
   * Calls `listener` after each rollback, once the replay has caught up to the confirmed head
   * again, so decisions made from the taken-back membership can be revisited. Returns an unsubscribe.
   */
  onReorg(listener: ReorgListener): () => void
}

/** blocks behind the confirmed head read one at a time (2 requests each) rather than as a range (4 headers and 1 log request) */
const STEP_BLOCKS = 2

const REGISTRY_EVENTS = new Set(['CandidateRegistered', 'MemberAdmitted', 'MemberTermSet', 'MemberRemoved', 'EnginesSet'])

/**
 * Follows the SupernodeRegistry's (and NetworkParameters') events `confirmations` blocks behind the head: a node learns
 * who the members are, and which engines each runs, from the chain, never from configuration. Events are applied in
 * (block, log index) order, so the history matches the contract's checkpoints.
 *
 * Reorgs: it remembers the hash of each block it applied events up to (the last `reorgWindow`).
 * A poll with no new confirmed block checks the chain still has that hash at the followed block. A
 * new block close behind (the steady state: one a poll) is read as its header, linked to the followed
 * block by its parent hash, and the logs of exactly that hash (one header and one log request a block,
 * where the range read below takes four headers). A longer range of logs is read between two reads of
 * its last block's hash and linked to the followed block's. On a mismatch it rolls the histories back
 * to the newest remembered block the chain still has (all the way to `fromBlock` if none) and re-reads
 * from there.
 */
export function createRegistryFollower (opts: RegistryFollowerOptions): RegistryFollower {
  const { provider, registry, confirmations, logger, metrics } = opts
  const chunk = opts.logChunk ?? 2000
  const history = new MembershipHistory()
  const engines = new EngineHistory()
  const parameters = new ParameterHistory()
  const ownAddresses = new Set([registry, ...(opts.parameters != null ? [opts.parameters] : [])].map((a) => a.toLowerCase()))
  const addresses = [...new Set([...ownAddresses, ...(opts.sharedLogs ?? []).map((a) => a.toLowerCase())])]
  const hashes = new BlockHashWindow(opts.reorgWindow ?? 256)
  let followed = opts.fromBlock - 1
  let controller: AbortController | undefined
  let loop: Promise<void> | undefined
  const listeners = new Set<ReorgListener>()
  /** rollbacks since the last signal, merged: the lowest ancestor, the deepest depth */
  let pending: ReorgEvent | undefined

  /** the chain's hash at `block` now (null if it has no such block) */
  async function hashAt (block: number): Promise<string | null> {
    return (await headerAt(provider, block))?.hash ?? null
  }

  /** true if the followed block is still on the chain (`actual` = its hash there now) */
  async function stillOnChain (actual?: string | null): Promise<boolean> {
    const expected = hashes.hashAt(followed)
    return expected == null || expected === (actual === undefined ? await hashAt(followed) : actual)
  }

  async function rollBack (): Promise<void> {
    const ancestor = await findCommonAncestor(hashes, hashAt) ?? opts.fromBlock - 1
    const depth = followed - ancestor
    logger.warn({ depth, followedBlock: followed, ancestor, deeperThanWindow: hashes.hashAt(ancestor) == null },
      'chain reorganised under the followed block: rolling registry and parameter history back to the common ancestor')
    if (depth > confirmations) {
      // the chain took back more blocks than the node waits for: confirmations is too low for this chain
      logger.error({ depth, confirmations, ancestor }, 'reorg deeper than the confirmation depth took back followed blocks; raise confirmations')
    }
    history.truncateAfter(ancestor)
    engines.truncateAfter(ancestor)
    parameters.truncateAfter(ancestor)
    hashes.forgetAfter(ancestor)
    followed = ancestor
    metrics?.reorgs.inc()
    metrics?.reorgDepth.observe(depth)
    pending = { ancestorBlock: Math.min(ancestor, pending?.ancestorBlock ?? ancestor), depth: Math.max(depth, pending?.depth ?? 0) }
  }

  /** tells the listeners about the rollbacks once the replay has reached the confirmed head */
  function signalReorg (): void {
    const event = pending
    if (event == null) return
    pending = undefined
    for (const listener of listeners) {
      Promise.resolve().then(async () => { await listener(event) })
        .catch((err: unknown) => { logger.error({ err, ...event }, 'reorg listener failed') })
    }
  }

  /** applies the block after the followed one if its header links to it; false if it does not (a reorg) */
  async function step (): Promise<boolean | undefined> {
    const header = await headerAt(provider, followed + 1)
    if (header == null) return undefined // the chain got shorter since eth_blockNumber: the next poll sorts it out
    if (!await stillOnChain(header.parentHash)) return false
    for (const log of await logsOfBlock(provider, addresses, header)) apply(log)
    followed = header.number
    hashes.remember(header.number, header.hash)
    return true
  }

  async function catchUp (): Promise<void> {
    const head = Number(BigInt(await provider.send('eth_blockNumber', []) as string))
    const target = head - confirmations
    // a new block's parent hash checks the followed block; without one, its hash is read
    if (followed >= target && !await stillOnChain()) await rollBack()
    while (followed < target) {
      if (target - followed <= STEP_BLOCKS) {
        const stepped = await step()
        if (stepped === undefined) break
        if (!stepped) await rollBack()
        continue
      }
      const to = Math.min(target, followed + chunk)
      const before = await hashAt(to)
      if (before == null) break // the chain got shorter since eth_blockNumber: the next poll sorts it out
      const logs = await provider.getLogs({ address: addresses, fromBlock: followed + 1, toBlock: to })
      const [after, parent] = await Promise.all([hashAt(to), hashAt(followed)])
      if (!await stillOnChain(parent)) {
        await rollBack()
        continue
      }
      if (after !== before) continue // the range changed while its logs were read: read it again
      for (const log of logs) apply(log)
      followed = to
      hashes.remember(to, after)
    }
    if (followed >= target) signalReorg()
    metrics?.followedBlock.set(followed)
    metrics?.members.set(history.membersAt(followed).length)
  }

  function apply (log: { address: string, topics: readonly string[], data: string, blockNumber: number }): void {
    if (!ownAddresses.has(log.address.toLowerCase())) return
    if (opts.parameters != null && log.address.toLowerCase() === opts.parameters.toLowerCase()) {
      const set = parametersInterface.parseLog(log)
      if (set?.name !== 'ParameterSet') return
      const name = decodeBytes32String(set.args.getValue('key') as string)
      const value = set.args.getValue('value') as bigint
      parameters.set(name, log.blockNumber, value)
      logger.info({ name, value: value.toString(), block: log.blockNumber }, 'network parameter set')
      return
    }
    const parsed = registryInterface.parseLog(log)
    if (parsed == null || !REGISTRY_EVENTS.has(parsed.name)) return
    const operator = (parsed.args.getValue('operator') as string).toLowerCase() as Hex
    switch (parsed.name) {
      case 'CandidateRegistered':
        history.registered({
          operator,
          peerId: parsed.args.getValue('peerId') as string,
          x25519Key: (parsed.args.getValue('x25519Key') as string).toLowerCase() as Hex,
          metadataURI: parsed.args.getValue('metadataURI') as string
        }, log.blockNumber)
        break
      case 'MemberAdmitted':
        history.admitted(operator, log.blockNumber)
        logger.info({ operator, block: log.blockNumber }, 'member admitted')
        break
      case 'MemberTermSet': {
        const end = parsed.args.getValue('termEnd') as bigint
        history.termSet(operator, log.blockNumber, end > BigInt(Number.MAX_SAFE_INTEGER) ? Infinity : Number(end))
        break
      }
      case 'MemberRemoved':
        history.removed(operator, log.blockNumber)
        logger.info({ operator, block: log.blockNumber }, 'member removed')
        break
      case 'EnginesSet': {
        const ids = [...parsed.args.getValue('engineIds') as string[]]
        engines.set(operator, log.blockNumber, ids)
        logger.info({ operator, engines: ids, block: log.blockNumber }, 'member engines set')
        break
      }
    }
  }

  async function run (signal: AbortSignal): Promise<void> {
    while (!signal.aborted) {
      try {
        await catchUp()
      } catch (err) {
        if (signal.aborted) return
        logger.warn({ err }, 'registry follow failed, retrying')
      }
      await sleep(untilNextPoll(opts.pollIntervalMs), undefined, { signal }).catch(() => {})
    }
  }

  return {
    get followedBlock () { return followed },
    isMemberAt: (operator, block) => block <= followed && history.isMemberAt(operator, block),
    membersAt: (block) => history.membersAt(block),
    enginesAt: (member, block) => block <= followed ? engines.enginesAt(member, block) : [],
    candidate: (operator) => history.candidate(operator),
    parameterAt: (name, block) => block <= followed ? parameters.at(name, block) : undefined,
    async start (options = {}) {
      await catchUp()
      options.signal?.throwIfAborted()
      controller = new AbortController()
      loop = run(controller.signal)
    },
    async stop () {
      controller?.abort()
      await loop
    },
    onReorg (listener) {
      listeners.add(listener)
      return () => { listeners.delete(listener) }
    },
    async waitFor (block, options = {}) {
      for (;;) {
        if (followed >= block) return
        options.signal?.throwIfAborted()
        await sleep(opts.pollIntervalMs, undefined, { signal: options.signal })
      }
    }
  }
}
