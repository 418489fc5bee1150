// Pre-execution with debug_traceCall, for RPCs without eth_simulateV1: run on the fork sidecar.
// geth's callTracer (withLog) gives the frames, logs and value transfers (those of reverted frames
// are dropped, as the chain would drop them); its prestateTracer, run beside it, the sender's
// balance in the state the call ran on, so the balance-drop rule's share is of that balance even
// when the fork's block is not the one the RPC calls latest.
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

const QUANTITY = /^0x[0-9a-fA-F]{1,64}$/

/** the sender's balance from a prestateTracer answer; undefined when it does not say (or says nonsense) */
function startBalance (prestate: unknown, from: string): bigint | undefined {
  if (!isObject(prestate)) return undefined
  const key = Object.keys(prestate).find(k => k.toLowerCase() === from)
  const account = key === undefined ? undefined : prestate[key]
  return isObject(account) && typeof account.balance === 'string' && QUANTITY.test(account.balance) ? BigInt(account.balance) : undefined
}

export async function traceCall (rpc: JsonRpc, tx: TxCall, options?: AbortOptions): Promise<CallOutcome> {
  const [root, prestate] = await Promise.all([
    rpc.call<unknown>('debug_traceCall', [callObject(tx), 'latest', { tracer: 'callTracer', tracerConfig: { withLog: true } }], options),
    // the balance is a refinement: a node without the prestate tracer still simulates
    rpc.call<unknown>('debug_traceCall', [callObject(tx), 'latest', { tracer: 'prestateTracer' }], options).catch((err: unknown) => {
      if (options?.signal?.aborted === true) throw err
      return undefined
    })
  ])
  if (!isObject(root)) throw new GuardError('RPC_FAILED', 'debug_traceCall: no trace')
  const gasUsed = typeof root.gasUsed === 'string' ? BigInt(root.gasUsed) : 0n
  if (root.error !== undefined) return { reverted: true, revertReason: revertReason(root.output, root.revertReason ?? root.error), logs: [], nativeTransfers: [], gasUsed }
  const balance = startBalance(prestate, tx.from)
  const outcome: CallOutcome = { reverted: false, logs: [], nativeTransfers: [], gasUsed, ...balance !== undefined ? { startBalance: balance } : {} }
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
