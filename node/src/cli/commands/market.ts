// `virusmap market orders [--buyer A]`: the DataMarket's orders as the chain holds them (its Ordered
// events since the deployment, each order's status now), newest first.
import { formatEther, getAddress, isAddress, decodeBytes32String } from 'ethers'
import type { Hex } from '#protocol/messages.ts'
import { createMarketChain } from '../../market/market-chain.ts'
import type { OrderedEvent } from '#protocol/delivered.ts'
import { FEED_PRODUCT, feedEpochOf } from '#protocol/feed/index.ts'
import { EXIT_CODES } from '../command.ts'
import type { Command, CommandContext, OptionValue } from '../command.ts'
import { terminalJson, terminalText } from '../terminal-text.ts'
import { table } from './gov-render.ts'
import { badInput, oneLine, str } from './gov-context.ts'
import { MARKET_OPTIONS, ORDER_STATUS, withMarket } from './market-context.ts'

const USAGE = `virusmap market orders [--buyer ADDRESS] [--limit N] [--deployment FILE] [--rpc URL] [--chain-id N] [--json]
  orders: every order on the deployment's DataMarket (or one buyer's), newest first, with its status now`

// getLogs ranges any JSON-RPC provider answers
const LOG_CHUNK = 2000
const DEFAULT_LIMIT = 50

function productName (product: Hex): string {
  try {
    return decodeBytes32String(product)
  } catch {
    return product
  }
}

/** a feed order's epoch (its subject, SPEC 18 feeds), for people; undefined for other products or a subject naming none */
function feedEpoch (e: OrderedEvent): number | undefined {
  if (e.product !== FEED_PRODUCT) return undefined
  try {
    return feedEpochOf(e.subject)
  } catch {
    return undefined
  }
}

async function orders (values: Record<string, OptionValue>, ctx: CommandContext): Promise<number> {
  const buyerText = str(values.buyer)
  if (buyerText !== undefined && !isAddress(buyerText)) throw badInput(`--buyer must be a 0x address (40 hex digits), got "${terminalText(buyerText).slice(0, 80)}"`)
  const buyer = buyerText === undefined ? undefined : getAddress(buyerText).toLowerCase()
  const limitText = str(values.limit)
  const limit = limitText === undefined ? DEFAULT_LIMIT : Number(limitText)
  if (limitText !== undefined && (!/^[0-9]{1,4}$/.test(limitText) || limit < 1 || limit > 1000)) throw badInput('--limit must be an integer from 1 to 1000')
  return await withMarket(values, ctx, async (m) => {
    const chain = createMarketChain({ provider: m.provider, address: m.market })
    const head = await chain.head({ signal: ctx.signal })
    const found: OrderedEvent[] = []
    // newest first: walk back from the head until the limit is reached
    for (let to = head; to >= m.deployment.deployBlock && found.length < limit; to -= LOG_CHUNK) {
      const from = Math.max(m.deployment.deployBlock, to - LOG_CHUNK + 1)
      const events = (await chain.ordered(from, to, { signal: ctx.signal })).filter((e) => buyer === undefined || e.buyer === buyer)
      found.push(...events.toReversed())
    }
    const rows = await Promise.all(found.slice(0, limit).map(async (e) => {
      const [, , , status] = await m.contract.getFunction('orderOf')(e.orderId) as [string, bigint, bigint, bigint, bigint]
      return { orderId: e.orderId.toString(), status: ORDER_STATUS[Number(status)] ?? 'unknown', buyer: e.buyer, product: productName(e.product), subject: e.subject, ...(feedEpoch(e) === undefined ? {} : { epoch: feedEpoch(e) }), price: e.price.toString(), block: e.block, deadline: e.deadline }
    }))
    if (values.json === true) {
      ctx.stdout.write(`${terminalJson(rows, 2)}\n`)
    } else if (rows.length === 0) {
      ctx.stdout.write(buyer === undefined ? 'no orders\n' : `no orders by ${buyer}\n`)
    } else {
      ctx.stdout.write(table([['ORDER', 'STATUS', 'PRODUCT', 'SUBJECT', 'PRICE (VMT)', 'BLOCK', 'DEADLINE', 'BUYER'],
        ...rows.map((r) => [r.orderId, r.status, terminalText(r.product), 'epoch' in r ? `epoch ${r.epoch}` : r.subject, formatEther(r.price), String(r.block), String(r.deadline), r.buyer])]))
    }
    return EXIT_CODES.ok
  })
}

export const marketCommand: Command = {
  name: 'market',
  summary: 'the data market\'s orders (all, or one buyer\'s) with their status',
  usage: USAGE,
  options: { ...MARKET_OPTIONS, buyer: { type: 'string' }, limit: { type: 'string' } },
  run: async ({ values, positionals }, ctx) => await oneLine(ctx, async () => {
    const [sub, ...rest] = positionals
    if (rest.length > 0) throw badInput(`unexpected arguments: ${terminalText(rest.join(' ')).slice(0, 80)}`)
    if (sub === 'orders') return await orders(values, ctx)
    throw badInput(`which market subcommand? orders, got "${terminalText(String(sub ?? '')).slice(0, 40)}"`)
  })
}
