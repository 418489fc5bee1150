// False positives: the benign requests of fixtures/benign-requests.json (transfers, a paid mint,
// approvals and permits to the well-known routers, a swap of 95% of a token on Uniswap V2
// Router02's call, an OpenSea listing, a sign-in, connect prompts on a click) replayed on anvil
// through the guard, without prices and with on-chain prices: every one must be allowed. The
// well-known spenders are the real mainnet addresses with the test router's code put there (and
// aged 4 days), so the guard's own allowlist is what lets them pass, not one the test adds.
import { readFileSync } from 'node:fs'
import tap from 'tap'
import { ContractFactory, Interface, MaxUint256, parseEther } from 'ethers'
import { createGuard, WELL_KNOWN_SPENDERS, type Address, type Guard, type PriceSources } from '../../src/guard/index.ts'
import { guardArtifacts } from './fixtures/compile.ts'
import { startGuardChain, type GuardChain } from './fixtures/guard-chain.ts'

interface Fixture {
  name: string
  kind: 'transfer' | 'mint' | 'approval' | 'swap' | 'signature' | 'connect'
  tx?: { to: string, value?: string, call?: [string, ...unknown[]] }
  typedData?: object
  message?: string
  connect?: { method: string, params: unknown[] }
}

const FIXTURES = (JSON.parse(readFileSync(new URL('./fixtures/benign-requests.json', import.meta.url), 'utf8')) as { requests: Fixture[] }).requests
const V2_ROUTER: Address = '0x7a250d5630b4cf539739df2c5dacb4c659f2488d'

let chain: GuardChain
let plain: Guard
let priced: Guard
let names: Record<string, string>

/** a fixture value with its $names and amount words put in */
const fill = (v: unknown): unknown => {
  if (typeof v === 'string') {
    if (v === 'max') return MaxUint256.toString()
    if (v === 'max160') return ((1n << 160n) - 1n).toString()
    return v.replace(/\$([a-zA-Z0-9]+)/g, (whole, name: string) => names[name] ?? whole)
  }
  if (Array.isArray(v)) return v.map(fill)
  if (typeof v === 'object' && v !== null) return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, fill(x)]))
  return v
}

const request = (f: Fixture): { method: string, params: unknown[] } => {
  const user = chain.user
  if (f.tx !== undefined) {
    const [signature, ...args] = (fill(f.tx.call ?? []) as [string?, ...unknown[]])
    const data = signature === undefined ? '0x' : new Interface([signature]).encodeFunctionData(signature.slice(9, signature.indexOf('(')), args)
    return { method: 'eth_sendTransaction', params: [{ from: user, to: fill(f.tx.to), data, value: `0x${BigInt(f.tx.value ?? '0').toString(16)}` }] }
  }
  if (f.typedData !== undefined) return { method: 'eth_signTypedData_v4', params: [user, JSON.stringify(fill(f.typedData))] }
  if (f.message !== undefined) return { method: 'personal_sign', params: [fill(f.message), user] }
  if (f.connect !== undefined) return fill(f.connect) as { method: string, params: unknown[] }
  throw new Error(`fixture ${f.name} names no request`)
}

tap.before(async () => {
  chain = await startGuardChain()
  const artifacts = guardArtifacts()
  // the well-known routers' addresses hold the test router's code, funded to pay swaps, then the chain moves 4 days on;
  // Permit2's holds Permit2 itself (fixtures/guard-chain.ts)
  const runtime = await chain.provider.getCode(chain.router)
  for (const spender of WELL_KNOWN_SPENDERS) if (spender !== chain.permit2) await chain.provider.send('anvil_setCode', [spender, runtime])
  await chain.provider.send('anvil_setBalance', [V2_ROUTER, `0x${parseEther('100').toString(16)}`])
  await chain.provider.send('evm_increaseTime', [4 * 24 * 3600])
  await chain.provider.send('evm_mine', [])
  // the swap's approval, mined as the dapp has it done first
  await (await chain.asUser(chain.token, 'GuardToken').getFunction('approve')(V2_ROUTER, 950n * 10n ** 18n)).wait()
  const now = (await chain.provider.getBlock('latest'))?.timestamp ?? 0
  names = { user: chain.user, token: chain.token, nft: chain.nft, multi: chain.multi, past: chain.pastRecipient, new: chain.stranger, sigDeadline: String(now + 1800), in30days: String(now + 30 * 24 * 3600) }
  // ETH at $2000 and the user's token at $1, from feeds deployed here (as prices.e2e.test.ts does)
  const feed = async (answer: bigint): Promise<Address> => {
    const a = artifacts.GuardPriceFeed
    const c = await new ContractFactory(a?.abi as never, a?.bytecode ?? '0x', chain.userWallet).deploy(8, answer)
    await c.waitForDeployment()
    return (await c.getAddress()).toLowerCase() as Address
  }
  const eth = await feed(2000n * 10n ** 8n)
  const sources: PriceSources = { native: { feed: eth, decimals: 18 }, tokens: new Map([[chain.token, { feed: await feed(10n ** 8n), decimals: 18 }]]) }
  plain = createGuard({ rpc: chain.anvil.rpcUrl, pastRecipients: new Set([chain.pastRecipient]), priceSources: new Map() })
  priced = createGuard({ rpc: chain.anvil.rpcUrl, pastRecipients: new Set([chain.pastRecipient]), priceSources: new Map([[31337, sources]]) })
})
tap.teardown(async () => {
  await plain?.stop()
  await priced?.stop()
  await chain?.stop()
})

tap.test('the fixtures cover swaps, transfers, NFT mints and approvals to well-known routers', async (t) => {
  const kinds = new Set(FIXTURES.map(f => f.kind))
  for (const kind of ['swap', 'transfer', 'mint', 'approval', 'signature', 'connect']) t.ok(kinds.has(kind as Fixture['kind']), kind)
  t.ok(FIXTURES.length >= 20, `${FIXTURES.length} requests`)
})

for (const [label, guard] of [['without prices', (): Guard => plain], ['with on-chain prices', (): Guard => priced]] as const) {
  tap.test(`every benign request is allowed, ${label}`, async (t) => {
    for (const f of FIXTURES) {
      const r = await guard().check(request(f), { origin: 'https://app.uniswap.org', gesture: true })
      t.equal(r.decision, 'allow', `${f.name}: ${JSON.stringify(r.findings.map(x => `${x.id}:${x.level}`))}`)
      // a transaction must really have run, not passed for want of a simulation
      if (f.tx !== undefined) t.equal(r.simulation.status, 'ok', `${f.name}: simulated`)
    }
  })
}

tap.test('the swap is judged, not skipped: 95% of the token leaves and the ETH back is worth more than half', async (t) => {
  const swap = FIXTURES.find(f => f.kind === 'swap')
  if (swap === undefined) throw new Error('no swap fixture')
  const r = await priced.check(request(swap))
  t.match(r.simulation, { status: 'ok', effects: { native: 95n * 10n ** 16n, erc20: [{ token: chain.token, delta: -950n * 10n ** 18n }] } })
  t.equal(r.findings.filter(f => f.id.startsWith('balance-drop')).length, 0)
})
