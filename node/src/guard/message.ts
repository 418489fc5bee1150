// What a personal_sign payload is: readable text is harmless to sign; 32 raw bytes (a digest)
// or a serialized transaction can authorize anything, which is how drainers misuse it. Pure.
import { Transaction } from 'ethers'
import type { Action } from './actions.ts'
import { readHex, readString, MAX_DATA_BYTES } from './input.ts'

const PREVIEW_CHARS = 120
const utf8 = new TextDecoder('utf-8', { fatal: true })
// printable text: no control characters other than tab, newline, carriage return
const isControl = (c: number): boolean => (c < 0x20 && c !== 0x09 && c !== 0x0a && c !== 0x0d) || c === 0x7f

export function decodePersonalMessage (value: unknown): Action {
  const s = readString(value, 'personal_sign message', 2 + MAX_DATA_BYTES * 2)
  if (!/^0x/i.test(s)) return { kind: 'personal-sign', shape: 'text', preview: s.slice(0, PREVIEW_CHARS) }
  const hex = readHex(s, 'personal_sign message')
  const bytes = Buffer.from(hex.slice(2), 'hex')
  if (isSerializedTransaction(hex)) return { kind: 'personal-sign', shape: 'rlp-tx', preview: hex.slice(0, PREVIEW_CHARS) }
  if (bytes.length === 32) return { kind: 'personal-sign', shape: 'hash32', preview: hex }
  let text: string | undefined
  try { text = utf8.decode(bytes) } catch { text = undefined }
  if (text !== undefined && !bytes.some(isControl)) return { kind: 'personal-sign', shape: 'text', preview: text.slice(0, PREVIEW_CHARS) }
  return { kind: 'personal-sign', shape: 'binary', preview: hex.slice(0, PREVIEW_CHARS) }
}

export function decodeEthSign (value: unknown): Action {
  return { kind: 'eth-sign', digest: readHex(value, 'eth_sign data').slice(0, PREVIEW_CHARS) }
}

/** a legacy RLP list or a typed (EIP-2718) transaction that ethers can parse */
function isSerializedTransaction (hex: string): boolean {
  const first = Number.parseInt(hex.slice(2, 4), 16)
  if (!(first >= 0xc0 || (first <= 0x7f && Number.parseInt(hex.slice(4, 6), 16) >= 0xc0))) return false
  try {
    Transaction.from(hex)
    return true
  } catch {
    return false
  }
}
