// The rules as pure functions: escalation, the decision order, and what must not fire.
import tap from 'tap'
import { createGuard, decide, decodeRequest, GuardError, judgedChain, rpcStateApplies, runRules, type Address, type ChainFacts, type Effects, type Finding, type JsonRpc, type RuleInput, type Simulation } from '../../src/guard/index.ts'
import { call, MAX, permitTypedData, typed } from './fixtures/requests.ts'

const USER: Address = '0x70997970c51812dc3a010c7d01b50e0d17dc79c8'
const TOKEN: Address = '0x1111111111111111111111111111111111111111'
const PAST: Address = '0xabcd1111111111111111111111111111111ef012'
const VANITY: Address = '0xabcd9999999999999999999999999999999ef012'

const facts = (code: Record<string, boolean>, ages: Record<string, number> = {}): ChainFacts => ({
  now: 1_900_000_000,
  hasCode: new Map(Object.entries(code) as Array<[Address, boolean]>),
  ageSeconds: new Map(Object.entries(ages) as Array<[Address, number]>),
  nativeBalance: 10n ** 18n,
  tokenBalances: new Map()
})

const input = (request: unknown, extra: Partial<RuleInput> = {}): RuleInput => ({
  request: decodeRequest(request),
  simulation: { status: 'not-applicable' } satisfies Simulation,
  facts: facts({}),
  pastRecipients: new Set([PAST]),
  malicious: { addresses: new Set(), domains: new Set(), scriptHashes: new Set() },
  phishing: undefined,
  allowlist: new Set(),
  page: {},
  connects: [],
  now: 1_000_000,
  ...extra
})

const found = (level: 'info' | 'warn' | 'block'): Finding => ({ id: level, level, message: '', evidence: {} })

tap.test('decide: block over unverified over warn over allow', async (t) => {
  t.equal(decide([found('block')], false), 'block')
  t.equal(decide([found('warn')], false), 'unverified')
  t.equal(decide([found('warn'), found('info')], true), 'warn')
  t.equal(decide([found('info')], true), 'allow')
  t.equal(decide([], true), 'allow')
})

tap.test('address poisoning compares with past recipients only', async (t) => {
  const toVanity = input(call(USER, TOKEN, 'transfer', [VANITY, 1n]), { facts: facts({ [VANITY]: false, [TOKEN]: true }) })
  t.match(runRules(toVanity), [{ id: 'address-poisoning', level: 'block', evidence: { imitates: [PAST] } }])
  const noHistory = runRules({ ...toVanity, pastRecipients: new Set() })
  t.same(noHistory.map(f => f.id), ['new-recipient'], 'a look-alike of nothing the user used is just new')
  t.same(runRules(input(call(USER, TOKEN, 'transfer', [PAST, 1n]))), [])
})

tap.test('approvals: unknown spender code says nothing; a revocation says nothing', async (t) => {
  t.same(runRules(input(call(USER, TOKEN, 'approve', [VANITY, MAX]), { facts: undefined })), [])
  t.same(runRules(input(call(USER, TOKEN, 'approve', [VANITY, 0n]), { facts: facts({ [VANITY]: false }) })), [])
  t.same(runRules(input(call(USER, TOKEN, 'approve', [USER, MAX]), { facts: facts({ [USER]: false }) })), [], 'approving oneself is no drain')
  const young = runRules(input(call(USER, TOKEN, 'approve', [VANITY, 5n]), { facts: facts({ [VANITY]: true }, { [VANITY]: 60 }) }))
  t.same(young, [], 'an exact allowance to a new contract is not broad')
})

tap.test('behaviour: the burst escalates with a danger finding, counts only the window and ungestured prompts', async (t) => {
  const connects = [0, 1000, 2000].map(at => ({ method: 'eth_requestAccounts', at: 1_000_000 - 10_000 + at, gesture: false }))
  const danger = runRules(input(call(USER, TOKEN, 'approve', [VANITY, MAX]), { facts: facts({ [VANITY]: true }), connects, page: { gesture: true } }))
  t.match(danger.find(f => f.id === 'scripted-prompts'), { level: 'block', evidence: { danger: ['broad-approval'], ungesturedSignature: false } })
  const clicked = runRules(input({ method: 'personal_sign', params: ['hi', USER] }, { connects, page: { gesture: true } }))
  t.match(clicked, [{ id: 'scripted-prompts', level: 'warn' }])
  const old = connects.map(c => ({ ...c, at: c.at - 120_000 }))
  t.same(runRules(input({ method: 'personal_sign', params: ['hi', USER] }, { connects: old, page: { gesture: false } })), [])
  const gestured = connects.map(c => ({ ...c, gesture: true }))
  t.same(runRules(input({ method: 'personal_sign', params: ['hi', USER] }, { connects: gestured, page: { gesture: false } })), [])
})

tap.test('balance drop: bait sent back is nothing; a real swap, a wrap and an allowlisted token are something; an unpriced swap warns', async (t) => {
  const WETH: Address = '0xc02aaa39b223fe8d0a0e5c4f27ead9083c756cc2'
  const USDC: Address = '0xa0b86991c6218b36c1d19d4a2e9eb0ce3606eb48'
  const BAIT: Address = '0xbabebabebabebabebabebabebabebabebabebabe'
  const POOL: Address = '0x9999999999999999999999999999999999999999'
  const ZERO: Address = '0x0000000000000000000000000000000000000000'
  const ETH = 10n ** 18n
  const drops = (effects: Partial<Effects>, extra: Partial<RuleInput> = {}): Finding[] => runRules(input(call(USER, VANITY, 'claim', [], 0n), {
    simulation: { status: 'ok', via: 'eth_simulateV1', gasUsed: 0n, effects: { native: 0n, erc20: [], nfts: [], approvals: [], transfers: [], ...effects } },
    facts: { ...facts({ [VANITY]: true }, { [VANITY]: 10 * 86_400 }), tokenBalances: new Map([[TOKEN, 100n * ETH], [USDC, 1000n * 10n ** 6n]]) },
    pastRecipients: new Set([VANITY]),
    ...extra
  })).filter(f => f.id.startsWith('balance-drop'))
  const drain = (effects: Partial<Effects>, extra: Partial<RuleInput> = {}): Finding[] => drops(effects, extra).filter(f => f.id === 'balance-drop')
  const takesEth = { native: -ETH * 95n / 100n }
  const takesToken = { erc20: [{ token: TOKEN, delta: -95n * ETH }] }
  const paysEth = (to: Address): { standard: 'native', token: Address, from: Address, to: Address, amount: bigint } => ({ standard: 'native', token: '0xeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeee', from: USER, to, amount: -takesEth.native })
  const gets = (token: Address, from: Address, amount: bigint): { standard: 'erc20', token: Address, from: Address, to: Address, amount: bigint } => ({ standard: 'erc20', token, from, to: USER, amount })

  // the dust-token loophole: 95% of the ETH or of a token leaves, bait minted by a contract the user pays nothing comes back
  const baitMint = { ...takesEth, erc20: [{ token: BAIT, delta: 1n }], transfers: [paysEth(VANITY), gets(BAIT, ZERO, 1n)] }
  t.match(drops(baitMint), [{ id: 'balance-drop', level: 'block', evidence: { asset: 'native', unvaluedGains: [BAIT], bait: [BAIT], baitFrom: [BAIT], priceSource: 'none' } }])
  t.match(drops({ ...takesToken, erc20: [...takesToken.erc20, { token: BAIT, delta: 10n ** 30n }], transfers: [{ standard: 'erc20', token: TOKEN, from: USER, to: VANITY, amount: 95n * ETH }, gets(BAIT, ZERO, 10n ** 30n)] }), [{ id: 'balance-drop', level: 'block', evidence: { asset: TOKEN, bait: [BAIT] } }])
  t.match(drops({ ...takesEth, nfts: [{ standard: 'erc721', token: BAIT, id: 1n, delta: 1n }], transfers: [paysEth(VANITY), { standard: 'erc721', token: BAIT, from: ZERO, to: USER, id: 1n, amount: 1n }] }), [{ id: 'balance-drop', level: 'block', message: /nobody in the transaction paid for/ }])
  t.match(drops({ ...baitMint, erc20: [...baitMint.erc20, { token: WETH, delta: 1n }] }), [{ id: 'balance-drop', level: 'block' }], 'a wei of WETH beside the bait changes nothing')
  // without a price an unvalued token from a pool (a swap, or pre-minted bait handed on) is not called a drain, and never allowed silently
  const swap = { ...takesEth, erc20: [{ token: BAIT, delta: 10n ** 24n }], transfers: [paysEth(POOL), gets(BAIT, POOL, 10n ** 24n)] }
  t.match(drops(swap), [{ id: 'balance-drop-unvalued', level: 'warn', evidence: { asset: 'native', unvaluedGains: [BAIT], priceSource: 'none' } }])
  t.equal(decide(runRules(input(call(USER, VANITY, 'claim', [], 0n), { simulation: { status: 'ok', via: 'eth_simulateV1', gasUsed: 0n, effects: { nfts: [], approvals: [], ...swap } }, facts: facts({ [VANITY]: true }, { [VANITY]: 10 * 86_400 }), pastRecipients: new Set([VANITY, POOL]) })), true), 'warn', 'an honest swap into an unpriced token warns, it does not block')
  t.match(drops({ ...takesToken, erc20: [...takesToken.erc20, { token: BAIT, delta: 1n }] }), [{ id: 'balance-drop-unvalued', level: 'warn' }], 'no transfer shows a mint: unpriced, not bait')
  // a mint the user pays for (the collection is paid) and a liquidity deposit (the pair mints its LP token) are no bait
  t.match(drops({ ...takesEth, nfts: [{ standard: 'erc721', token: BAIT, id: 7n, delta: 1n }], transfers: [paysEth(BAIT), { standard: 'erc721', token: BAIT, from: ZERO, to: USER, id: 7n, amount: 1n }] }), [{ id: 'balance-drop-unvalued', level: 'warn' }])
  t.match(drops({ ...takesToken, erc20: [...takesToken.erc20, { token: POOL, delta: ETH }], transfers: [{ standard: 'erc20', token: TOKEN, from: USER, to: POOL, amount: 95n * ETH }, gets(POOL, ZERO, ETH)] }), [{ id: 'balance-drop-unvalued', level: 'warn' }])
  // one unvalued gain that is not minted bait keeps the whole answer at warn: the guard cannot value it
  t.match(drops({ ...swap, erc20: [...swap.erc20, { token: VANITY, delta: 1n }], transfers: [...swap.transfers, gets(VANITY, ZERO, 1n)] }), [{ id: 'balance-drop-unvalued' }])
  // dust of a value asset: a wei of ETH for the token, a wei of WETH for the ETH, a cent of USDC
  t.equal(drain({ ...takesToken, native: 1n }).length, 1)
  t.equal(drain({ ...takesEth, erc20: [{ token: WETH, delta: 1n }] }).length, 1)
  t.equal(drain({ ...takesToken, erc20: [...takesToken.erc20, { token: USDC, delta: 10_000n }] }).length, 1)
  t.equal(drain({ ...takesEth, erc20: [{ token: WETH, delta: ETH / 10n }] }).length, 1, 'a tenth of it back in the same unit is no trade')

  // genuine trades: ETH for USDC, the token for ETH, ETH wrapped, USDC for DAI-like value, an allowlisted token
  t.same(drain({ ...takesEth, erc20: [{ token: USDC, delta: 3000n * 10n ** 6n }] }), [])
  t.same(drain({ ...takesToken, native: ETH / 100n }), [])
  t.same(drain({ ...takesEth, erc20: [{ token: WETH, delta: -takesEth.native }] }), [])
  t.same(drain({ erc20: [{ token: USDC, delta: -990n * 10n ** 6n }, { token: '0x6b175474e89094c44da98b954eedeac495271d0f', delta: 989n * ETH }] }), [])
  t.same(drain({ ...takesEth, erc20: [{ token: BAIT, delta: 1n }] }, { allowlist: new Set([BAIT]) }), [], 'the user vouched for it')
  // below the thresholds nothing fires, whatever comes back
  t.same(drain({ native: -ETH * 49n / 100n }), [])
})

tap.test('bait handed out from a pre-minted stock: followed back through the call to an origin nobody paid', async (t) => {
  const BAIT: Address = '0xbabebabebabebabebabebabebabebabebabebabe'
  const STOCK: Address = '0x5700c5700c5700c5700c5700c5700c5700c5700c'
  const OWNER: Address = '0x0e0e0e0e0e0e0e0e0e0e0e0e0e0e0e0e0e0e0e0e'
  const ROUTER: Address = '0x7070707070707070707070707070707070707070'
  const POOL: Address = '0x9999999999999999999999999999999999999999'
  const POOL2: Address = '0x8888888888888888888888888888888888888888'
  const WETH: Address = '0xc02aaa39b223fe8d0a0e5c4f27ead9083c756cc2'
  const NATIVE: Address = '0xeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeee'
  const ETH = 10n ** 18n
  const move = (token: Address, from: Address, to: Address, amount: bigint): { standard: 'erc20' | 'native', token: Address, from: Address, to: Address, amount: bigint } =>
    ({ standard: token === NATIVE ? 'native' : 'erc20', token, from, to, amount })
  const judge = (moves: Array<ReturnType<typeof move>>): Finding[] => {
    const touching = moves.filter(m => m.from === USER || m.to === USER)
    const effects: Effects = {
      native: -ETH * 95n / 100n,
      erc20: [{ token: BAIT, delta: touching.filter(m => m.token === BAIT).reduce((n, m) => n + (m.to === USER ? m.amount : -m.amount), 0n) }],
      nfts: [],
      approvals: [],
      transfers: touching,
      others: moves.filter(m => m.from !== USER && m.to !== USER)
    }
    return runRules(input(call(USER, VANITY, 'claim', [], 0n), { simulation: { status: 'ok', via: 'eth_simulateV1', gasUsed: 0n, effects }, facts: facts({ [VANITY]: true }, { [VANITY]: 10 * 86_400 }), pastRecipients: new Set([VANITY]) })).filter(f => f.id.startsWith('balance-drop'))
  }
  const takes = [move(NATIVE, USER, VANITY, ETH * 95n / 100n), move(NATIVE, VANITY, OWNER, ETH * 95n / 100n)]
  // the drainer forwards the ETH to its owner and hands bait from a stock that approved it: nobody paid the stock
  t.match(judge([...takes, move(BAIT, STOCK, USER, 1000n * ETH)]), [{ id: 'balance-drop', level: 'block', evidence: { bait: [BAIT], baitFrom: [STOCK] } }])
  t.match(judge([...takes, move(BAIT, STOCK, VANITY, ETH), move(BAIT, VANITY, USER, ETH)]), [{ id: 'balance-drop', evidence: { baitFrom: [STOCK] } }], 'passed on through the drainer, the stock is still the origin')
  t.match(judge([...takes, move(BAIT, STOCK, ROUTER, ETH), move(BAIT, ROUTER, POOL, ETH), move(BAIT, POOL, ROUTER, ETH), move(BAIT, ROUTER, USER, ETH)]), [{ id: 'balance-drop' }], 'a loop of bait among its holders ends at the stock')
  // swaps: the origin is reached by what the user pays, through a wrap, a router, another pool
  const v2 = [move(NATIVE, USER, ROUTER, ETH * 95n / 100n), move(NATIVE, ROUTER, WETH, ETH * 95n / 100n), move(WETH, '0x0000000000000000000000000000000000000000', ROUTER, ETH), move(WETH, ROUTER, POOL, ETH), move(BAIT, POOL, USER, 10n ** 24n)]
  t.match(judge(v2), [{ id: 'balance-drop-unvalued', level: 'warn' }], 'ETH -> router -> WETH -> pair -> token')
  t.match(judge([...v2.slice(0, 4), move(BAIT, POOL, ROUTER, ETH), move(BAIT, ROUTER, USER, ETH)]), [{ id: 'balance-drop-unvalued' }], 'a router sweeping the pool\'s output to the user')
  const hop = [move(NATIVE, USER, POOL, ETH * 95n / 100n), move(TOKEN, POOL, POOL2, ETH), move(BAIT, POOL2, USER, ETH)]
  t.match(judge(hop), [{ id: 'balance-drop-unvalued' }], 'two hops: the second pool is paid by the first')
  t.match(judge([...takes, move(NATIVE, USER, STOCK, 1n), move(BAIT, STOCK, USER, ETH)]), [{ id: 'balance-drop-unvalued' }], 'a wei reaching the stock makes it a sale: the gap a price would close')
  t.match(judge([move(NATIVE, USER, VANITY, ETH * 95n / 100n), move(BAIT, VANITY, USER, ETH)]), [{ id: 'balance-drop-unvalued' }], 'a contract that takes the ETH and hands its own stock looks like a shop: warned, not blocked')
  // hostile shapes end: a long chain of holders, the bait sent to itself, zero-amount paths
  const chainOf = Array.from({ length: 40 }, (_, n) => `0x${(n + 1).toString(16).padStart(40, '0')}` as Address)
  const long = [...takes, ...chainOf.slice(1).map((a, n) => move(BAIT, a, chainOf[n] as Address, 1n)), move(BAIT, chainOf[0] as Address, USER, 1n)]
  t.match(judge(long), [{ id: 'balance-drop', evidence: { baitFrom: [chainOf[15]] } }], 'followed 16 holders back, no further')
  t.match(judge([...takes, move(BAIT, STOCK, STOCK, ETH), move(BAIT, STOCK, USER, ETH)]), [{ id: 'balance-drop' }])
  t.match(judge([...takes, move(NATIVE, USER, STOCK, 0n), move(BAIT, STOCK, USER, ETH)]), [{ id: 'balance-drop' }], 'a zero-value payment pays nobody')
})

tap.test('malicious wallets are chain-specific: a CAIP-10 entry matches on its chain, a bare address on every chain', async (t) => {
  const DRAINER: Address = '0xdeadbeefdeadbeefdeadbeefdeadbeefdeadbeef'
  const listed = (addresses: string[], chainId: number | undefined): Finding[] => runRules(input(call(USER, TOKEN, 'transfer', [DRAINER, 1n]), {
    malicious: { addresses: new Set(addresses), domains: new Set(), scriptHashes: new Set() },
    pastRecipients: new Set([DRAINER]),
    facts: facts({ [DRAINER]: false, [TOKEN]: true }),
    ...chainId === undefined ? {} : { chainId }
  })).filter(f => f.id === 'malicious-address')
  t.match(listed([`eip155:1:${DRAINER}`], 1), [{ level: 'block', evidence: { address: DRAINER, listedOn: 'eip155:1' } }])
  t.same(listed([`eip155:1:${DRAINER}`], 10), [], 'the same address on another chain is not the listed wallet')
  t.same(listed([`eip155:11:${DRAINER}`, `eip155:100:${DRAINER}`], 10), [], 'a prefix of the chain id is not the chain')
  t.match(listed([`eip155:10:${DRAINER}`], undefined), [{ evidence: { listedOn: 'eip155:10' } }], 'the chain unknown: any chain listing it blocks')
  t.match(listed([DRAINER], 10), [{ evidence: { listedOn: 'any-chain' } }], 'the user\'s own bare entry holds everywhere')
})

tap.test('the guard judges a transaction on the chain its RPC serves (eth_chainId, asked once)', async (t) => {
  const DRAINER: Address = '0xdeadbeefdeadbeefdeadbeefdeadbeefdeadbeef'
  const permit = call(USER, TOKEN, 'transfer', [DRAINER, 1n])
  const asked: string[] = []
  // an RPC that names its chain and answers nothing else: the chain facts are missing, so the decision is unverified unless a block finding holds
  const rpcOn = (chainId: unknown): JsonRpc => ({
    url: 'memory:',
    call: async <T>(method: string): Promise<T> => {
      asked.push(method)
      if (method === 'eth_chainId') return chainId as T
      throw new GuardError('RPC_FAILED', 'no state here')
    }
  })
  const malicious = { addresses: new Set([`eip155:1:${DRAINER}`]), domains: new Set<string>(), scriptHashes: new Set<string>() }
  const onMainnet = createGuard({ rpc: rpcOn('0x1'), malicious })
  t.teardown(() => onMainnet.stop())
  t.equal((await onMainnet.check(permit)).decision, 'block')
  await onMainnet.check(permit)
  t.equal(asked.filter(m => m === 'eth_chainId').length, 1, 'asked once')
  for (const answer of ['0xa', '0x01x', '1', 1, null, '0x' + 'f'.repeat(20)]) {
    const other = createGuard({ rpc: rpcOn(answer), malicious })
    const result = await other.check(permit)
    await other.stop()
    t.equal(result.decision, answer === '0xa' ? 'unverified' : 'block', `eth_chainId ${JSON.stringify(answer)}: ${answer === '0xa' ? 'another chain' : 'unknown, so any chain'}`)
  }
})

tap.test('a typed-data signature is judged on its domain.chainId, not the RPC\'s chain', async (t) => {
  const DRAINER: Address = '0xdeadbeefdeadbeefdeadbeefdeadbeefdeadbeef'
  const on = (chainId: number): Set<string> => new Set([`eip155:${chainId}:${DRAINER}`])
  const permitFor = (chainId: unknown): unknown => {
    const data = permitTypedData(TOKEN, USER, DRAINER, MAX, 2n ** 40n) as { domain: Record<string, unknown> }
    if (chainId === undefined) delete data.domain.chainId
    else data.domain.chainId = chainId
    return typed(USER, data)
  }
  const judge = (request: unknown, listed: Set<string>, rpcChainId: number | undefined): Finding[] => {
    const decoded = decodeRequest(request)
    const chainId = judgedChain(decoded, rpcChainId)
    return runRules(input(request, {
      malicious: { addresses: listed, domains: new Set(), scriptHashes: new Set() },
      facts: rpcStateApplies(decoded, rpcChainId) ? facts({ [DRAINER]: true }) : undefined,
      ...chainId !== undefined ? { chainId } : {},
      ...rpcChainId !== undefined ? { rpcChainId } : {}
    }))
  }
  // a Permit for mainnet asked of a wallet on chain 10: the drainer is listed on mainnet, where the signature spends
  t.match(judge(permitFor(1), on(1), 10), [{ id: 'malicious-address', level: 'block', evidence: { listedOn: 'eip155:1' } }, { id: 'other-chain-signature', level: 'warn', evidence: { domainChainId: '1', rpcChainId: 10 } }])
  t.same(judge(permitFor(10), on(1), 1).map(f => f.id), ['other-chain-signature'], 'listed on the RPC\'s chain only: the signature acts on chain 10')
  t.same(judge(permitFor('0x1'), on(1), 1).map(f => f.id), ['malicious-address', 'broad-approval'], 'a hex chain id is the chain; on the RPC\'s own chain, no chain warning')
  t.same(judge(permitFor('1'), on(10), 10).map(f => f.id), ['other-chain-signature'])
  // no chain id: the signature is bound to no chain, so a listing on any chain blocks
  t.match(judge(permitFor(undefined), on(5), 1), [{ id: 'malicious-address', evidence: { listedOn: 'eip155:5' } }])
  t.match(judge(permitFor(null), on(5), 1), [{ id: 'malicious-address' }], 'null is absent, as ethers hashes it')
  t.equal(judgedChain(decodeRequest(permitFor(undefined)), 1), undefined)
  // chain ids no network uses: judged on any chain, warned, the RPC's state not read
  for (const huge of [(2n ** 200n).toString(), (2n ** 53n).toString(), `0x${'f'.repeat(64)}`, 0]) {
    const out = judge(permitFor(huge), on(7), 1)
    t.match(out, [{ id: 'malicious-address', evidence: { listedOn: 'eip155:7' } }, { id: 'other-chain-signature', level: 'warn', message: /no network uses/ }], `chainId ${String(huge).slice(0, 20)}`)
    t.ok(String(out[1]?.evidence.domainChainId).length <= 80)
    t.notOk(rpcStateApplies(decodeRequest(permitFor(huge)), 1))
  }
  // not numbers at all: refused before anything is asked of the chain
  for (const bad of ['abc', '1e3', -1, 1.5, `0x1${'0'.repeat(64)}`, { n: 1 }, [1], true, '']) {
    t.throws(() => decodeRequest(permitFor(bad)), { name: 'GuardError' }, `chainId ${JSON.stringify(bad).slice(0, 20)} refused`)
  }
  // transactions and personal_sign carry no domain: the RPC's chain
  t.equal(judgedChain(decodeRequest(call(USER, TOKEN, 'transfer', [DRAINER, 1n])), 10), 10)
  t.equal(judgedChain(decodeRequest({ method: 'personal_sign', params: ['hi', USER] }), undefined), undefined)
})

tap.test('through the guard: another chain\'s signature reads no chain state, and its block names the signature\'s chain', async (t) => {
  const DRAINER: Address = '0xdeadbeefdeadbeefdeadbeefdeadbeefdeadbeef'
  const asked: string[] = []
  const rpc: JsonRpc = {
    url: 'memory:',
    call: async <T>(method: string): Promise<T> => {
      asked.push(method)
      if (method === 'eth_chainId') return '0xa' as T
      throw new GuardError('RPC_FAILED', 'no state here')
    }
  }
  const guard = createGuard({ rpc, malicious: { addresses: new Set([`eip155:1:${DRAINER}`]), domains: new Set(), scriptHashes: new Set() } })
  t.teardown(() => guard.stop())
  const mainnet = await guard.check(typed(USER, permitTypedData(TOKEN, USER, DRAINER, MAX, 2n ** 40n, 1)))
  t.equal(mainnet.decision, 'block')
  t.equal(mainnet.chainId, 1, 'judged (and reported) on chain 1')
  t.same(asked, ['eth_chainId'], 'the RPC serves chain 10: its code and balances were not read')
  const other = await guard.check(typed(USER, permitTypedData(TOKEN, USER, '0x1234567890123456789012345678901234567890', MAX, 2n ** 40n, 1)))
  t.equal(other.decision, 'unverified', 'nothing known of chain 1 here: unverified, with the warning')
  t.same(other.findings.map(f => f.id), ['other-chain-signature'])
  const sameChain = await guard.check(typed(USER, permitTypedData(TOKEN, USER, DRAINER, MAX, 2n ** 40n, 10)))
  t.equal(sameChain.decision, 'unverified', 'on the RPC\'s chain the state is read (this RPC has none) and the listing on chain 1 does not apply')
  t.equal(sameChain.chainId, 10)
  t.ok(asked.includes('eth_getBlockByNumber'))
})

tap.test('a frame is judged by the pages around it too: a listed page framing a clean dapp blocks', async (t) => {
  const sign = { method: 'personal_sign', params: ['hello', USER] }
  const malicious = { addresses: new Set<string>(), domains: new Set(['drain.example']), scriptHashes: new Set<string>() }
  const framed = (origin: string, ancestors: string[]): Finding[] => runRules(input(sign, { malicious, page: { origin, ancestors } }))
  t.match(framed('https://dapp.example', ['https://www.drain.example']), [{ id: 'malicious-domain', level: 'block', message: /which frames this page/, evidence: { host: 'www.drain.example', match: 'drain.example', framedBy: 'www.drain.example' } }])
  t.match(framed('https://dapp.example', ['https://shop.example', 'https://drain.example']), [{ evidence: { framedBy: 'drain.example' } }], 'the top page, two frames up')
  t.same(framed('https://dapp.example', ['https://shop.example']), [])
  t.same(framed('https://dapp.example', ['null', '', 'javascript:alert(1)', 'file:///x', `https://${'a'.repeat(3000)}`]), [], 'hostile ancestors name nothing')
  t.equal(framed('https://drain.example', ['https://drain.example']).length, 1, 'the page itself, once')
})

tap.test('a Permit2 allowance the simulation shows granted is judged like an approve: unlimited to a new contract blocks, a long-lived one warns', async (t) => {
  const MAX160 = (1n << 160n) - 1n
  const PERMIT2: Address = '0x000000000022d473030f116ddee9f6b43ac78ba3'
  // a young contract's claim() submits a PermitSingle of the user's for itself (helper-57's probe: only `new-contract` warned)
  const granted = (amount: bigint, expiresAt: bigint, age: number): Finding[] => runRules(input(call(USER, VANITY, 'claim', [], 0n), {
    simulation: { status: 'ok', via: 'eth_simulateV1', gasUsed: 0n, effects: { native: 0n, erc20: [], nfts: [], transfers: [], approvals: [{ standard: 'erc20', token: TOKEN, spender: VANITY, amount, via: PERMIT2, expiresAt }] } },
    facts: facts({ [VANITY]: true }, { [VANITY]: age }),
    pastRecipients: new Set([VANITY])
  })).filter(f => f.id.includes('approval'))
  t.match(granted(MAX160, 0n, 3600), [{ id: 'broad-approval-to-new-contract', level: 'block', evidence: { spender: VANITY, via: 'simulation', expiresAt: '0' } }])
  t.match(granted(5n, 1_900_000_000n + 365n * 86_400n, 10 * 86_400), [{ id: 'broad-approval', level: 'warn' }], 'a year-long allowance to an old contract off the allowlist')
  t.same(granted(5n, 1_900_000_000n + 3600n, 10 * 86_400), [], 'an exact, short allowance to an old contract says nothing')
})
