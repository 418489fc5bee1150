/**
 * The buyer's side of a delivery (SPEC 18), trusting no node: each node's answer at
 * /api/virusmap/market/orders/{id}/delivery is parsed strictly, held to the order (market, id, sample),
 * its Delivered signature must recover to the member it names, a member at the order's block, and its
 * wrap must open with the buyer's per-order key to a key that decrypts the sample to its sha256
 * (protocol judgeOrderWrap). Only wraps that passed are paid: f+1 of them, signers ascending.
 */
import { bytesToHex } from '@noble/hashes/utils.js'
import { recoverDeliveredSigner } from '#protocol/delivered.ts'
import { judgeOrderWrap, orderWrapHash, unwrapOrderWrap } from '#protocol/order-wrap.ts'
import type { Hex } from '#protocol/messages.ts'
import type { OrderBinding, OrderWrapFault } from '#protocol/order-wrap.ts'
import { MarketError } from './market-error.ts'

export interface OfferedDelivery {
  market: Hex
  orderId: bigint
  sha256: Hex
  cid: string
  member: Hex
  ephemeralPublicKey: Hex
  wrappedKey: Hex
  wrapHash: Hex
  signature: Hex
}

const HEX = (bytes: number): RegExp => new RegExp(`^0x[0-9a-fA-F]{${bytes * 2}}$`)
const FIELDS: Record<string, RegExp> = {
  market: HEX(20), sha256: HEX(32), member: HEX(20), ephemeral_public_key: HEX(32), wrapped_key: HEX(60), wrap_hash: HEX(32), signature: HEX(65),
  order_id: /^(0|[1-9][0-9]{0,77})$/,
  // a CID string: multibase base32 or base58btc, bounded
  cid: /^[a-zA-Z0-9]{1,128}$/
}

/** A node's answer parsed; MarketError BAD_DELIVERY for anything but the route's shape. */
export function parseDelivery (body: unknown): OfferedDelivery {
  const a = (body as { data?: { attributes?: unknown } } | null)?.data?.attributes
  if (a === null || typeof a !== 'object' || Array.isArray(a)) throw new MarketError('BAD_DELIVERY', 'the answer has no delivery attributes')
  const attrs = a as Record<string, unknown>
  for (const [name, pattern] of Object.entries(FIELDS)) {
    const v = attrs[name]
    if (typeof v !== 'string' || !pattern.test(v)) throw new MarketError('BAD_DELIVERY', `the delivery's ${name} is malformed`)
  }
  const s = (name: string): Hex => (attrs[name] as string).toLowerCase() as Hex
  const orderId = BigInt(attrs.order_id as string)
  if (orderId >= 2n ** 256n) throw new MarketError('BAD_DELIVERY', 'the delivery\'s order_id is no uint256')
  return {
    market: s('market'), orderId, sha256: s('sha256'), cid: attrs.cid as string, member: s('member'), ephemeralPublicKey: s('ephemeral_public_key'),
    wrappedKey: s('wrapped_key'), wrapHash: s('wrap_hash'), signature: s('signature')
  }
}

export interface OrderToCheck {
  chainId: number
  registry: Hex
  market: Hex
  orderId: bigint
  sha256: Hex
  buyerPublicKey: Hex
  buyerSecretKey: Uint8Array
  /** membership at the order's block */
  isMember: (address: Hex) => boolean
}

export type DeliveryFault = OrderWrapFault | 'WRONG_ORDER' | 'WRAP_HASH_MISMATCH' | 'BAD_SIGNATURE' | 'NOT_MEMBER'

export type Judged =
  | { ok: true, delivery: OfferedDelivery, contentKey: Uint8Array }
  | { ok: false, delivery: OfferedDelivery, fault: DeliveryFault }

/**
 * Judges every delivery. `decrypts` is asked once per distinct key a wrap opened to (it fetches and
 * decrypts the ciphertext and checks the sha256); the member a fault names is the one whose signature
 * recovered, so a node cannot blame another member.
 */
export async function judgeDeliveries (offered: readonly OfferedDelivery[], o: OrderToCheck, decrypts: (contentKey: Uint8Array) => Promise<boolean>): Promise<Judged[]> {
  const verdicts = new Map<string, boolean>()
  const bindingOf = (d: OfferedDelivery): OrderBinding => ({ chainId: o.chainId, market: o.market, orderId: o.orderId, sha256: o.sha256, member: d.member })
  for (const d of offered) {
    try {
      const key = unwrapOrderWrap(d, o.buyerSecretKey, bindingOf(d))
      const hex = bytesToHex(key)
      if (!verdicts.has(hex)) verdicts.set(hex, await decrypts(key))
    } catch {
      // judged below
    }
  }
  return offered.map((d): Judged => {
    if (d.market !== o.market.toLowerCase() || d.orderId !== o.orderId || d.sha256 !== o.sha256.toLowerCase()) return { ok: false, delivery: d, fault: 'WRONG_ORDER' }
    if (orderWrapHash(d) !== d.wrapHash) return { ok: false, delivery: d, fault: 'WRAP_HASH_MISMATCH' }
    let signer: Hex
    try {
      signer = recoverDeliveredSigner({ market: o.market, orderId: o.orderId, wrapHash: d.wrapHash }, d.signature, o.chainId, o.registry)
    } catch {
      return { ok: false, delivery: d, fault: 'BAD_SIGNATURE' }
    }
    if (signer !== d.member) return { ok: false, delivery: d, fault: 'BAD_SIGNATURE' }
    if (!o.isMember(signer)) return { ok: false, delivery: d, fault: 'NOT_MEMBER' }
    const j = judgeOrderWrap(d, o.buyerSecretKey, o.buyerPublicKey, bindingOf(d), (key) => verdicts.get(bytesToHex(key)) === true)
    return j.ok ? { ok: true, delivery: d, contentKey: j.contentKey } : { ok: false, delivery: d, fault: j.fault }
  })
}

/** fulfil's arguments from `needed` (f+1) passing deliveries of distinct members, signers ascending; undefined when too few passed. */
export function fulfilment (judged: readonly Judged[], needed: number): { wrapHashes: Hex[], signatures: Hex[] } | undefined {
  const byMember = new Map<Hex, OfferedDelivery>()
  for (const j of judged) if (j.ok && !byMember.has(j.delivery.member)) byMember.set(j.delivery.member, j.delivery)
  if (byMember.size < needed) return undefined
  const chosen = [...byMember.values()].toSorted((a, b) => a.member < b.member ? -1 : a.member > b.member ? 1 : 0).slice(0, needed)
  return { wrapHashes: chosen.map((d) => d.wrapHash), signatures: chosen.map((d) => d.signature) }
}
