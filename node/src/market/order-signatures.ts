/**
 * The members' Delivered signatures a member holds per open order (SPEC 18): the orders it follows, each
 * with the first valid signature of every member at the order's block, judged by the protocol's
 * validateDeliverySignature. Bounded: at most `maxOrders` orders (past it the oldest is forgotten), each
 * with at most one signature per member of its block, and at most `maxHeld` signatures for orders this
 * node has not seen confirmed yet, judged again once it has (a member whose chain runs a block ahead
 * gossips before the others follow its order).
 */
import { GossipValidationError, validateDeliverySignature } from '#protocol/index.ts'
import type { DeliverySignature, DeliverySignatureContext, Hex, OrderedEvent } from '#protocol/index.ts'

export interface HeldSignature { wrapHash: Hex, signature: Hex }

export interface CollectedOrder {
  order: OrderedEvent
  /** member -> its first signature */
  signatures: Map<Hex, HeldSignature>
  /** fulfilled or refunded as this node last saw it */
  closed: boolean
}

export interface OrderSignaturesOptions {
  chainId: number
  registry: Hex
  market: Hex
  /** orders followed at most (default 10,000) */
  maxOrders?: number
  /** signatures held for orders not seen yet, at most (default 1,024) */
  maxHeld?: number
}

export interface OrderSignatures {
  /** the confirmed head the deadlines are judged against; orders past their deadline are forgotten */
  setHead(head: number): void
  /** follows a confirmed order (not one past its deadline); returns the held signatures that now count for it */
  track(order: OrderedEvent): number
  /** judges a gossiped signature (throws GossipValidationError) and keeps it; one for an order not seen yet is held and ignored */
  receive(msg: DeliverySignature): CollectedOrder
  /** this member's own signature, kept without a check */
  addOwn(orderId: bigint, member: Hex, held: HeldSignature): void
  close(orderId: bigint): void
  get(orderId: bigint): CollectedOrder | undefined
  /** the orders still open, oldest first */
  open(): CollectedOrder[]
  /** fulfil's arguments: every held signature, signers ascending (DataMarket's order) */
  fulfilArgs(orderId: bigint): { signers: Hex[], wrapHashes: Hex[], signatures: Hex[] }
  readonly size: number
  readonly held: number
}

export function createOrderSignatures (opts: OrderSignaturesOptions, isMemberAt: (member: Hex, block: number) => boolean): OrderSignatures {
  const maxOrders = opts.maxOrders ?? 10_000
  const maxHeld = opts.maxHeld ?? 1024
  const market = opts.market.toLowerCase() as Hex
  const orders = new Map<bigint, CollectedOrder>()
  // signatures for orders not followed yet, by order id then member; oldest first
  const held = new Map<string, DeliverySignature>()
  let head = -1

  const ctx: DeliverySignatureContext = {
    chainId: opts.chainId,
    registry: opts.registry,
    market,
    order: (id) => orders.get(id)?.order,
    isClosed: (id) => {
      const o = orders.get(id)
      return o === undefined || o.closed || head > o.order.deadline
    },
    isMemberAt,
    has: (id, member) => orders.get(id)?.signatures.has(member) === true
  }

  function keep (msg: DeliverySignature): CollectedOrder {
    const { orderId, member, delivered } = validateDeliverySignature(msg, ctx)
    const o = orders.get(orderId) as CollectedOrder
    o.signatures.set(member, { wrapHash: delivered.wrapHash, signature: msg.signature })
    return o
  }

  return {
    get size () { return orders.size },
    get held () { return held.size },
    setHead (h) {
      head = Math.max(head, h)
      for (const [id, o] of orders) if (o.order.deadline < head) orders.delete(id)
    },
    track (order) {
      if (orders.has(order.orderId) || order.deadline < head) return 0
      orders.set(order.orderId, { order, signatures: new Map(), closed: false })
      if (orders.size > maxOrders) {
        const [oldest] = orders.keys()
        if (oldest !== undefined) orders.delete(oldest)
      }
      let counted = 0
      const prefix = `${order.orderId}/`
      for (const [key, msg] of held) {
        if (!key.startsWith(prefix)) continue
        held.delete(key)
        try {
          keep(msg)
          counted++
        } catch {
          // judged now against the order, and found wanting: dropped
        }
      }
      return counted
    },
    receive (msg) {
      try {
        return keep(msg)
      } catch (err) {
        if (err instanceof GossipValidationError && err.code === 'UNKNOWN_ORDER') {
          const key = `${msg.orderId}/${msg.member}`
          if (!held.has(key)) {
            held.set(key, msg)
            if (held.size > maxHeld) {
              const [oldest] = held.keys()
              if (oldest !== undefined) held.delete(oldest)
            }
          }
        }
        throw err
      }
    },
    addOwn (orderId, member, sig) {
      const o = orders.get(orderId)
      if (o !== undefined && !o.signatures.has(member)) o.signatures.set(member, sig)
    },
    close (orderId) {
      const o = orders.get(orderId)
      if (o !== undefined) o.closed = true
    },
    get: (orderId) => orders.get(orderId),
    open: () => [...orders.values()].filter((o) => !o.closed && o.order.deadline >= head),
    fulfilArgs (orderId) {
      const o = orders.get(orderId)
      const entries = o === undefined ? [] : [...o.signatures].toSorted(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
      return { signers: entries.map(([m]) => m), wrapHashes: entries.map(([, s]) => s.wrapHash), signatures: entries.map(([, s]) => s.signature) }
    }
  }
}
