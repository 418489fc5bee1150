// DataMarket on anvil (issue 17): only approved vendors order, escrowing the product's price; f+1 distinct
// members at the order's block signing Delivered for that order pay the price out exactly (members equally,
// the discoverer's share credited to the rewards pool, the rest burned to 0x…dEaD, the parts summing to
// the price); with f signatures nothing pays and only a refund after the deadline returns the escrow; a
// second fulfil or refund reverts; signatures over another order, duplicate or unordered signers, a
// non-member, another market's signatures don't verify.
import t from 'tap'
import { Contract, MaxUint256, parseEther } from 'ethers'
import type { Wallet } from 'ethers'
import { deliveredDigest } from '#protocol/delivered.ts'
import type { Hex } from '#protocol/messages.ts'
import { revertOf } from './revert.ts'
import { ascending, deliveries, head, key, lower, mineTo, mined, operator, rand32, startMarketChain } from './market-chain.ts'

const c = await startMarketChain()
t.teardown(c.stop)
const { market, vmt, rewards, options } = c
const members: Wallet[] = []
for (let i = 0; i < 4; i++) members.push(await operator(c))
const outsider = await operator(c, false)
const vendorSigner = await c.provider.getSigner(1)
const stranger = await c.provider.getSigner(2)
const vendor = await vendorSigner.getAddress()
const asVendor = market.connect(vendorSigner) as Contract
const SAMPLE = key('sample')
const price = parseEther('10') + 7n // odd wei: the equal split leaves dust, which the burn takes
await mined(market.getFunction('setVendor')(vendor, true))
await mined(market.getFunction('setPrice')(SAMPLE, price))
await mined(vmt.getFunction('transfer')(vendor, parseEther('1000')))
await mined((vmt.connect(vendorSigner) as Contract).getFunction('approve')(await market.getAddress(), MaxUint256))

const balance = async (a: string): Promise<bigint> => await vmt.getFunction('balanceOf')(a) as bigint
const BURN = '0x000000000000000000000000000000000000dEaD'
/** Places an order as the vendor and returns its id. */
async function order (): Promise<bigint> {
  const id = await market.getFunction('terms')().then((t4: bigint[]) => t4[3]!)
  await mined(asVendor.getFunction('order')(SAMPLE, rand32(), rand32(), price))
  return id
}
const fulfil = (id: bigint, hashes: string[], sigs: string[]): Promise<{ name: string, args: unknown[] }> =>
  revertOf(market.interface, market.getFunction('fulfil')(id, hashes, sigs))

t.test('only approved vendors order, at most maxPrice, only priced products', async (tt) => {
  tt.same(await revertOf(market.interface, (market.connect(stranger) as Contract).getFunction('order')(SAMPLE, rand32(), rand32(), price)),
    { name: 'DataMarketNotVendor', args: [await stranger.getAddress()] })
  tt.same(await revertOf(market.interface, asVendor.getFunction('order')(SAMPLE, rand32(), rand32(), price - 1n)), { name: 'DataMarketPriceAbove', args: [price, price - 1n] })
  tt.same(await revertOf(market.interface, asVendor.getFunction('order')(key('feed'), rand32(), rand32(), price)), { name: 'DataMarketNotForSale', args: [key('feed')] })
  const before = await balance(vendor)
  const id = await order()
  tt.equal(before - await balance(vendor), price, 'escrowed')
  const [buyer, , deadline, status, escrowed] = await market.getFunction('orderOf')(id) as [string, bigint, bigint, bigint, bigint]
  tt.same([buyer, status, escrowed], [vendor, 1n, price])
  tt.equal(deadline, BigInt(await head(c) + options.deliveryBlocks))
})

t.test('f+1 members pay the split exactly; the parts sum to the price; a second fulfil or a refund reverts', async (tt) => {
  const id = await order()
  const signers = ascending(members.slice(0, 2)) // n = 4, f = 1: f+1 = 2
  const [hashes, sigs] = await deliveries(c, id, signers)
  const pool = await rewards.getAddress()
  const before = await Promise.all([...signers.map((w) => w.address), pool, BURN, await market.getAddress()].map(balance))
  const fees = (await rewards.getFunction('settings')())[0] as bigint
  await mined(market.connect(stranger).getFunction('fulfil')(id, hashes, sigs))
  const after = await Promise.all([...signers.map((w) => w.address), pool, BURN, await market.getAddress()].map(balance))
  const delta = after.map((a, i) => a - before[i]!)
  const perMember = price * BigInt(options.memberBps) / 10_000n / 2n
  const discoverer = price * BigInt(options.discovererBps) / 10_000n
  tt.same(delta.slice(0, 2), [perMember, perMember], 'each signing member its equal share')
  tt.equal(delta[2], discoverer, 'the discoverer\'s share to the rewards pool')
  tt.equal((await rewards.getFunction('settings')())[0] as bigint - fees, discoverer, 'credited as market fees')
  tt.equal(delta[3], price - 2n * perMember - discoverer, 'the rest burned')
  tt.equal(delta[0]! + delta[1]! + delta[2]! + delta[3]!, price, 'the parts sum to the price')
  tt.equal(delta[4], -price, 'the escrow is spent')
  tt.same(await fulfil(id, hashes, sigs), { name: 'DataMarketNotOpen', args: [id] }, 'a second fulfil')
  await mineTo(c, await head(c) + options.deliveryBlocks + 1)
  tt.same(await revertOf(market.interface, market.getFunction('refund')(id)), { name: 'DataMarketNotOpen', args: [id] }, 'a refund after fulfilment')
})

t.test('f signatures pay nothing; a refund only after the deadline, once', async (tt) => {
  const id = await order()
  const [hashes, sigs] = await deliveries(c, id, members.slice(0, 1))
  tt.same(await fulfil(id, hashes, sigs), { name: 'DataMarketTooFewSigners', args: [1n, 2n] })
  const deadline = (await market.getFunction('orderOf')(id))[2] as bigint
  tt.same(await revertOf(market.interface, market.getFunction('refund')(id)), { name: 'DataMarketDeadlineNotPassed', args: [id, deadline] })
  await mineTo(c, Number(deadline))
  const before = await balance(vendor)
  await mined(market.connect(stranger).getFunction('refund')(id))
  tt.equal(await balance(vendor) - before, price, 'the buyer has its escrow back')
  tt.same(await revertOf(market.interface, market.getFunction('refund')(id)), { name: 'DataMarketNotOpen', args: [id] }, 'a second refund')
  const [h2, s2] = await deliveries(c, id, members.slice(0, 2))
  tt.same(await fulfil(id, h2, s2), { name: 'DataMarketNotOpen', args: [id] }, 'a fulfil after the refund')
})

t.test('signatures of another order, another market, a non-member, duplicates or unordered signers don\'t verify', async (tt) => {
  const first = await order()
  const id = await order()
  const signers = ascending(members.slice(0, 3))
  const [hashes, sigs] = await deliveries(c, first, signers)
  // recovered over this order's digest, the other order's signatures name some other address: not a member
  const replay = await fulfil(id, hashes, sigs)
  tt.ok(replay.name === 'DataMarketNotMember' || replay.name === 'DataMarketSignersNotAscending', `another order's signatures: ${replay.name}`)
  tt.notOk(signers.some((w) => lower(w.address) === lower(String(replay.args.at(-1)))), 'recovered to no signer of the other order')
  const otherMarket = rand32().slice(0, 42)
  const [foreignHashes, foreign] = await deliveries(c, id, signers, otherMarket as Hex)
  const fromForeign = await fulfil(id, foreignHashes, foreign)
  tt.ok(['DataMarketNotMember', 'DataMarketSignersNotAscending'].includes(fromForeign.name), 'another market\'s signatures')
  const [own, ownSigs] = await deliveries(c, id, signers)
  tt.same(await fulfil(id, [own[0]!, own[0]!], [ownSigs[0]!, ownSigs[0]!]), { name: 'DataMarketSignersNotAscending', args: [1n, signers[0]!.address] }, 'duplicate')
  tt.same((await fulfil(id, [own[1]!, own[0]!], [ownSigs[1]!, ownSigs[0]!])).name, 'DataMarketSignersNotAscending', 'unordered')
  const [withOut, withOutSigs] = await deliveries(c, id, [members[0]!, outsider])
  tt.same(await fulfil(id, withOut, withOutSigs), { name: 'DataMarketNotMember', args: [outsider.address] }, 'a non-member')
  tt.same(await fulfil(id, own.slice(0, 2), ownSigs.slice(0, 1)), { name: 'DataMarketLengthMismatch', args: [] })
  await mined(market.getFunction('fulfil')(id, own, ownSigs))
  tt.equal((await market.getFunction('orderOf')(id))[3], 2n, 'its own members\' signatures fulfil it')
})

t.test('the contract\'s Delivered digest is the protocol\'s (what nodes sign)', async (tt) => {
  const at = lower(await market.getAddress())
  for (const [orderId, wrapHash] of [[0n, rand32()], [7n, rand32()], [2n ** 256n - 1n, rand32()]] as const) {
    tt.equal(lower(await market.getFunction('deliveredDigest')(orderId, wrapHash) as string), deliveredDigest({ market: at, orderId, wrapHash }, c.chainId, c.registryAddress), `order ${orderId}`)
  }
})
