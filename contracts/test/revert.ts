// Test helper: the custom error a call reverted with, decoded by the contract's ABI.
// ethers fills `err.revert` only for eth_call; for a transaction its estimateGas failure
// carries just the raw `data`, so decode that with the interface.
import type { Interface } from 'ethers'

export async function revertOf (iface: Interface, pending: Promise<unknown>): Promise<{ name: string, args: unknown[] }> {
  try {
    await pending
  } catch (err) {
    const { revert, data } = err as { revert?: { name: string, args: unknown[] } | null, data?: string | null }
    if (revert !== undefined && revert !== null) return { name: revert.name, args: [...revert.args] }
    const parsed = typeof data === 'string' ? iface.parseError(data) : null
    if (parsed !== null) return { name: parsed.name, args: [...parsed.args] }
    throw err
  }
  throw new Error('expected a revert, the call succeeded')
}
