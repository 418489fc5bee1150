/**
 * A wallet's data-market orders (SPEC 18), read from the browser with JSON-RPC to the RPC the user
 * pinned (never through the node's API): DataMarket's Ordered events whose buyer (an indexed topic)
 * is the wallet, newest first, each with its status now from orderOf, as `virusmap market orders`
 * lists them. Every log is decoded strictly: an RPC that answers anything else is named, not shown.
 */
import { bytesToHex, concat, hexToBytes, word } from '../../../protocol/src/eip712-hash.js'
import { ChainReadError, createJsonRpc } from './chain-reads.js'

const enc = new TextEncoder()
const dec = new TextDecoder('utf-8', { fatal: true })
export const ORDERED_EVENT = 'Ordered(uint256,address,bytes32,bytes32,bytes32,uint256,uint256)'
/** DataMarket's Status enum */
export const ORDER_STATUS = ['none', 'open', 'fulfilled', 'refunded']
const ADDRESS = /^0x[0-9a-fA-F]{40}$/
const WORD = /^0x[0-9a-fA-F]{64}$/
const QUANTITY = /^0x[0-9a-fA-F]{1,16}$/
// getLogs ranges any JSON-RPC provider answers
const LOG_CHUNK = 2000
const MAX_LIMIT = 500

/** a bytes32 product id as its name (encodeBytes32String), or the hex when it is none */
export function productName (hex) {
  const bytes = hexToBytes(hex)
  const end = bytes.indexOf(0)
  const used = end === -1 ? bytes : bytes.slice(0, end)
  if (used.length === 0 || bytes.slice(used.length).some((b) => b !== 0)) return hex
  try {
    return dec.decode(used)
  } catch {
    return hex
  }
}

/** the epoch a feed order's subject names (bytes32 of a uint64, as protocol/src/feed/product.ts), or undefined */
export function feedEpoch (subject) {
  if (typeof subject !== 'string' || !WORD.test(subject)) return undefined
  const value = BigInt(subject)
  return value <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(value) : undefined
}

const bad = (why) => new ChainReadError('BAD_LOG', `the RPC answered a log that is no Ordered event: ${why}`)

/** One Ordered log as the RPC gave it; ChainReadError BAD_LOG for anything that is not one of `market`'s. */
export function decodeOrdered (log, market, topic) {
  if (log === null || typeof log !== 'object') throw bad('not an object')
  if (typeof log.address !== 'string' || log.address.toLowerCase() !== market) throw bad('another contract\'s')
  const topics = log.topics
  if (!Array.isArray(topics) || topics.length !== 4 || !topics.every((t) => typeof t === 'string' && WORD.test(t))) throw bad('its topics')
  if (topics[0].toLowerCase() !== topic) throw bad('another event')
  if (typeof log.data !== 'string' || !/^0x[0-9a-fA-F]{256}$/.test(log.data)) throw bad('its data')
  if (typeof log.blockNumber !== 'string' || !QUANTITY.test(log.blockNumber)) throw bad('its block')
  if (!/^0x0{24}/.test(topics[2])) throw bad('its buyer')
  const data = log.data.toLowerCase()
  const at = (i) => `0x${data.slice(2 + 64 * i, 66 + 64 * i)}`
  return {
    orderId: BigInt(topics[1]),
    buyer: `0x${topics[2].slice(26).toLowerCase()}`,
    product: productName(topics[3].toLowerCase()),
    subject: at(0),
    buyerX25519Key: at(1),
    price: BigInt(at(2)),
    deadline: Number(BigInt(at(3))),
    block: Number(BigInt(log.blockNumber))
  }
}

/** Reads of one DataMarket: { rpcUrl, market }; `keccak` (keccak_256) makes the event topic and selectors. */
export function createMarketReads ({ rpcUrl, market }, keccak) {
  if (!ADDRESS.test(market)) throw new ChainReadError('BAD_INPUT', 'the DataMarket must be an address (0x and 40 hex digits)')
  const at = market.toLowerCase()
  const topic = bytesToHex(keccak(enc.encode(ORDERED_EVENT)))
  const orderOf = bytesToHex(keccak(enc.encode('orderOf(uint256)')).slice(0, 4))
  const { rpcResult, rpc } = createJsonRpc(rpcUrl)

  async function status (orderId) {
    const text = await rpc('eth_call', [{ to: at, data: bytesToHex(concat([hexToBytes(orderOf), word(orderId)])) }, 'latest'])
    const answer = /^0x[0-9a-fA-F]{320}$/.test(text) ? hexToBytes(text) : new Uint8Array()
    if (answer.length !== 160) throw new ChainReadError('CALL_FAILED', `orderOf(${orderId}): not DataMarket's answer`)
    return ORDER_STATUS[answer[127]] ?? 'unknown'
  }

  return {
    /**
     * The orders `buyer` placed from block `fromBlock` on, newest first, at most `limit`, each with
     * { orderId, buyer, product, subject, buyerX25519Key, price, deadline, block, status }.
     */
    async ordersOf (buyer, { fromBlock = 0, limit = 50 } = {}) {
      if (typeof buyer !== 'string' || !ADDRESS.test(buyer)) throw new ChainReadError('BAD_INPUT', 'the wallet must be an address (0x and 40 hex digits)')
      if (!Number.isSafeInteger(fromBlock) || fromBlock < 0) throw new ChainReadError('BAD_INPUT', 'the first block must be a non-negative integer')
      if (!Number.isSafeInteger(limit) || limit < 1 || limit > MAX_LIMIT) throw new ChainReadError('BAD_INPUT', `the limit must be 1 to ${MAX_LIMIT}`)
      const buyerTopic = `0x${'0'.repeat(24)}${buyer.slice(2).toLowerCase()}`
      const head = Number(BigInt(await rpc('eth_blockNumber', [])))
      const found = []
      for (let to = head; to >= fromBlock && found.length < limit; to -= LOG_CHUNK) {
        const from = Math.max(fromBlock, to - LOG_CHUNK + 1)
        const logs = await rpcResult('eth_getLogs', [{ address: at, topics: [topic, null, buyerTopic], fromBlock: `0x${from.toString(16)}`, toBlock: `0x${to.toString(16)}` }])
        if (!Array.isArray(logs)) throw new ChainReadError('CALL_FAILED', 'eth_getLogs: no list')
        const orders = logs.map((log) => decodeOrdered(log, at, topic))
        if (orders.some((o) => o.buyer !== buyer.toLowerCase())) throw new ChainReadError('BAD_LOG', 'the RPC answered another buyer\'s order')
        found.push(...orders.toReversed())
      }
      const newest = found.slice(0, limit)
      const statuses = await Promise.all(newest.map(async (o) => await status(o.orderId)))
      return newest.map((o, i) => ({ ...o, status: statuses[i] }))
    }
  }
}
