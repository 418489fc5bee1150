// Pre-execution on current chain state: eth_simulateV1 on the user's own RPC when it offers it,
// else debug_traceCall on a warm forked anvil. Either way the user's effects come out.
import type { AbortOptions } from '@libp2p/interface'
import type { TxCall } from './actions.ts'
import { foldEffects, type AssetTransfer, type Effects } from './effects.ts'
import { createForkSidecar, type ForkSidecar } from './fork-sidecar.ts'
import { GuardError } from './guard-error.ts'
import type { Address } from './input.ts'
import type { JsonRpc } from './rpc.ts'
import { simulateV1, type CallOutcome } from './simulate-v1.ts'
import { traceCall } from './trace-call.ts'

export type SimulationVia = 'eth_simulateV1' | 'debug_traceCall'

export type Simulation =
  /** startBalance: the user's native balance in the state the call ran on, where the path says it (the fork's prestateTracer) */
  | { status: 'ok', via: SimulationVia, gasUsed: bigint, effects: Effects, startBalance?: bigint }
  | { status: 'reverted', via: SimulationVia, gasUsed: bigint, revertReason: string }
  /** no answer within the hard limit, or the RPC failed: the decision is unverified */
  | { status: 'unavailable', reason: string }
  /** a signature request: nothing to execute */
  | { status: 'not-applicable' }

export interface Simulator {
  simulate(tx: TxCall, options?: AbortOptions): Promise<Simulation>
  /** which path the RPC takes, once known */
  via(): SimulationVia | undefined
  /** start the fork sidecar ahead of use (only for an RPC without eth_simulateV1) */
  warm(options?: AbortOptions): Promise<void>
  stop(): Promise<void>
}

export interface SimulatorOptions {
  rpc: JsonRpc
  /** default: an anvil fork of `rpc`, started on first need */
  sidecar?: ForkSidecar
}

export function createSimulator (options: SimulatorOptions): Simulator {
  const { rpc } = options
  const sidecar = options.sidecar ?? createForkSidecar({ upstream: rpc })
  let via: SimulationVia | undefined

  const run = async (tx: TxCall, callOptions?: AbortOptions): Promise<{ via: SimulationVia, outcome: CallOutcome }> => {
    if (via !== 'debug_traceCall') {
      try {
        const outcome = await simulateV1(rpc, tx, callOptions)
        via = 'eth_simulateV1'
        return { via, outcome }
      } catch (err) {
        if (!(err instanceof GuardError && err.code === 'RPC_UNSUPPORTED')) throw err
        via = 'debug_traceCall'
      }
    }
    const fork = await sidecar.ready(callOptions)
    return { via: 'debug_traceCall', outcome: await traceCall(fork, tx, callOptions) }
  }

  return {
    async simulate (tx, callOptions) {
      const { via: path, outcome } = await run(tx, callOptions)
      if (outcome.reverted) return { status: 'reverted', via: path, gasUsed: outcome.gasUsed, revertReason: outcome.revertReason ?? 'reverted' }
      const native: AssetTransfer[] = outcome.nativeTransfers.map(t => ({ standard: 'native', token: '0xeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeee', from: t.from as Address, to: t.to as Address, amount: t.amount }))
      return { status: 'ok', via: path, gasUsed: outcome.gasUsed, effects: foldEffects(tx.from, outcome.logs, native), ...outcome.startBalance !== undefined ? { startBalance: outcome.startBalance } : {} }
    },
    via: () => via,
    async warm (callOptions) {
      if (via === undefined) {
        try {
          await rpc.call('eth_simulateV1', [{ blockStateCalls: [] }, 'latest'], callOptions)
          via = 'eth_simulateV1'
        } catch (err) {
          if (!(err instanceof GuardError && err.code === 'RPC_UNSUPPORTED')) throw err
          via = 'debug_traceCall'
        }
      }
      if (via === 'debug_traceCall') await sidecar.ready(callOptions)
    },
    stop: async () => { await sidecar.stop() }
  }
}
