/**
 * The logs of whole blocks, by block hash, as the RPC answered an eth_getLogs blockHash filter: the registry
 * follower reads each new confirmed block's logs of every contract the node's services follow (registry,
 * parameters, anchors, market, deposits) in one request, and a service's range read of the same contracts'
 * logs is answered from them (node-provider.ts finds the blocks' hashes in its header run). A block's logs are
 * the same whatever happens to the chain: a reorg changes which hash a number names, never a hash's logs.
 * Pure: the provider does the RPC.
 */

/** a raw eth_getLogs entry, as the RPC sent it */
export type RawLog = Record<string, unknown> & { address: string, topics: string[], blockHash: string, blockNumber: string }

/** an eth_getLogs filter as ethers sends it (addresses lower case) */
export interface LogFilter {
  address?: string | string[]
  topics?: Array<string | string[] | null>
  fromBlock?: string
  toBlock?: string
  blockHash?: string
}

const addressesOf = (filter: LogFilter): string[] | undefined =>
  filter.address === undefined ? undefined : (Array.isArray(filter.address) ? filter.address : [filter.address]).map((a) => a.toLowerCase())

/** true if `log` passes `filter`'s addresses and topics (EIP-1474: null or absent matches any; a list, any of it) */
export function matchesFilter (log: RawLog, filter: LogFilter): boolean {
  const addresses = addressesOf(filter)
  if (addresses !== undefined && !addresses.includes(log.address.toLowerCase())) return false
  for (const [i, wanted] of (filter.topics ?? []).entries()) {
    if (wanted === null || wanted === undefined) continue
    const topic = log.topics[i]?.toLowerCase()
    if (topic === undefined || !(Array.isArray(wanted) ? wanted : [wanted]).some((w) => w.toLowerCase() === topic)) return false
  }
  return true
}

export class LogCache {
  readonly #size: number
  /** block hash -> the addresses read (lower case) and every log of theirs in the block, oldest kept first */
  readonly #blocks = new Map<string, { addresses: Set<string>, logs: RawLog[] }>()

  constructor (size = 1024) {
    if (!Number.isInteger(size) || size < 1) throw new RangeError('size must be a positive integer')
    this.#size = size
  }

  /**
   * the RPC's answer to a blockHash filter: kept when it names addresses and no topics (so it holds every log
   * of theirs in the block) and every log is of that block; anything else is not kept
   */
  keep (filter: LogFilter, answer: unknown): void {
    const addresses = addressesOf(filter)
    const hash = filter.blockHash?.toLowerCase()
    if (hash === undefined || addresses === undefined || (filter.topics ?? []).some((t) => t !== null) || !Array.isArray(answer)) return
    const logs = answer as RawLog[]
    if (logs.some((log) => typeof log?.blockHash !== 'string' || log.blockHash.toLowerCase() !== hash || typeof log.address !== 'string' || !Array.isArray(log.topics))) return
    this.#blocks.delete(hash)
    this.#blocks.set(hash, { addresses: new Set(addresses), logs })
    if (this.#blocks.size > this.#size) this.#blocks.delete(this.#blocks.keys().next().value as string)
  }

  /** the logs of the block `hash` that pass `filter`, or undefined when they were not read for all of its addresses */
  of (hash: string, filter: LogFilter): RawLog[] | undefined {
    const kept = this.#blocks.get(hash.toLowerCase())
    const addresses = addressesOf(filter)
    if (kept === undefined || addresses === undefined || !addresses.every((a) => kept.addresses.has(a))) return undefined
    return kept.logs.filter((log) => matchesFilter(log, filter))
  }

  get size (): number { return this.#blocks.size }
}
