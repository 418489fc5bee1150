// Pre-execution with eth_simulateV1 (geth, reth, anvil >= 1.1): one call on top of the latest
// block; traceTransfers makes the node report native transfers as ERC-7528 Transfer logs.
import type { AbortOptions } from '@libp2p/interface'
import type { TxCall } from './actions.ts'
import type { Log } from './effects.ts'
import { GuardError } from './guard-error.ts'
import { isObject } from './input.ts'
import { revertReason } from './revert-reason.ts'
import type { JsonRpc } from './rpc.ts'

/** What one simulated call did, before folding it into the user's effects. */
export interface CallOutcome {
  reverted: boolean
  revertReason?: string
  logs: Log[]
  /** native transfers the path reports outside logs (callTracer frames) */
  nativeTransfers: Array<{ from: string, to: string, amount: bigint }>
  gasUsed: bigint
  /** the sender's native balance in the state the call ran on (prestateTracer; the fork path only) */
  startBalance?: bigint
}

export function callObject (tx: TxCall): Record<string, unknown> {
  return {
    from: tx.from,
    ...tx.to !== undefined ? { to: tx.to } : {},
    value: `0x${tx.value.toString(16)}`,
    data: tx.data,
    ...tx.gas !== undefined ? { gas: `0x${tx.gas.toString(16)}` } : {}
  }
}

export async function simulateV1 (rpc: JsonRpc, tx: TxCall, options?: AbortOptions): Promise<CallOutcome> {
  const result = await rpc.call<unknown>('eth_simulateV1', [{ blockStateCalls: [{ calls: [callObject(tx)] }], traceTransfers: true, validation: false }, 'latest'], options)
  const call = Array.isArray(result) && isObject(result[0]) && Array.isArray(result[0].calls) ? result[0].calls[0] as unknown : undefined
  if (!isObject(call)) throw new GuardError('RPC_FAILED', 'eth_simulateV1: no call result')
  const logs = Array.isArray(call.logs) ? call.logs.filter(isLog) : []
  const gasUsed = typeof call.gasUsed === 'string' ? BigInt(call.gasUsed) : 0n
  if (call.status === '0x1') return { reverted: false, logs, nativeTransfers: [], gasUsed }
  const error = isObject(call.error) ? call.error : {}
  return { reverted: true, revertReason: revertReason(error.data ?? call.returnData, error.message), logs: [], nativeTransfers: [], gasUsed }
}

export function isLog (v: unknown): v is Log {
  return isObject(v) && typeof v.address === 'string' && Array.isArray(v.topics) && v.topics.length <= 4 &&
    v.topics.every(t => typeof t === 'string') && typeof v.data === 'string'
}
