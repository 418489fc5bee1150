import { AbiCoder } from 'ethers'

const ERROR_STRING = '0x08c379a0'
const PANIC = '0x4e487b71'
const coder = AbiCoder.defaultAbiCoder()

/** A revert's reason from its return data (Error(string), Panic(uint256), a custom error selector), else the node's message. */
export function revertReason (data: unknown, message?: unknown): string {
  if (typeof data === 'string' && /^0x[0-9a-fA-F]*$/.test(data) && data.length >= 10) {
    const selector = data.slice(0, 10).toLowerCase()
    try {
      if (selector === ERROR_STRING) return String(coder.decode(['string'], `0x${data.slice(10)}`)[0]).slice(0, 200)
      if (selector === PANIC) return `panic 0x${(coder.decode(['uint256'], `0x${data.slice(10)}`)[0] as bigint).toString(16)}`
    } catch {
      // malformed: fall through to the selector
    }
    return `custom error ${selector}`
  }
  return typeof message === 'string' && message !== '' ? message.slice(0, 200) : 'reverted without a reason'
}
