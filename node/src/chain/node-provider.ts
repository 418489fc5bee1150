import { JsonRpcProvider } from 'ethers'
import type { JsonRpcApiProviderOptions, Networkish } from 'ethers'
import { checkHead, checkHeader } from './block-header.ts'
import { LogCache } from './log-cache.ts'
import { HeaderChain } from './header-chain.ts'
import type { RawHeader } from './block-header.ts'
import type { LogFilter, RawLog } from './log-cache.ts'

export interface NodeProviderOptions extends JsonRpcApiProviderOptions {
  /** how old a head this node's services may share (ms) */
  headMaxAgeMs: number
  /**
   * how old the read of a newer block that vouches for a kept header may be (ms); default the polling
   * interval: the other services see an older block as the registry follower last saw the chain
   */
  headerMaxAgeMs?: number
}

const QUANTITY = /^0x[0-9a-f]+$/

/**
 * The node's JSON-RPC provider. Each of its services follows the chain on its own (the registry follower,
 * anchors, rewards, the market's deliveries and fulfils, hunting), each asking for the head every poll
 * interval: about a dozen requests a second per node against the operator's RPC, a share of every idle
 * node's CPU and of a hosted RPC's quota.
 *
 * The head is read as the newest block's header (eth_getBlockByNumber 'latest', one request as eth_blockNumber
 * is); heads asked within `headMaxAgeMs` of one read share its answer (one request in flight at a time), both
 * eth_blockNumber and a 'latest' header read; a failed one is not kept.
 *
 * Headers by number (without transactions) are checked (the block asked for, well-formed hashes) and kept
 * as one run linked by parent hashes (header-chain.ts), the heads with them: a read of a block below a kept
 * one is answered from the run while a read of a block above it is at most `headerMaxAgeMs` old, so the
 * registry follower's reads a few blocks under the head, and the anchors' and deposits' of older blocks, come
 * from the heads the services read anyway. A reorg check answered so sees the chain as it was then, as a
 * shared head does; a read that shows another branch replaces what it contradicts. A head jump of more than
 * a block starts the run again from it; the blocks below are read and joined to it again.
 *
 * The logs of a whole block read by its hash (the registry follower's, for every contract the services follow)
 * are kept by hash (log-cache.ts), and a range read by number whose every block is in the run, with its logs
 * kept for the filter's addresses, is answered from them as the chain had it when the run was last vouched for.
 *
 * Every other request goes through as it is: ethers' own cache stays off for them (a nonce read right
 * after a send must be fresh).
 */
export class NodeProvider extends JsonRpcProvider {
  readonly #headMaxAgeMs: number
  readonly #headerMaxAgeMs: number
  #head: { at: number, answer: Promise<RawHeader> } | undefined
  readonly #headers = new HeaderChain()
  readonly #logs = new LogCache()

  constructor (url: string, network: Networkish, options: NodeProviderOptions) {
    const { headMaxAgeMs, headerMaxAgeMs, ...rest } = options
    super(url, network, rest)
    this.#headMaxAgeMs = headMaxAgeMs
    this.#headerMaxAgeMs = headerMaxAgeMs ?? rest.pollingInterval ?? headMaxAgeMs
  }

  override async send (method: string, params: unknown[] | Record<string, unknown>): Promise<unknown> {
    const args = Array.isArray(params) ? params : []
    if (method === 'eth_blockNumber') return (await this.#latest()).number
    if (method === 'eth_getBlockByNumber' && args[1] === false && typeof args[0] === 'string') {
      if (args[0] === 'latest') return await this.#latest()
      if (QUANTITY.test(args[0])) return await this.#header(args[0], Number.parseInt(args[0], 16))
    }
    if (method === 'eth_getLogs' && typeof args[0] === 'object' && args[0] !== null) return await this.#getLogs(args[0] as LogFilter)
    return await super.send(method, params as unknown[])
  }

  /** the newest block's header, shared by every head asked within headMaxAgeMs */
  async #latest (): Promise<RawHeader> {
    const now = Date.now()
    if (this.#head === undefined || now - this.#head.at > this.#headMaxAgeMs) {
      const answer = super.send('eth_getBlockByNumber', ['latest', false]).then((raw) => {
        const header = checkHead(raw)
        // the chain had this block when it was asked for, if not later
        this.#headers.observe(header, now)
        return header
      })
      const head = { at: now, answer }
      this.#head = head
      answer.catch(() => { if (this.#head === head) this.#head = undefined })
    }
    return await this.#head.answer
  }

  async #header (quantity: string, block: number): Promise<unknown> {
    const asked = Date.now()
    const kept = this.#headers.at(block, asked, this.#headerMaxAgeMs)
    if (kept !== undefined) return kept
    const header = checkHeader(await super.send('eth_getBlockByNumber', [quantity, false]), block)
    if (header !== null) this.#headers.observe(header, asked)
    return header
  }

  async #getLogs (filter: LogFilter): Promise<unknown> {
    if (filter.blockHash !== undefined) {
      const answer = await super.send('eth_getLogs', [filter])
      this.#logs.keep(filter, answer)
      return answer
    }
    return this.#keptLogs(filter) ?? await super.send('eth_getLogs', [filter])
  }

  /** a range's logs from the kept blocks, or undefined when one of its blocks is not kept (or not vouched for) */
  #keptLogs (filter: LogFilter): RawLog[] | undefined {
    const { fromBlock, toBlock } = filter
    if (typeof fromBlock !== 'string' || typeof toBlock !== 'string' || !QUANTITY.test(fromBlock) || !QUANTITY.test(toBlock)) return undefined
    const now = Date.now()
    const out: RawLog[] = []
    for (let block = Number.parseInt(fromBlock, 16); block <= Number.parseInt(toBlock, 16); block++) {
      const header = this.#headers.at(block, now, this.#headerMaxAgeMs)
      const logs = header === undefined ? undefined : this.#logs.of(header.hash, filter)
      if (logs === undefined) return undefined
      out.push(...logs)
    }
    return out
  }
}
