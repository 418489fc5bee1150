import { setTimeout as sleep } from 'node:timers/promises'
import type { AbortOptions } from '@libp2p/interface'
import type { TransactionReceipt } from 'ethers'

/**
 * How long a sent transaction may take to be mined before its sender stops waiting: ten mainnet blocks.
 * A transaction a reorg dropped (or a node never mined) is never mined, and ethers' wait() without a
 * timeout waits for it forever; a service that sends one task at a time would stall behind it.
 */
export const DEFAULT_RECEIPT_TIMEOUT_MS = 120_000

/** how often the receipt is asked for after the first answer said none (a mainnet block is 12 s) */
const RECEIPT_POLL_MS = 1000

export class ReceiptTimeoutError extends Error {
  override readonly name = 'ReceiptTimeoutError'
  readonly code = 'RECEIPT_TIMEOUT'
}

/** what the wait asks of the chain (ethers' providers answer it) */
export interface ReceiptSource {
  getTransactionReceipt(hash: string): Promise<TransactionReceipt | null>
}

export interface ReceiptTiming {
  /** DEFAULT_RECEIPT_TIMEOUT_MS when absent */
  timeoutMs?: number
  pollMs?: number
}

/**
 * The receipt of the transaction `hash` once it is in a block; ReceiptTimeoutError when it is not after
 * `timeoutMs`; the signal's reason when aborted first. Polled here rather than through ethers' wait(),
 * which takes no signal and keeps its listener and timer alive after its caller has gone.
 */
export async function waitForReceipt (source: ReceiptSource, hash: string, { timeoutMs = DEFAULT_RECEIPT_TIMEOUT_MS, pollMs = RECEIPT_POLL_MS }: ReceiptTiming, options: AbortOptions = {}): Promise<TransactionReceipt> {
  const deadline = Date.now() + timeoutMs
  for (;;) {
    options.signal?.throwIfAborted()
    const receipt = await source.getTransactionReceipt(hash)
    if (receipt !== null) return receipt
    const left = deadline - Date.now()
    if (left <= 0) throw new ReceiptTimeoutError(`transaction ${hash} was not mined within ${timeoutMs} ms`)
    try {
      await sleep(Math.min(pollMs, left), undefined, { signal: options.signal })
    } catch (err) {
      // the signal's own reason (a TimeoutError for AbortSignal.timeout), as every other abort here throws
      options.signal?.throwIfAborted()
      throw err
    }
  }
}
