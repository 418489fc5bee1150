// What the wallet guard adds before a wallet prompt (issue 15): milliseconds per check on anvil,
// for requests judged by static rules alone (signatures, typed data) and for transactions
// pre-executed with eth_simulateV1 and with debug_traceCall on the fork sidecar, beside the
// baseline of a bare eth_call of the same transaction in the same run. Targets from the issue:
// static p95 <= 100 ms; with simulation p50 <= 300 ms, p95 <= 1 s.
// Run: npx node bench/guard.ts [--runs N]
import { parseArgs } from 'node:util'
import { parseEther } from 'ethers'
import { createGuard, createJsonRpc, type Guard } from '../node/src/guard/index.ts'
import { startGuardChain } from '../node/test/guard/fixtures/guard-chain.ts'
import { call, MAX, MAX160, permit2TypedData, permitTypedData, seaportTypedData, typed } from '../node/test/guard/fixtures/requests.ts'
import { startNoSimulateProxy } from '../node/test/guard/fixtures/rpc-servers.ts'
import { measureLatency } from './latency.ts'

const { values } = parseArgs({ options: { runs: { type: 'string', default: '50' } } })
const runs = Number(values.runs)

const measure = async (fn: () => Promise<unknown>): Promise<{ p50: number, p95: number }> => await measureLatency(fn, runs)

const chain = await startGuardChain()
const proxy = await startNoSimulateProxy(chain.anvil.rpcUrl)
const guard: Guard = createGuard({ rpc: chain.anvil.rpcUrl, pastRecipients: new Set([chain.pastRecipient]), allowlist: [chain.router] })
const forked: Guard = createGuard({ rpc: proxy.url, pastRecipients: new Set([chain.pastRecipient]), allowlist: [chain.router] })
await forked.warm()
const rpc = createJsonRpc(chain.anvil.rpcUrl)
const { user, token, drainer, stranger, nft, router } = chain
const FAR = 4_000_000_000n

const staticCases: Array<[string, unknown]> = [
  ['personal_sign text', { method: 'personal_sign', params: ['Sign in to app.example', user] }],
  ['eth_sign', { method: 'eth_sign', params: [user, `0x${'ab'.repeat(32)}`] }],
  ['Seaport order', typed(user, seaportTypedData(user, [{ itemType: 2, token: nft, identifierOrCriteria: 1n, startAmount: 1n, endAmount: 1n }], [{ itemType: 0, token: '0x0000000000000000000000000000000000000000', startAmount: 1n, endAmount: 1n, recipient: stranger }]))],
  ['Permit (spender code lookup)', typed(user, permitTypedData(token, user, stranger, MAX, MAX))],
  ['Permit2 single (spender code + age)', typed(user, permit2TypedData([{ token, amount: MAX160, expiration: FAR }], router, FAR, false))]
]
const txCases: Array<[string, { method: string, params: unknown[] }]> = [
  ['ETH transfer', { method: 'eth_sendTransaction', params: [{ from: user, to: chain.pastRecipient, value: `0x${parseEther('1').toString(16)}` }] }],
  ['approve max', call(user, token, 'approve', [stranger, MAX])],
  ['ERC-20 transfer', call(user, token, 'transfer', [chain.pastRecipient, 10n ** 18n])],
  ['drainer claim()', call(user, drainer, 'claim', [], parseEther('0.5'))]
]

const row = (name: string, m: { p50: number, p95: number }): string => `  ${name.padEnd(44)} p50 ${m.p50.toFixed(1).padStart(7)} ms   p95 ${m.p95.toFixed(1).padStart(7)} ms`
const out: string[] = [`guard latency on anvil, ${runs} runs each after 3 warm-up runs (node ${process.version})`, 'static rules (no simulation):']
for (const [name, request] of staticCases) out.push(row(name, await measure(async () => await guard.check(request))))
for (const [name, request] of txCases) {
  const tx = request.params[0]
  out.push(`${name}:`)
  out.push(row('baseline: bare eth_call of the same tx', await measure(async () => await rpc.call('eth_call', [tx, 'latest']))))
  out.push(row('guard, eth_simulateV1 on the RPC', await measure(async () => await guard.check(request))))
  out.push(row('guard, debug_traceCall on the fork sidecar', await measure(async () => await forked.check(request))))
}
process.stdout.write(out.join('\n') + '\n')
await forked.stop()
await guard.stop()
await proxy.close()
await chain.stop()
