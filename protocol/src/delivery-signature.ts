/**
 * A member's gossiped Delivered signature for a data-market order (SPEC 18, 19): the market topic's one
 * message, and its checks: a strict parse of the untrusted JSON, then the pure judgement a node's gossip
 * handler applies (reject: provably bad; ignore: not yet, or no longer, of use). Members collect these and,
 * once f+1 distinct members at the order's block signed, one of them in turn calls DataMarket.fulfil.
 */
import { recoverDeliveredSigner } from './delivered.ts'
import type { Delivered } from './delivered.ts'
import { GossipValidationError } from './errors.ts'
import type { ValidationAction, ValidationCode } from './errors.ts'
import type { DeliverySignature, Hex } from './messages.ts'

/** An order as a member follows it: its block (membership is taken there) and its deadline block. */
export interface TrackedOrder {
  block: number
  deadline: number
}

/** What a delivery signature is judged against: the chain as this node follows it, and what it already holds. */
export interface DeliverySignatureContext {
  chainId: number
  registry: Hex
  /** this deployment's DataMarket, lowercase */
  market: Hex
  /** the confirmed order, undefined when this node has not seen it (yet) */
  order(orderId: bigint): TrackedOrder | undefined
  /** whether the order is no longer open as this node last saw it (fulfilled, refunded, or its deadline passed) */
  isClosed(orderId: bigint): boolean
  isMemberAt(member: Hex, block: number): boolean
  /** whether this node already holds a signature of `member` for the order (the first one is kept) */
  has(orderId: bigint, member: Hex): boolean
}

const KEYS = ['type', 'market', 'orderId', 'member', 'wrapHash', 'signature'] as const
const MAX_UINT256 = (1n << 256n) - 1n

/** The message, or GossipValidationError(reject, MALFORMED) naming the first bad field. */
export function parseDeliverySignature (value: unknown): DeliverySignature {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) fail('reject', 'MALFORMED', 'not an object')
  const own = Object.keys(value)
  if (own.length !== KEYS.length || own.some((k) => !(KEYS as readonly string[]).includes(k))) fail('reject', 'MALFORMED', 'keys are not exactly ' + KEYS.join(', '))
  const o = value as Record<string, unknown>
  if (o.type !== 'delivery-signature') fail('reject', 'MALFORMED', 'type')
  // a decimal uint256 without leading zeros: one spelling per order
  if (typeof o.orderId !== 'string' || !/^(0|[1-9][0-9]{0,77})$/.test(o.orderId) || BigInt(o.orderId) > MAX_UINT256) fail('reject', 'MALFORMED', 'orderId is not a decimal uint256')
  return {
    type: 'delivery-signature',
    market: hex(o.market, 20, 'market'),
    orderId: o.orderId,
    member: hex(o.member, 20, 'member'),
    wrapHash: hex(o.wrapHash, 32, 'wrapHash'),
    signature: hex(o.signature, 65, 'signature')
  }
}

/** The signed Delivered the message carries. */
export function deliveredOfSignature (msg: DeliverySignature): Delivered {
  return { market: msg.market, orderId: BigInt(msg.orderId), wrapHash: msg.wrapHash }
}

/**
 * A parsed signature: for this market, an order this node follows that is still open, by a member at the
 * order's block not heard from yet for it, recovering to that member. A member's second signature for the
 * same order (another wrap) is ignored: the first is the one kept, whichever it is.
 */
export function validateDeliverySignature (msg: DeliverySignature, ctx: DeliverySignatureContext): { orderId: bigint, member: Hex, delivered: Delivered } {
  if (msg.market !== ctx.market) fail('reject', 'WRONG_MARKET', 'not this deployment\'s market')
  const orderId = BigInt(msg.orderId)
  const order = ctx.order(orderId)
  if (order === undefined) fail('ignore', 'UNKNOWN_ORDER', 'order not confirmed on this node\'s chain (yet)')
  if (ctx.isClosed(orderId)) fail('ignore', 'ORDER_CLOSED', 'order fulfilled, refunded or past its deadline')
  if (!ctx.isMemberAt(msg.member, order.block)) fail('reject', 'NOT_MEMBER', 'signer not a member at the order\'s block')
  if (ctx.has(orderId, msg.member)) fail('ignore', 'DUPLICATE', 'a signature of this member for this order is held')
  const delivered = deliveredOfSignature(msg)
  let signer: Hex
  try {
    signer = recoverDeliveredSigner(delivered, msg.signature, ctx.chainId, ctx.registry, msg.member)
  } catch (err) {
    throw new GossipValidationError('reject', 'BAD_SIGNATURE', 'signature does not recover', { cause: err })
  }
  if (signer !== msg.member) fail('reject', 'SIGNER_MISMATCH', 'signer is not the member')
  return { orderId, member: msg.member, delivered }
}

function hex (value: unknown, bytes: number, path: string): Hex {
  if (typeof value !== 'string' || value.length !== 2 + 2 * bytes || !/^0x[0-9a-f]*$/.test(value)) fail('reject', 'MALFORMED', `${path} is not ${bytes} bytes of lowercase 0x hex`)
  return value as Hex
}

function fail (action: ValidationAction, code: ValidationCode, message: string): never {
  throw new GossipValidationError(action, code, message)
}
