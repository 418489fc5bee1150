import { AbstractSigner } from 'ethers'
import type { Provider, Signer, TransactionRequest, TransactionResponse, TypedDataDomain, TypedDataField } from 'ethers'

/** the sends of one key, one after another */
interface SendQueue { tail: Promise<unknown> }

/**
 * One operator key, several services sending with it (anchors, rewards, evidence proofs). Each send
 * reads the pending nonce, so two at once take the same nonce and the node refuses one ("nonce has
 * already been used"). Here the next send starts only once the previous one is in the node's pool or
 * refused. No local nonce count, as the services assume: a refused send leaves no gap behind it.
 */
export class SerialSigner extends AbstractSigner {
  readonly #inner: Signer
  readonly #queue: SendQueue

  constructor (inner: Signer, queue: SendQueue = { tail: Promise.resolve() }) {
    super(inner.provider)
    this.#inner = inner
    this.#queue = queue
  }

  async getAddress (): Promise<string> {
    return await this.#inner.getAddress()
  }

  /** the same key and the same queue, on another provider */
  connect (provider: Provider | null): SerialSigner {
    return new SerialSigner(this.#inner.connect(provider), this.#queue)
  }

  async signTransaction (tx: TransactionRequest): Promise<string> {
    return await this.#inner.signTransaction(tx)
  }

  async signMessage (message: string | Uint8Array): Promise<string> {
    return await this.#inner.signMessage(message)
  }

  async signTypedData (domain: TypedDataDomain, types: Record<string, TypedDataField[]>, value: Record<string, unknown>): Promise<string> {
    return await this.#inner.signTypedData(domain, types, value)
  }

  override async sendTransaction (tx: TransactionRequest): Promise<TransactionResponse> {
    const sent = this.#queue.tail.then(async () => await this.#inner.sendTransaction(tx))
    this.#queue.tail = sent.catch(() => undefined)
    return await sent
  }
}
