import { JsonRpcProvider } from 'ethers'
import type { JsonRpcApiProviderOptions, Networkish } from 'ethers'

export interface NodeProviderOptions extends JsonRpcApiProviderOptions {
  /** how old a head this node's services may share (ms) */
  headMaxAgeMs: number
}

/**
 * The node's JSON-RPC provider. Each of its services follows the chain on its own (the registry follower,
 * anchors, rewards, the market's deliveries and fulfils), each asking for the head every poll interval:
 * about a dozen eth_blockNumber a second per node against the operator's RPC, a share of every idle node's
 * CPU and of a hosted RPC's quota. Heads asked within `headMaxAgeMs` of one request share its answer (one
 * request in flight at a time); a failed one is not kept. Every other request goes through as it is:
 * ethers' own cache stays off for them (a nonce read right after a send must be fresh).
 */
export class NodeProvider extends JsonRpcProvider {
  readonly #headMaxAgeMs: number
  #head: { at: number, answer: Promise<unknown> } | undefined

  constructor (url: string, network: Networkish, options: NodeProviderOptions) {
    const { headMaxAgeMs, ...rest } = options
    super(url, network, rest)
    this.#headMaxAgeMs = headMaxAgeMs
  }

  override async send (method: string, params: unknown[] | Record<string, unknown>): Promise<unknown> {
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
}
