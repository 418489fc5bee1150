// Pre-execution with debug_traceCall and geth's callTracer (withLog), for RPCs without
// eth_simulateV1: run on the fork sidecar. Logs and value transfers of reverted frames are dropped,
// as the chain would drop them.
import type { AbortOptions } from '@libp2p/interface'
import type { TxCall } from './actions.ts'
import { GuardError } from './guard-error.ts'
import { isObject } from './input.ts'
import { revertReason } from './revert-reason.ts'
import type { JsonRpc } from './rpc.ts'
import { callObject, isLog, type CallOutcome } from './simulate-v1.ts'

/** frames visited per trace: a real transaction has far fewer; a hostile one is cut here */
const MAX_FRAMES = 10_000
const MOVES_VALUE = new Set(['CALL', 'CREATE', 'CREATE2', 'SELFDESTRUCT'])

export async function traceCall (rpc: JsonRpc, tx: TxCall, options?: AbortOptions): Promise<CallOutcome> {
  const root = await rpc.call<unknown>('debug_traceCall', [callObject(tx), 'latest', { tracer: 'callTracer', tracerConfig: { withLog: true } }], options)
  if (!isObject(root)) throw new GuardError('RPC_FAILED', 'debug_traceCall: no trace')
  const gasUsed = typeof root.gasUsed === 'string' ? BigInt(root.gasUsed) : 0n
  if (root.error !== undefined) return { reverted: true, revertReason: revertReason(root.output, root.revertReason ?? root.error), logs: [], nativeTransfers: [], gasUsed }
  const outcome: CallOutcome = { reverted: false, logs: [], nativeTransfers: [], gasUsed }
  let visited = 0
  // iterative depth-first walk in execution order; a reverted frame is skipped with its children
  const stack: unknown[] = [root]
  while (stack.length > 0) {
    const frame = stack.pop()
    if (!isObject(frame) || frame.error !== undefined) continue
    if (++visited > MAX_FRAMES) throw new GuardError('RPC_FAILED', `debug_traceCall: more than ${MAX_FRAMES} frames`)
    const value = typeof frame.value === 'string' ? BigInt(frame.value) : 0n
    if (value > 0n && typeof frame.type === 'string' && MOVES_VALUE.has(frame.type) && typeof frame.from === 'string' && typeof frame.to === 'string') {
      outcome.nativeTransfers.push({ from: frame.from.toLowerCase(), to: frame.to.toLowerCase(), amount: value })
    }
    if (Array.isArray(frame.logs)) outcome.logs.push(...frame.logs.filter(isLog))
    if (Array.isArray(frame.calls)) for (const child of frame.calls.toReversed()) stack.push(child)
  }
  return outcome
}
