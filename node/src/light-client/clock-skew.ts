import { Contract, encodeBytes32String, type Provider } from 'ethers'
import { DEFAULT_JOB_BOUNDS, jobBoundsFrom } from '../../../protocol/src/index.ts'
import type { Hex } from '../../../protocol/src/messages.ts'
import { PARAMETERS_READ_ABI, RegistryCallError } from './registry-view.ts'

/** clockSkewMs at a block, given the chain's head (NetworkParameters answers getAt for past blocks only). */
export type ClockSkewAt = (block: number, head: number, options?: { signal?: AbortSignal }) => Promise<number>

/** The clockSkewMs a raw parameter value stands for, by protocol's one rule (unset or nonsense: the default). */
function skew (raw: bigint | undefined): number {
  return jobBoundsFrom((name) => (name === 'clockSkewMs' ? raw : undefined)).clockSkewMs
}

/**
 * The clockSkewMs a light client holds a job's createdAt to (SPEC section 5), read by the one rule
 * nodes use (protocol jobBoundsFrom). A deployment without NetworkParameters has the default.
 */
export function createClockSkewReader (provider: Provider, parameters?: Hex): ClockSkewAt {
  if (parameters === undefined) return async () => DEFAULT_JOB_BOUNDS.clockSkewMs
  const params = new Contract(parameters, PARAMETERS_READ_ABI, provider)
  const key = encodeBytes32String('clockSkewMs')
  return async (block, head, options = {}) => {
    options.signal?.throwIfAborted()
    const atHead = block >= head
    let raw: bigint | undefined
    try {
      // at the head the value in force is the current one; getAt would revert as a future lookup
      raw = await (atHead ? params.getFunction('get').staticCall(key) : params.getFunction('getAt').staticCall(key, block)) as bigint
    } catch (err) {
      const code = (err as { code?: string }).code
      // get() reverts on a key never set: the default rule
      if (atHead && code === 'CALL_EXCEPTION') raw = undefined
      else if (code === 'CALL_EXCEPTION' || code === 'BAD_DATA') throw new RegistryCallError(`parameters ${parameters} did not answer clockSkewMs (is the deployment file for this chain?)`, { cause: err })
      else throw err
    }
    options.signal?.throwIfAborted()
    return skew(raw)
  }
}
