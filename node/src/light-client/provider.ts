import { JsonRpcProvider, Network } from 'ethers'
import type { AbortOptions } from '@libp2p/interface'

export class RpcUnreachableError extends Error {
  override readonly name = 'RpcUnreachableError'
  readonly code = 'RPC_UNREACHABLE'
}

/**
 * Asks the endpoint for its chain id first, with our signal, and only then builds the provider
 * with that network pinned: ethers' own detection retries forever and logs to the console when the
 * endpoint is down, which a CLI cannot have. The chain id still comes from the endpoint itself.
 */
export async function connectProvider (rpcUrl: string, options: AbortOptions = {}): Promise<JsonRpcProvider> {
  let chainId: number
  try {
    const response = await fetch(rpcUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'eth_chainId', params: [] }),
      signal: options.signal
    })
    const json = await response.json() as { result?: unknown }
    if (typeof json.result !== 'string' || !/^0x[0-9a-f]+$/i.test(json.result)) throw new Error('no chain id in the answer')
    chainId = Number(BigInt(json.result))
  } catch (err) {
    options.signal?.throwIfAborted()
    const cause = (err as { cause?: { code?: string } }).cause
    throw new RpcUnreachableError(`cannot reach RPC ${rpcUrl}: ${cause?.code ?? (err as Error).message}`, { cause: err })
  }
  return new JsonRpcProvider(rpcUrl, undefined, { staticNetwork: Network.from(chainId) })
}
