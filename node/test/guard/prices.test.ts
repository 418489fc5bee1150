// The price reader against hostile and broken chains (an RPC answering what a feed or pool never
// would: short, malformed, negative, stale, future, absurd decimals, failing calls), and the
// balance-drop rule's dollar judgement as a pure function. The real feeds and pools on anvil are
// in prices.e2e.test.ts.
import tap from 'tap'
import { balanceDropRule, createPriceReader, decodeRequest, MAX_PRICED, type Address, type ChainFacts, type Effects, type JsonRpc, type PricedAsset, type PriceSources, type RuleInput, type UsdValue } from '../../src/guard/index.ts'
import { call } from './fixtures/requests.ts'

const FEED: Address = '0xfeed000000000000000000000000000000000001'
const TOKEN: Address = '0x1111111111111111111111111111111111111111'
const WETH: Address = '0x2222222222222222222222222222222222222222'
const FACTORY: Address = '0x3333333333333333333333333333333333333333'
const PAIR: Address = '0x4444444444444444444444444444444444444444'
const BAIT: Address = '0x5555555555555555555555555555555555555555'
const USER: Address = '0x70997970c51812dc3a010c7d01b50e0d17dc79c8'
const NOW = 1_900_000_000

const word = (v: bigint): string => (v < 0n ? (1n << 256n) + v : v).toString(16).padStart(64, '0')
const round = (answer: bigint, updatedAt = BigInt(NOW - 60)): string => `0x${word(1n)}${word(answer)}${word(updatedAt)}${word(updatedAt)}${word(1n)}`
const SOURCES: ReadonlyMap<number, PriceSources> = new Map([[1, {
  native: { feed: FEED, decimals: 18 },
  tokens: new Map([[WETH, { feed: FEED, decimals: 18 }]]),
  uniswapV2: { factory: FACTORY, weth: WETH }
}]])

/** an RPC whose eth_call answers come from `answers` by selector; anything else throws */
const rpcAnswering = (answers: Record<string, unknown>, asked: string[] = []): JsonRpc => ({
  url: 'memory:',
  async call<T>(method: string, params: unknown[]): Promise<T> {
    const data = (params[0] as { data?: string }).data ?? ''
    asked.push(data.slice(0, 10))
    const a = answers[data.slice(0, 10)]
    if (method !== 'eth_call' || a === undefined) throw new Error(`unexpected ${method} ${data.slice(0, 10)}`)
    if (a instanceof Error) throw a
    return a as T
  }
})
const ETH_AT_2000 = { '0x313ce567': `0x${word(8n)}`, '0xfeaf968c': round(2000n * 10n ** 8n) }
const value = async (rpc: JsonRpc, amounts: Array<[PricedAsset, bigint]>, chainId = 1): Promise<Map<PricedAsset, UsdValue>> =>
  await createPriceReader(rpc, SOURCES).value(chainId, new Map(amounts), NOW)

tap.test('a feed prices the native coin and its tokens, in dollars with 18 decimals', async (t) => {
  const v = await value(rpcAnswering(ETH_AT_2000), [['native', -(10n ** 18n)], [WETH, 5n * 10n ** 17n]])
  t.same(v.get('native'), { usd: 2000n * 10n ** 18n, source: 'chainlink' }, 'a loss is valued by its size')
  t.same(v.get(WETH), { usd: 1000n * 10n ** 18n, source: 'chainlink' })
})

tap.test('no source, no price: an unknown chain, an unknown chain id, a token without feed or pool source', async (t) => {
  const asked: string[] = []
  t.same(await value(rpcAnswering(ETH_AT_2000, asked), [['native', 1n]], 5), new Map())
  t.same(await createPriceReader(rpcAnswering(ETH_AT_2000, asked), SOURCES).value(undefined, new Map([['native', 1n]]), NOW), new Map(), 'the RPC did not say its chain')
  t.same(asked, [], 'nothing asked of the chain')
  const noPools = createPriceReader(rpcAnswering(ETH_AT_2000), new Map([[1, { tokens: new Map() }]]))
  t.same(await noPools.value(1, new Map([[TOKEN, 1n], ['native', 1n]]), NOW), new Map())
})

tap.test('hostile feed answers are no price, never a throw', async (t) => {
  const cases: Array<[string, Record<string, unknown>]> = [
    ['a negative answer', { ...ETH_AT_2000, '0xfeaf968c': round(-5n) }],
    ['a zero answer', { ...ETH_AT_2000, '0xfeaf968c': round(0n) }],
    ['stale: 26 hours old', { ...ETH_AT_2000, '0xfeaf968c': round(1n, BigInt(NOW - 26 * 3600)) }],
    ['from the future', { ...ETH_AT_2000, '0xfeaf968c': round(1n, BigInt(NOW + 3600)) }],
    ['a short answer', { ...ETH_AT_2000, '0xfeaf968c': `0x${word(1n)}${word(5n)}` }],
    ['not hex', { ...ETH_AT_2000, '0xfeaf968c': `0x${'zz'.repeat(160)}` }],
    ['not a string', { ...ETH_AT_2000, '0xfeaf968c': { answer: 5 } }],
    ['null', { ...ETH_AT_2000, '0xfeaf968c': null }],
    ['77 decimals', { ...ETH_AT_2000, '0x313ce567': `0x${word(77n)}` }],
    ['decimals beyond uint8', { ...ETH_AT_2000, '0x313ce567': `0x${'ff'.repeat(32)}` }],
    ['a reverting feed', { ...ETH_AT_2000, '0xfeaf968c': new Error('execution reverted') }]
  ]
  for (const [name, answers] of cases) t.same(await value(rpcAnswering(answers), [['native', 10n ** 18n]]), new Map(), name)
  // an oversize answer is read by its first five words only
  t.same((await value(rpcAnswering({ ...ETH_AT_2000, '0xfeaf968c': round(3n * 10n ** 8n) + 'ab'.repeat(10_000) }), [['native', 10n ** 18n]])).get('native'), { usd: 3n * 10n ** 18n, source: 'chainlink' })
})

const pool = (token0: Address, reserves: [bigint, bigint], pair: string = `0x${'0'.repeat(24)}${PAIR.slice(2)}`): Record<string, unknown> => ({
  ...ETH_AT_2000,
  '0xe6a43905': pair,
  '0x0dfe1681': `0x${'0'.repeat(24)}${token0.slice(2)}`,
  '0x0902f1ac': `0x${word(reserves[0])}${word(reserves[1])}${word(1n)}`
})

tap.test('a pool is valued by what selling into it pays, in either token order', async (t) => {
  // 1000 bait into 1,000,000 bait / 1 WETH: 1000 * 997 / (1e6 * 1000 + 1000 * 997) WETH, about $1.99
  const expected = 1000n * 997n * 10n ** 18n / (10n ** 6n * 1000n + 1000n * 997n) * 2000n * 10n ** 8n * 10n ** 18n / 10n ** 26n
  const asToken0 = await value(rpcAnswering(pool(BAIT, [10n ** 6n, 10n ** 18n])), [[BAIT, 1000n]])
  t.same(asToken0.get(BAIT), { usd: expected, source: 'uniswap-v2' })
  const asToken1 = await value(rpcAnswering(pool(WETH, [10n ** 18n, 10n ** 6n])), [[BAIT, 1000n]])
  t.same(asToken1.get(BAIT), { usd: expected, source: 'uniswap-v2' })
})

tap.test('hostile pool answers are no price', async (t) => {
  const cases: Array<[string, Record<string, unknown>]> = [
    ['no pair', pool(BAIT, [1n, 1n], `0x${'0'.repeat(64)}`)],
    ['a pair word with high bits', pool(BAIT, [1n, 1n], `0x${'f'.repeat(24)}${PAIR.slice(2)}`)],
    ['a pair that is no string', { ...pool(BAIT, [1n, 1n]), '0xe6a43905': 7 }],
    ['empty reserves', pool(BAIT, [0n, 10n ** 18n])],
    ['no WETH in it', pool(BAIT, [10n ** 6n, 0n])],
    ['short reserves', { ...pool(BAIT, [1n, 1n]), '0x0902f1ac': `0x${word(1n)}` }],
    ['token0 garbage', { ...pool(BAIT, [1n, 1n]), '0x0dfe1681': '0xnope' }],
    ['a failing getReserves', { ...pool(BAIT, [1n, 1n]), '0x0902f1ac': new Error('execution reverted') }],
    ['a pool but no ETH price', { ...pool(BAIT, [1n, 1n]), '0xfeaf968c': round(-1n) }]
  ]
  for (const [name, answers] of cases) t.same(await value(rpcAnswering(answers), [[BAIT, 1000n]]), new Map(), name)
  t.same(await value(rpcAnswering(pool(WETH, [1n, 1n])), [[WETH, 0n]]), new Map([[WETH, { usd: 0n, source: 'chainlink' }]]), 'WETH is priced by its feed, never by a pool against itself')
})

tap.test(`at most ${MAX_PRICED} assets are priced per check, and one feed is read once`, async (t) => {
  const asked: string[] = []
  const tokens = Array.from({ length: 40 }, (_, i): [PricedAsset, bigint] => [`0x${(i + 1).toString(16).padStart(40, '0')}` as Address, 1n])
  const answers = { ...pool(BAIT, [10n ** 6n, 10n ** 18n]) }
  await value(rpcAnswering(answers, asked), [['native', 1n], [WETH, 1n], ...tokens])
  t.equal(asked.filter(s => s === '0xe6a43905').length, MAX_PRICED - 2, 'pairs looked up for the first assets only')
  t.equal(asked.filter(s => s === '0xfeaf968c').length, 1, 'the ETH feed read once for all of them')
})

// the rule in dollars: the user loses all 10 of a token, gains `gains`
const USD = (n: bigint): bigint => n * 10n ** 18n
const ruleInput = (gains: Effects['erc20'], usd: Array<[PricedAsset, bigint]>, allowlist: Address[] = []): RuleInput => {
  const effects: Effects = { native: 0n, erc20: [{ token: TOKEN, delta: -10n }, ...gains], nfts: [], approvals: [], transfers: [] }
  const facts: ChainFacts = { now: NOW, hasCode: new Map(), ageSeconds: new Map(), nativeBalance: 10n ** 18n, tokenBalances: new Map([[TOKEN, 10n]]), usd: new Map(usd.map(([a, v]) => [a, { usd: v, source: 'chainlink' }])) }
  return {
    request: decodeRequest(call(USER, TOKEN, 'claim', [])),
    simulation: { status: 'ok', via: 'eth_simulateV1', gasUsed: 0n, effects },
    facts,
    pastRecipients: new Set(),
    malicious: { addresses: new Set(), domains: new Set(), scriptHashes: new Set() },
    phishing: undefined,
    allowlist: new Set(allowlist),
    page: {},
    connects: [],
    now: NOW
  }
}

tap.test('the balance-drop rule in dollars', async (t) => {
  t.same(balanceDropRule(ruleInput([{ token: WETH, delta: 1n }], [[TOKEN, USD(100n)], [WETH, USD(50n)]])), [], 'half the value back is a trade')
  t.match(balanceDropRule(ruleInput([{ token: WETH, delta: 1n }], [[TOKEN, USD(100n)], [WETH, USD(49n)]])), [{ id: 'balance-drop', level: 'block', evidence: { lostUsd: '100.00', backUsd: '49.00', priceSource: 'chainlink' } }], 'less is a drain')
  t.same(balanceDropRule(ruleInput([{ token: BAIT, delta: 1n }], [[TOKEN, USD(100n)]], [BAIT])), [], 'an allowlisted gain still counts')
  t.match(balanceDropRule(ruleInput([{ token: BAIT, delta: 1n }], [[TOKEN, USD(100n)]])), [{ id: 'balance-drop-unvalued', evidence: { unvaluedGains: [BAIT], lostUsd: '100.00', backUsd: '0.00' } }], 'an unpriced gain: judged without a price')
  // without a price for the loss, the price-free rule holds: a few dollars of a value token in another unit pass
  t.same(balanceDropRule(ruleInput([{ token: '0xa0b86991c6218b36c1d19d4a2e9eb0ce3606eb48', delta: 5n * 10n ** 6n }], [])), [])
  t.match(balanceDropRule(ruleInput([{ token: '0xa0b86991c6218b36c1d19d4a2e9eb0ce3606eb48', delta: 5n * 10n ** 6n }], [[TOKEN, USD(1000n)], ['0xa0b86991c6218b36c1d19d4a2e9eb0ce3606eb48', USD(5n)]])), [{ id: 'balance-drop', evidence: { backUsd: '5.00' } }], 'priced, the same five dollars block')
})
