/**
 * One member's delivery of a bought sample (SPEC 18): the sample's content key, which this member
 * recorded when it scanned the sample, re-sealed to the order's buyer key under the order's binding,
 * and the member's Delivered signature over the wrap's hash.
 */
import { hexToBytes } from '@noble/hashes/utils.js'
import { encodeBytes32String } from 'ethers'
import { signDelivered } from '#protocol/delivered.ts'
import { orderWrapHash, wrapForOrder } from '#protocol/order-wrap.ts'
import type { Signer } from 'ethers'
import type { Hex } from '#protocol/messages.ts'
import type { MarketDelivery } from '../db/delivery-repository.ts'
import type { SampleRecord } from '../db/sample-repository.ts'
import type { OrderBinding, OrderWrap } from '#protocol/order-wrap.ts'
import { MarketError } from './market-error.ts'
import type { OrderedEvent } from '#protocol/delivered.ts'

/** DataMarket's product id of a sample (its subject is the sample's sha256); governance prices it. */
export const SAMPLE_PRODUCT = encodeBytes32String('sample').toLowerCase() as Hex

export interface DeliverySigner {
  chainId: number
  registry: Hex
  market: Hex
  member: Hex
  signer: Signer
  now: () => number
}

function wrapTo (contentKey: Uint8Array, order: OrderedEvent, binding: OrderBinding): OrderWrap {
  try {
    return wrapForOrder(contentKey, hexToBytes(order.buyerX25519Key.slice(2)), binding)
  } catch (err) {
    throw new MarketError('BAD_BUYER_KEY', `order ${order.orderId}'s buyer key is no X25519 public key`, { cause: err })
  }
}

/** Throws MarketError BAD_BUYER_KEY when the order's key cannot be sealed to. */
export async function buildDelivery (order: OrderedEvent, sample: Pick<SampleRecord, 'sha256' | 'cid' | 'contentKey'>, s: DeliverySigner): Promise<MarketDelivery> {
  const contentKey = hexToBytes(sample.contentKey.slice(2))
  try {
    const wrap = wrapTo(contentKey, order, { chainId: s.chainId, market: s.market, orderId: order.orderId, sha256: sample.sha256, member: s.member })
    const wrapHash = orderWrapHash(wrap)
    const signature = await signDelivered({ market: s.market, orderId: order.orderId, wrapHash }, s.chainId, s.registry, s.signer)
    return {
      market: s.market, orderId: order.orderId.toString(), sha256: sample.sha256, cid: sample.cid, member: s.member, wrap, wrapHash, signature, signedAt: s.now()
    }
  } finally {
    contentKey.fill(0)
  }
}
