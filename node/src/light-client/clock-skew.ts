import { Contract, type Provider } from 'ethers'
import { DEFAULT_JOB_BOUNDS, jobBoundsFrom } from '#protocol/index.ts'
import type { Hex } from '#protocol/messages.ts'
import { parameterAt, PARAMETERS_READ_ABI } from './registry-view.ts'
import type { AbortOptions } from '@libp2p/interface'

/** clockSkewMs at a block, given the chain's head (NetworkParameters answers getAt for past blocks only). */
export type ClockSkewAt = (block: number, head: number, options?: AbortOptions) => Promise<number>

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
  return async (block, head, options = {}) => {
    options.signal?.throwIfAborted()
    const raw = await parameterAt(params, parameters, 'clockSkewMs', block, head)
    options.signal?.throwIfAborted()
    return skew(raw)
  }
}
