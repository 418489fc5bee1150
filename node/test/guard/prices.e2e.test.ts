// Prices read on chain, on anvil: Chainlink-shaped feeds (GuardPriceFeed) for ETH and two tokens,
// and Uniswap V2 itself (WETH9, UniswapV2Factory and its pair, the packages' build output) quoting a
// drainer's bait against WETH, all deployed by the test and named to the guard as chain 31337's
// price sources.
// The drainer kit (BaitDrainer) takes 95% of the user's tokens and the ETH sent and hands back
// 1000 of some token. Without prices the shop-shaped kits only warn; with them, a few dollars
// back or bait quoted at cents by its own thin pool blocks, a deep pool's worth is a fair trade,
// and an asset with no price (no pool, a stale or negative feed) is judged as without prices.
import tap from 'tap'
import { Contract, ContractFactory, Interface, NonceManager, Wallet, parseEther } from 'ethers'
import { createGuard, type Address, type Guard, type GuardResult, type PriceSources } from '../../src/guard/index.ts'
import { guardArtifacts } from './fixtures/compile.ts'
import { startGuardChain, type GuardChain } from './fixtures/guard-chain.ts'
import { deployUniswapV2 } from './fixtures/uniswap-v2.ts'
import { MAX, tx } from './fixtures/requests.ts'

const artifacts = guardArtifacts()
let chain: GuardChain
let owner: NonceManager
let ownerAddress: Address
let priced: Guard
let unpriced: Guard
const feeds: Record<'eth' | 'token' | 'cheap', Contract> = {} as never
let weth: Address
let cheap: Address
let bait: Address
let unlisted: Address
let pair: Contract
let ownersKit: Address
let baitKit: Address
let unlistedKit: Address
const kitAbi = new Interface(artifacts.BaitDrainer?.abi as never)

const deploy = async (name: string, ...args: unknown[]): Promise<Contract> => {
  const c = await new ContractFactory(artifacts[name]?.abi as never, artifacts[name]?.bytecode ?? '0x', owner).deploy(...args)
  await c.waitForDeployment()
  return c as Contract
}
const addr = async (c: Contract): Promise<Address> => (await c.getAddress()).toLowerCase() as Address
const erc20 = (token: Address): Contract => new Contract(token, artifacts.GuardToken?.abi as never, owner)
/**
 * Fixed gas limits for the calls that store the block's timestamp: estimated in a block of the same second
 * they cost less (updatedAt unchanged, no price accumulation), and one mined a second later ran out of gas
 * (updateAnswer: status 0, gasUsed 34,048, in a full suite run). updateAnswer writes three slots (~37,000 gas);
 * a V2 pair's mint or sync, with the accumulators, stays well under 300,000.
 */
const FEED_UPDATE_GAS = 60_000n
const PAIR_UPDATE_GAS = 300_000n
const send = async (p: Promise<{ wait: () => Promise<unknown> }>): Promise<void> => { await (await p).wait() }
const drop = (r: GuardResult): GuardResult['findings'][number] | undefined => r.findings.find(f => f.id.startsWith('balance-drop'))
const claim = (kit: Address, fn: 'claim' | 'claimFromOwnStock'): ReturnType<typeof tx> => tx(chain.user, kit, kitAbi.encodeFunctionData(fn), parseEther('0.5'))

tap.before(async () => {
  chain = await startGuardChain()
  // the kit's owner is anvil's dev account 2
  owner = new NonceManager(new Wallet('0x5de4111afa1a4b94908f83103eb1f1706367c2e68ca870fc3fb9a804cdab365a', chain.provider))
  ownerAddress = (await owner.getAddress()).toLowerCase() as Address
  const supply = 10n ** 9n * 10n ** 18n
  cheap = await addr(await deploy('GuardToken', ownerAddress, supply))
  bait = await addr(await deploy('GuardToken', ownerAddress, supply))
  unlisted = await addr(await deploy('GuardToken', ownerAddress, supply))
  // ETH at $2000, the user's token at $1, `cheap` at half a cent (1000 of it: $5); feeds answer with 8 decimals
  feeds.eth = await deploy('GuardPriceFeed', 8, 2000n * 10n ** 8n)
  feeds.token = await deploy('GuardPriceFeed', 8, 10n ** 8n)
  feeds.cheap = await deploy('GuardPriceFeed', 8, 5n * 10n ** 5n)
  const uniswap = await deployUniswapV2(owner)
  weth = await addr(uniswap.weth)
  await send(uniswap.weth.getFunction('deposit')({ value: parseEther('5000.01') }))
  pair = await uniswap.pair(bait, weth)
  // the drainer's own thin pool: a million bait against 0.01 WETH, its liquidity minted to itself
  await send(erc20(bait).getFunction('transfer')(await pair.getAddress(), 10n ** 6n * 10n ** 18n))
  await send(erc20(weth).getFunction('transfer')(await pair.getAddress(), parseEther('0.01')))
  await send(pair.getFunction('mint')(ownerAddress, { gasLimit: PAIR_UPDATE_GAS }))
  // the kits: one handing out `cheap` from the owner's wallet (where the stolen tokens go too), two from their own stock
  ownersKit = await addr(await deploy('BaitDrainer', chain.token, cheap, ownerAddress))
  baitKit = await addr(await deploy('BaitDrainer', chain.token, bait, ownerAddress))
  unlistedKit = await addr(await deploy('BaitDrainer', chain.token, unlisted, ownerAddress))
  await send(erc20(cheap).getFunction('approve')(ownersKit, MAX))
  await send(erc20(bait).getFunction('transfer')(baitKit, 10n ** 6n * 10n ** 18n))
  await send(erc20(unlisted).getFunction('transfer')(unlistedKit, 10n ** 6n * 10n ** 18n))
  const asVictim = new Contract(chain.token, artifacts.GuardToken?.abi as never, new NonceManager(chain.userWallet))
  for (const kit of [ownersKit, baitKit, unlistedKit]) await send(asVictim.getFunction('approve')(kit, MAX))
  const sources: PriceSources = {
    native: { feed: await addr(feeds.eth), decimals: 18 },
    tokens: new Map([[weth, { feed: await addr(feeds.eth), decimals: 18 }], [chain.token, { feed: await addr(feeds.token), decimals: 18 }], [cheap, { feed: await addr(feeds.cheap), decimals: 18 }]]),
    uniswapV2: { factory: await addr(uniswap.factory), weth }
  }
  priced = createGuard({ rpc: chain.anvil.rpcUrl, priceSources: new Map([[31337, sources]]) })
  unpriced = createGuard({ rpc: chain.anvil.rpcUrl, priceSources: new Map() })
})
tap.teardown(async () => {
  await priced?.stop()
  await unpriced?.stop()
  await chain?.stop()
})

tap.test('a few dollars back for 950 tokens and 0.5 ETH: a warning without prices, a block with them', async (t) => {
  const before = await unpriced.check(claim(ownersKit, 'claim'))
  t.equal(before.decision, 'warn', 'a seller\'s shape without a price')
  t.match(drop(before), { id: 'balance-drop-unvalued', evidence: { unvaluedGains: [cheap], priceSource: 'none' } })
  const after = await priced.check(claim(ownersKit, 'claim'))
  t.equal(after.decision, 'block')
  t.match(drop(after), { id: 'balance-drop', level: 'block', evidence: { asset: chain.token, lostUsd: '1950.00', backUsd: '5.00', priceSource: 'chainlink' } })
  t.match(drop(after)?.message, /\$1950\.00 leaves, \$5\.00 comes back/)
})

tap.test('bait quoted by its own thin pool is worth cents; a deep pool makes it a fair trade', async (t) => {
  const before = await unpriced.check(claim(baitKit, 'claimFromOwnStock'))
  t.equal(before.decision, 'warn', 'the kit\'s own stock while it takes the ETH looks like a shop without a price')
  const thin = await priced.check(claim(baitKit, 'claimFromOwnStock'))
  t.equal(thin.decision, 'block')
  // selling 1000 of a million bait into 0.01 WETH pays about 0.00001 WETH: two cents
  t.match(drop(thin), { id: 'balance-drop', evidence: { lostUsd: '1950.00', backUsd: '0.01', priceSource: 'chainlink+uniswap-v2' } })
  // the owner deepens the pool to 5,000 WETH (given to the pair, then sync()): 1000 bait now sell for about 4.98 WETH, $9,960
  await send(erc20(weth).getFunction('transfer')(await pair.getAddress(), parseEther('5000')))
  await send(pair.getFunction('sync')({ gasLimit: PAIR_UPDATE_GAS }))
  const deep = await priced.check(claim(baitKit, 'claimFromOwnStock'))
  t.equal(drop(deep), undefined, 'worth more than half of what leaves: a trade, whatever the kit is')
  t.notOk(deep.findings.some(f => f.level === 'block'))
})

tap.test('what has no price is judged as without prices', async (t) => {
  // no pool for the gain: the priced loss is kept in the evidence, the unpriced gain decides as before
  const noPool = await priced.check(claim(unlistedKit, 'claimFromOwnStock'))
  t.equal(noPool.decision, 'warn')
  t.match(drop(noPool), { id: 'balance-drop-unvalued', evidence: { unvaluedGains: [unlisted], lostUsd: '1950.00', backUsd: '0.00' } })
  // a negative answer from the gain's feed: no price for it, so the kit is a shop's shape again
  await send(feeds.cheap.getFunction('updateAnswer')(-1n, { gasLimit: FEED_UPDATE_GAS }))
  const negative = await priced.check(claim(ownersKit, 'claim'))
  t.match(drop(negative), { id: 'balance-drop-unvalued', evidence: { unvaluedGains: [cheap] } })
  await send(feeds.cheap.getFunction('updateAnswer')(5n * 10n ** 5n, { gasLimit: FEED_UPDATE_GAS }))
  t.equal((await priced.check(claim(ownersKit, 'claim'))).decision, 'block', 'priced again')
  // every feed 26 hours old: stale, so nothing is priced and the rule is the price-free one
  await chain.provider.send('evm_increaseTime', [26 * 3600])
  await chain.provider.send('evm_mine', [])
  const stale = await priced.check(claim(ownersKit, 'claim'))
  t.equal(stale.decision, 'warn')
  t.match(drop(stale), { id: 'balance-drop-unvalued', evidence: { priceSource: 'none' } })
  t.notOk('lostUsd' in (drop(stale)?.evidence ?? {}))
})
