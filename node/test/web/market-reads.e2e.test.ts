// The vendor page's chain reads (market-reads.js: JSON-RPC from the browser, no ethers) on anvil against
// a real DataMarket: a wallet's orders newest first with their status now, the same orders
// `virusmap market orders` lists through ethers; an RPC that answers hostile logs or calls is named.
import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import tap from 'tap'
import { keccak_256 } from '@noble/hashes/sha3.js'
import { Contract, MaxUint256, parseEther } from 'ethers'
import { deliveries, key, lower, mineTo, mined, operator, rand32, startMarketChain } from '../../../contracts/test/market-chain.ts'
import { createMarketChain } from '../../src/market/market-chain.ts'
import { SAMPLE_PRODUCT } from '../../src/market/delivery.ts'
import { createMarketReads, decodeOrdered, productName } from '../../src/web/market-reads.js'

const c = await startMarketChain({ deliveryBlocks: 5 })
tap.teardown(async () => { await c.stop() })
const market = lower(await c.market.getAddress())
const members = [await operator(c), await operator(c), await operator(c), await operator(c)]
const vendor = await c.provider.getSigner(1)
const other = await c.provider.getSigner(2)
const price = parseEther('3')
for (const s of [vendor, other]) {
  await mined(c.market.getFunction('setVendor')(await s.getAddress(), true))
  await mined(c.vmt.getFunction('transfer')(await s.getAddress(), parseEther('100')))
  await mined((c.vmt.connect(s) as Contract).getFunction('approve')(market, MaxUint256))
}
await mined(c.market.getFunction('setPrice')(SAMPLE_PRODUCT, price))
await mined(c.market.getFunction('setPrice')(key('feed'), price))
const order = async (s: typeof vendor, product: string): Promise<bigint> => {
  const id = (await c.market.getFunction('terms')())[3] as bigint
  await mined((c.market.connect(s) as Contract).getFunction('order')(product, rand32(), rand32(), price))
  return id
}
const a = await order(vendor, SAMPLE_PRODUCT)
await order(other, SAMPLE_PRODUCT)
const b = await order(vendor, key('feed'))
const d = await order(vendor, SAMPLE_PRODUCT)
// b is fulfilled by two members, a lapses and is refunded, d stays open
await mineTo(c, Number((await c.market.getFunction('orderOf')(b))[1]) + 1)
const [hashes, sigs] = await deliveries(c, b, members.slice(0, 2), market)
await mined(c.market.getFunction('fulfil')(b, hashes, sigs))
await mineTo(c, Number((await c.market.getFunction('orderOf')(a))[2]) + 1)
await mined(c.market.getFunction('refund')(a))
const d2 = await order(vendor, SAMPLE_PRODUCT)

const fields = (o: { orderId: bigint, buyer: string, subject: string, buyerX25519Key: string, price: bigint, deadline: number, block: number }): unknown[] => [o.orderId, o.buyer, o.subject, o.buyerX25519Key, o.price, o.deadline, o.block]
const nothing = (): unknown => null

tap.test('a wallet\'s orders newest first, with their status now, as the CLI\'s reader sees them', async (t) => {
  const reads = createMarketReads({ rpcUrl: c.anvil.rpcUrl, market }, keccak_256)
  const orders = await reads.ordersOf(await vendor.getAddress())
  t.same(orders.map((o) => [o.orderId, o.status, o.product]), [[d2, 'open', 'sample'], [d, 'open', 'sample'], [b, 'fulfilled', 'feed'], [a, 'refunded', 'sample']])
  const head = await c.provider.getBlockNumber()
  const me = lower(await vendor.getAddress())
  const viaEthers = (await createMarketChain({ provider: c.provider, address: market }).ordered(0, head)).filter((e) => e.buyer === me).toReversed()
  t.same(orders.map(fields), viaEthers.map(fields), 'the same events ethers decodes')
  t.same((await reads.ordersOf(await vendor.getAddress(), { limit: 1 })).map((o) => o.orderId), [d2], 'limit')
  t.same(await reads.ordersOf(lower(members[0]!.address)), [], 'a wallet without orders')
})

tap.test('malformed input and a hostile RPC are named, never shown', async (t) => {
  const reads = createMarketReads({ rpcUrl: c.anvil.rpcUrl, market }, keccak_256)
  t.throws(() => createMarketReads({ rpcUrl: c.anvil.rpcUrl, market: '0x1234' }, keccak_256), { code: 'BAD_INPUT' })
  for (const bad of ['', '0x12', 'x'.repeat(42), `0x${'g'.repeat(40)}`]) await t.rejects(reads.ordersOf(bad), { code: 'BAD_INPUT' }, `wallet ${bad.slice(0, 12)}`)
  await t.rejects(reads.ordersOf(lower(members[0]!.address), { limit: 0 }), { code: 'BAD_INPUT' })
  await t.rejects(reads.ordersOf(lower(members[0]!.address), { fromBlock: -1 }), { code: 'BAD_INPUT' })
  await t.rejects(createMarketReads({ rpcUrl: 'http://127.0.0.1:9/', market }, keccak_256).ordersOf(lower(members[0]!.address)), { code: 'RPC_UNREACHABLE' })

  const topic = `0x${Buffer.from(keccak_256(new TextEncoder().encode('Ordered(uint256,address,bytes32,bytes32,bytes32,uint256,uint256)'))).toString('hex')}`
  const buyer = lower(await vendor.getAddress())
  const good = { address: market, topics: [topic, `0x${'0'.repeat(63)}1`, `0x${'0'.repeat(24)}${buyer.slice(2)}`, SAMPLE_PRODUCT], data: `0x${'11'.repeat(32)}${'22'.repeat(32)}${'0'.repeat(63)}5${'0'.repeat(62)}10`, blockNumber: '0x10' }
  t.same(decodeOrdered(good, market, topic), { orderId: 1n, buyer, product: 'sample', subject: `0x${'11'.repeat(32)}`, buyerX25519Key: `0x${'22'.repeat(32)}`, price: 5n, deadline: 16, block: 16 })
  const hostile: Array<[string, unknown]> = [
    ['null', null], ['a string', 'log'], ['another contract', { ...good, address: lower(members[0]!.address) }],
    ['three topics', { ...good, topics: good.topics.slice(0, 3) }], ['another event', { ...good, topics: [rand32(), ...good.topics.slice(1)] }],
    ['a short topic', { ...good, topics: [topic, '0x01', good.topics[2], good.topics[3]] }],
    ['a buyer topic with high bytes', { ...good, topics: [topic, good.topics[1], `0x${'f'.repeat(64)}`, good.topics[3]] }],
    ['short data', { ...good, data: '0x1234' }], ['long data', { ...good, data: `${good.data}00` }], ['non-hex data', { ...good, data: `0x${'zz'.repeat(128)}` }],
    ['no block', { ...good, blockNumber: undefined }], ['a huge block', { ...good, blockNumber: `0x${'f'.repeat(40)}` }]
  ]
  for (const [name, log] of hostile) t.throws(() => decodeOrdered(log, market, topic), { code: 'BAD_LOG' }, name)
  t.equal(productName(`0x${'ff'.repeat(32)}`), `0x${'ff'.repeat(32)}`, 'a product that is no name stays hex')
  t.equal(productName(`0x61${'00'.repeat(30)}62`), `0x61${'00'.repeat(30)}62`, 'bytes after a zero: hex')

  // an RPC that answers another buyer's order, a list that is no list, an orderOf of the wrong size
  let answer: (method: string) => unknown = nothing
  const server = createServer((req, res) => {
    let body = ''
    req.on('data', (chunk) => { body += chunk })
    req.on('end', () => { const { id, method } = JSON.parse(body); res.setHeader('content-type', 'application/json'); res.end(JSON.stringify({ jsonrpc: '2.0', id, result: answer(method) })) })
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  t.teardown(() => { server.close() })
  const liar = createMarketReads({ rpcUrl: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, market }, keccak_256)
  const other20 = lower(members[1]!.address)
  answer = (m) => m === 'eth_blockNumber' ? '0x10' : m === 'eth_getLogs' ? [good] : null
  await t.rejects(liar.ordersOf(other20), { code: 'BAD_LOG' }, 'another buyer\'s order')
  answer = (m) => m === 'eth_blockNumber' ? '0x10' : m === 'eth_getLogs' ? { logs: [] } : null
  await t.rejects(liar.ordersOf(buyer), { code: 'CALL_FAILED' }, 'no list')
  answer = (m) => m === 'eth_blockNumber' ? '0x10' : m === 'eth_getLogs' ? [good] : '0x1234'
  await t.rejects(liar.ordersOf(buyer), { code: 'CALL_FAILED' }, 'orderOf of the wrong size')
})
