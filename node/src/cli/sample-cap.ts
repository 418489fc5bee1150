// The largest plaintext `virusmap buy` decrypts for an order (SPEC 18): the network's maxSampleBytes in force
// at the order's block (NetworkParameters), else the node's default. A member cannot have accepted a larger
// sample under that parameter, so a manifest declaring more is refused before any chunk is fetched.
import { Contract } from 'ethers'
import type { Provider } from 'ethers'
import type { Hex } from '#protocol/messages.ts'
import { PARAMETERS_READ_ABI, parameterAt } from '../light-client/registry-view.ts'
import { SAMPLE_DEFAULTS } from '../ingest/sample-options.ts'

export async function sampleCapAt (provider: Provider, parameters: Hex | undefined, block: number): Promise<number> {
  if (parameters === undefined) return SAMPLE_DEFAULTS.maxSampleBytes
  const head = await provider.getBlockNumber()
  const value = await parameterAt(new Contract(parameters, PARAMETERS_READ_ABI, provider), parameters, 'maxSampleBytes', block, head)
  // 0 is getAt's answer for a key not set by then
  return value === undefined || value === 0n || value > BigInt(Number.MAX_SAFE_INTEGER) ? SAMPLE_DEFAULTS.maxSampleBytes : Number(value)
}
