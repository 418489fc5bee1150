/**
 * The hunt orders a member has seen (SPEC 19): DataMarket's confirmed Ordered events of the `hunt`
 * product, by order id, and the latest deadline paid for each ruleset and buyer. Re-read from the
 * deployment's block at every start: orders are few, and the chain is the record.
 */
import type { AbortOptions } from '@libp2p/interface'
import { HUNT_PRODUCT } from '#protocol/hunt/registration.ts'
import type { HuntOrder } from '#protocol/hunt/registration.ts'
import type { Hex } from '#protocol/messages.ts'
import type { MarketChain } from '../market/ports.ts'

// getLogs ranges stay small enough for any JSON-RPC provider
const LOG_CHUNK = 2000

export interface HuntOrders {
  /** reads the newly confirmed blocks; returns the confirmed head */
  follow(options?: AbortOptions): Promise<number>
  /** the confirmed head as of the last follow() */
  readonly head: number
  order(orderId: bigint): HuntOrder | undefined
  /** the latest deadline of `buyer`'s hunt orders for `rulesetId` (-1: none) */
  paidUntil(rulesetId: Hex, buyer: Hex): number
}

/**
 * `followed`: the registry follower's followed block; orders are read no deeper (the blocks whose logs it read
 * for the node, node-provider.ts), so an order is seen at most a poll interval after it is confirmed
 */
export function createHuntOrders (opts: { fromBlock: number, confirmations: number, followed?: () => number }, chain: MarketChain): HuntOrders {
  const orders = new Map<bigint, HuntOrder>()
  const deadlines = new Map<string, number>()
  let next = opts.fromBlock
  let head = -1
  // one reader at a time: a registration and the poll loop may both ask
  let running: Promise<number> | undefined

  async function read (options: AbortOptions): Promise<number> {
    const to = Math.min(await chain.head(options) - opts.confirmations, opts.followed?.() ?? Infinity)
    while (next <= to) {
      const end = Math.min(to, next + LOG_CHUNK - 1)
      for (const o of await chain.ordered(next, end, options)) {
        if (o.product !== HUNT_PRODUCT) continue
        orders.set(o.orderId, { orderId: o.orderId, buyer: o.buyer, product: o.product, subject: o.subject, block: o.block, deadline: o.deadline })
        const key = `${o.subject}/${o.buyer}`
        deadlines.set(key, Math.max(deadlines.get(key) ?? -1, o.deadline))
      }
      next = end + 1
    }
    head = Math.max(head, to)
    return head
  }

  return {
    get head () { return head },
    async follow (options = {}) {
      running ??= read(options).finally(() => { running = undefined })
      return await running
    },
    order: (orderId) => orders.get(orderId),
    paidUntil: (rulesetId, buyer) => deadlines.get(`${rulesetId}/${buyer}`) ?? -1
  }
}
