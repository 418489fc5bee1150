// A warm anvil forked from the user's RPC, for RPCs without eth_simulateV1: the transaction is
// traced locally (debug_traceCall) and never leaves the machine. Started once and kept; before
// a trace it is reset to the upstream head when that moved, so it judges current state.
import type { AbortOptions } from '@libp2p/interface'
import { startAnvil, type Anvil } from '../chain/anvil.ts'
import { createJsonRpc, type JsonRpc } from './rpc.ts'

export interface ForkSidecar {
  /** the fork, synced to `upstream`'s latest block */
  ready(options?: AbortOptions): Promise<JsonRpc>
  stop(): Promise<void>
}

export interface ForkSidecarOptions {
  upstream: JsonRpc
  /** how long anvil may take to fork and listen */
  startTimeoutMs?: number
}

export function createForkSidecar (options: ForkSidecarOptions): ForkSidecar {
  const { upstream } = options
  let starting: Promise<{ anvil: Anvil, rpc: JsonRpc }> | undefined
  let forkedAt: string | undefined
  return {
    async ready (callOptions?: AbortOptions): Promise<JsonRpc> {
      const head = await upstream.call<string>('eth_blockNumber', [], callOptions)
      if (starting === undefined) {
        // not tied to the caller's signal: a timed-out check must not kill the sidecar the next one needs
        // no dev accounts: anvil would give its ten well-known addresses 10000 ETH on the fork, unlike the chain it copies
        starting = startAnvil({ forkUrl: upstream.url, accounts: 0, startTimeoutMs: options.startTimeoutMs ?? 30_000 })
          .then(anvil => ({ anvil, rpc: createJsonRpc(anvil.rpcUrl) }))
        starting.catch(() => { starting = undefined })
        forkedAt = undefined
      }
      const { rpc } = await raceAbort(starting, callOptions?.signal)
      if (forkedAt !== head) {
        await rpc.call('anvil_reset', [{ forking: { jsonRpcUrl: upstream.url, blockNumber: Number(BigInt(head)) } }], callOptions)
        forkedAt = head
      }
      return rpc
    },
    async stop (): Promise<void> {
      const s = starting
      starting = undefined
      if (s !== undefined) await (await s.catch(() => undefined))?.anvil.stop()
    }
  }
}

async function raceAbort<T> (promise: Promise<T>, signal: AbortSignal | undefined): Promise<T> {
  if (signal === undefined) return await promise
  signal.throwIfAborted()
  return await new Promise<T>((resolve, reject) => {
    const onAbort = (): void => { reject(signal.reason) }
    signal.addEventListener('abort', onAbort, { once: true })
    promise.then(resolve, reject).finally(() => { signal.removeEventListener('abort', onAbort) })
  })
}
