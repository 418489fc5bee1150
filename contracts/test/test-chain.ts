import { JsonRpcProvider } from 'ethers'
import { startAnvil } from '../../node/src/chain/anvil.ts'
import type { Anvil } from '../../node/src/chain/anvil.ts'
import type { Test } from 'tap'

export interface TestChain {
  anvil: Anvil
  /** answers from anvil, never from a cache: a test reads what it just mined */
  provider: JsonRpcProvider
}

/** A fresh anvil on a free port and a provider on it, both stopped when `t` ends. */
export async function startTestChain (t: Pick<Test, 'teardown'>): Promise<TestChain> {
  const anvil = await startAnvil({ port: 0 })
  t.teardown(() => anvil.stop())
  const provider = new JsonRpcProvider(anvil.rpcUrl, anvil.chainId, { staticNetwork: true, cacheTimeout: -1 })
  t.teardown(() => provider.destroy())
  return { anvil, provider }
}
