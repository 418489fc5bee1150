// The per-order key file `virusmap buy` keeps beside its output (OUT.order-key.json, mode 0600) from
// before the order is sent until the sample is out: with it, `buy --resume FILE` finishes an order
// whose first run stopped (Ctrl-C, a crash, a timeout), and it is the proof material of a bad wrap.
// Read back strictly: a file that is anything else is refused before the chain is asked.
import { readFile, writeFile } from 'node:fs/promises'
import { x25519 } from '@noble/curves/ed25519.js'
import { bytesToHex, hexToBytes } from '@noble/hashes/utils.js'
import type { Hex } from '#protocol/messages.ts'
import { badInput } from './gov-context.ts'

export interface OrderKey {
  chainId: number
  market: Hex
  /** the order's subject: a sample's sha256, or an epoch feed's epoch (SPEC 18, feeds); the chain's Ordered event says which */
  sha256: Hex
  buyerPublicKey: Hex
  buyerSecretKey: Hex
  /** known once the order is mined */
  orderId?: bigint
  block?: number
  deadline?: number
}

/** A key file is a few hundred bytes. */
const MAX_BYTES = 4096
const KEYS = ['block', 'buyerPublicKey', 'buyerSecretKey', 'chainId', 'deadline', 'market', 'orderId', 'sha256']

export const ORDER_KEY_SUFFIX = '.order-key.json'

export async function writeOrderKey (file: string, k: OrderKey, options: { create: boolean }): Promise<void> {
  const json = { ...k, ...(k.orderId === undefined ? {} : { orderId: k.orderId.toString() }) }
  await writeFile(file, JSON.stringify(json, null, 2) + '\n', { flag: options.create ? 'wx' : 'w', mode: 0o600 })
}

/** The key file of an order that was placed; badInput for anything else. */
export function parseOrderKey (text: string, file: string): Required<OrderKey> {
  const bad = (why: string): Error => badInput(`${file} is not an order key file of virusmap buy: ${why}`)
  if (text.length > MAX_BYTES) throw bad('too large')
  let v: Record<string, unknown>
  try {
    v = JSON.parse(text) as Record<string, unknown>
  } catch {
    throw bad('not JSON')
  }
  if (v === null || typeof v !== 'object' || Array.isArray(v)) throw bad('not an object')
  if (Object.keys(v).toSorted().join(',') !== KEYS.join(',')) throw bad(`its fields must be ${KEYS.join(', ')} (an order never mined has no orderId: nothing to resume)`)
  const hex = (name: string, bytes: number): Hex => {
    const s = v[name]
    if (typeof s !== 'string' || !new RegExp(`^0x[0-9a-f]{${bytes * 2}}$`).test(s)) throw bad(`${name} must be ${bytes} bytes of lowercase hex`)
    return s as Hex
  }
  const int = (name: string): number => {
    const n = v[name]
    if (typeof n !== 'number' || !Number.isSafeInteger(n) || n < 0) throw bad(`${name} must be a non-negative integer`)
    return n
  }
  const orderId = v.orderId
  if (typeof orderId !== 'string' || !/^(0|[1-9][0-9]{0,77})$/.test(orderId) || BigInt(orderId) >= 2n ** 256n) throw bad('orderId must be a decimal uint256')
  const k = {
    chainId: int('chainId'), market: hex('market', 20), sha256: hex('sha256', 32), buyerPublicKey: hex('buyerPublicKey', 32), buyerSecretKey: hex('buyerSecretKey', 32),
    orderId: BigInt(orderId), block: int('block'), deadline: int('deadline')
  }
  if (`0x${bytesToHex(x25519.getPublicKey(hexToBytes(k.buyerSecretKey.slice(2))))}` !== k.buyerPublicKey) throw bad('its secret key is not the public key\'s')
  return k
}

export async function readOrderKey (file: string): Promise<Required<OrderKey>> {
  let text: string
  try {
    text = await readFile(file, 'utf8')
  } catch (err) {
    throw badInput(`cannot read ${file}: ${(err as { code?: string }).code ?? 'unreadable'}`)
  }
  return parseOrderKey(text, file)
}
