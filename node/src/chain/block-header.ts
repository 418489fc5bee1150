import { toQuantity } from 'ethers'
import type { JsonRpcProvider, Log } from 'ethers'

export type ChainAnswerErrorCode = 'WRONG_BLOCK' | 'MALFORMED_HEADER' | 'FOREIGN_LOG'

/** The RPC answered something other than what was asked: the answer is not used, and the caller tries again later. */
export class ChainAnswerError extends Error {
  override readonly name = 'ChainAnswerError'
  readonly code: ChainAnswerErrorCode

  constructor (code: ChainAnswerErrorCode, message: string) {
    super(message)
    this.code = code
  }
}

/** A block's identity: its hash commits to its parent's, so a header links a block to the one before it. */
export interface BlockHeader {
  number: number
  hash: string
  parentHash: string
}

/** A raw eth_getBlockByNumber answer (without transactions), as the RPC sent it */
export type RawHeader = Record<string, unknown> & { number: string, hash: string, parentHash: string }

const HASH = /^0x[0-9a-f]{64}$/
const QUANTITY = /^0x(?:0|[1-9a-f][0-9a-f]*)$/

/**
 * The answer to eth_getBlockByNumber(`block`), checked: the block asked for, with well-formed hashes;
 * null when the chain has no such block. Anything else is refused with a ChainAnswerError.
 */
export function checkHeader (answer: unknown, block: number): RawHeader | null {
  if (answer === null) return null
  const { number, hash, parentHash } = (answer ?? {}) as Record<string, unknown>
  if (typeof hash !== 'string' || !HASH.test(hash) || typeof parentHash !== 'string' || !HASH.test(parentHash) || typeof number !== 'string' || !QUANTITY.test(number)) {
    throw new ChainAnswerError('MALFORMED_HEADER', `the header of block ${block} is malformed`)
  }
  if (Number.parseInt(number, 16) !== block) throw new ChainAnswerError('WRONG_BLOCK', `asked for block ${block}, the RPC answered block ${number}`)
  return answer as RawHeader
}

/** The answer to eth_getBlockByNumber('latest'), checked: a block (the chain always has one) with well-formed hashes. */
export function checkHead (answer: unknown): RawHeader {
  const { number } = (answer ?? {}) as Record<string, unknown>
  if (answer === null || typeof number !== 'string' || !QUANTITY.test(number)) throw new ChainAnswerError('MALFORMED_HEADER', 'the head block\'s header is malformed')
  return checkHeader(answer, Number.parseInt(number, 16)) as RawHeader
}

/** The chain's header at `block` now (null if it has no such block), checked to be the block asked for. */
export async function headerAt (provider: JsonRpcProvider, block: number): Promise<BlockHeader | null> {
  const header = checkHeader(await provider.send('eth_getBlockByNumber', [toQuantity(block), false]), block)
  return header === null ? null : { number: block, hash: header.hash, parentHash: header.parentHash }
}

/**
 * The logs of exactly the block `header` names (EIP-234 blockHash filter): unlike a range by number,
 * they cannot come from another branch, whatever happens to the chain while they are read. An RPC
 * that no longer has the block fails the request; a log of another block is refused.
 */
export async function logsOfBlock (provider: JsonRpcProvider, address: string[], header: BlockHeader): Promise<Log[]> {
  const logs = await provider.getLogs({ address, blockHash: header.hash })
  for (const log of logs) {
    if (log.blockHash.toLowerCase() !== header.hash || log.blockNumber !== header.number) {
      throw new ChainAnswerError('FOREIGN_LOG', `asked for the logs of block ${header.number} (${header.hash}), the RPC answered one of block ${log.blockNumber} (${log.blockHash})`)
    }
  }
  return logs
}
