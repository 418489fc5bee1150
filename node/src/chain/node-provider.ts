import { JsonRpcProvider } from 'ethers'
import type { JsonRpcApiProviderOptions, Networkish } from 'ethers'
import { checkHeader } from './block-header.ts'
import { HeaderChain } from './header-chain.ts'

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
 * anchors, rewards, the market's deliveries and fulfils), each asking for the head every poll interval:
 * about a dozen eth_blockNumber a second per node against the operator's RPC, a share of every idle node's
 * CPU and of a hosted RPC's quota. Heads asked within `headMaxAgeMs` of one request share its answer (one
 * request in flight at a time); a failed one is not kept.
 *
 * Headers by number (without transactions) are checked (the block asked for, well-formed hashes) and kept
 * as one run linked by parent hashes (header-chain.ts): the registry follower reads every new block's, so
 * the anchors' and deposits' reads of older blocks in the run are answered from it while a read of a block
 * above is at most `headerMaxAgeMs` old. A reorg check answered so sees the chain as it was then, as a shared
 * head does; a read that shows another branch replaces what it contradicts. The newest block is always
 * read afresh, so the follower's own checks at the head never come from the run.
 *
 * Every other request goes through as it is: ethers' own cache stays off for them (a nonce read right
 * after a send must be fresh).
 */
export class NodeProvider extends JsonRpcProvider {
  readonly #headMaxAgeMs: number
  readonly #headerMaxAgeMs: number
  #head: { at: number, answer: Promise<unknown> } | undefined
  readonly #headers = new HeaderChain()

  constructor (url: string, network: Networkish, options: NodeProviderOptions) {
    const { headMaxAgeMs, headerMaxAgeMs, ...rest } = options
    super(url, network, rest)
    this.#headMaxAgeMs = headMaxAgeMs
    this.#headerMaxAgeMs = headerMaxAgeMs ?? rest.pollingInterval ?? headMaxAgeMs
  }

  override async send (method: string, params: unknown[] | Record<string, unknown>): Promise<unknown> {
    if (method === 'eth_getBlockByNumber' && Array.isArray(params) && params[1] === false && typeof params[0] === 'string' && QUANTITY.test(params[0])) {
      return await this.#header(params[0], Number.parseInt(params[0], 16))
    }
    if (method !== 'eth_blockNumber') return await super.send(method, params as unknown[])
    const now = Date.now()
    if (this.#head === undefined || now - this.#head.at > this.#headMaxAgeMs) {
      const answer = super.send(method, params as unknown[])
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
    // the chain had this block when it was asked for, if not later
    if (header !== null) this.#headers.observe(header, asked)
    return header
  }
}
