// What the loopback service adds over calling the guard in process (issue 15): milliseconds per
// request through HTTP on 127.0.0.1 (what the extension's service worker pays, minus the
// browser's own messaging), beside the in-process guard.check of the same request in the same run.
// Targets from the issue: static p95 <= 100 ms; with simulation p50 <= 300 ms, p95 <= 1 s.
// Run: npx node bench/guard-service.ts [--runs N]
import { parseArgs } from 'node:util'
import { parseEther } from 'ethers'
import { createGuard } from '../node/src/guard/index.ts'
import { createGuardService } from '../node/src/guard/service/guard-service.ts'
import { startGuardChain } from '../node/test/guard/fixtures/guard-chain.ts'
import { call, MAX } from '../node/test/guard/fixtures/requests.ts'
import { measureLatency } from './latency.ts'

const { values } = parseArgs({ options: { runs: { type: 'string', default: '50' } } })
const runs = Number(values.runs)

const measure = async (fn: () => Promise<unknown>): Promise<{ p50: number, p95: number }> => await measureLatency(fn, runs)

const chain = await startGuardChain()
const { user, token, stranger, pastRecipient } = chain
const guard = createGuard({ rpc: chain.anvil.rpcUrl, pastRecipients: new Set([pastRecipient]) })
const service = createGuardService({ rpc: chain.anvil.rpcUrl })
service.store.pastRecipients.add(pastRecipient)
await service.start()
const post = async (path: string, body: unknown): Promise<unknown> => {
  const res = await fetch(`${service.url}${path}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) })
  const json = await res.json() as { decision?: string }
  if (json.decision === undefined) throw new Error(`no decision: ${JSON.stringify(json)}`)
  return json
}
const page = { origin: 'https://app.example', scriptHashes: ['ab'.repeat(32), 'cd'.repeat(32)], gesture: true }

const cases: Array<[string, { method: string, params: unknown[] }, string, unknown]> = [
  ['personal_sign text (static)', { method: 'personal_sign', params: ['Sign in to app.example', user] }, '/v1/signature', { method: 'personal_sign', params: ['Sign in to app.example', user], page }],
  ['eth_sign (static)', { method: 'eth_sign', params: [user, `0x${'ab'.repeat(32)}`] }, '/v1/signature', { method: 'eth_sign', params: [user, `0x${'ab'.repeat(32)}`], page }]
]
const transactions: Array<[string, { method: string, params: unknown[] }]> = [
  ['ETH transfer (simulated)', { method: 'eth_sendTransaction', params: [{ from: user, to: pastRecipient, value: `0x${parseEther('1').toString(16)}` }] }],
  ['approve max to an EOA (simulated)', call(user, token, 'approve', [stranger, MAX])]
]
for (const [name, request] of transactions) {
  cases.push([name, request, '/v1/transaction', { tx: request.params[0], page }])
}

const row = (name: string, m: { p50: number, p95: number }): string => `  ${name.padEnd(40)} p50 ${m.p50.toFixed(1).padStart(7)} ms   p95 ${m.p95.toFixed(1).padStart(7)} ms`
const out: string[] = [`guard service on 127.0.0.1 vs in process, anvil, ${runs} runs each after 3 warm-up runs (node ${process.version})`]
for (const [name, request, path, body] of cases) {
  out.push(`${name}:`)
  out.push(row('baseline: guard.check in process', await measure(async () => await guard.check(request, page))))
  out.push(row('through the loopback service', await measure(async () => await post(path, body))))
}
out.push(row('page visit (/v1/page, lists only)', await measure(async () => await post('/v1/page', { page }))))
process.stdout.write(out.join('\n') + '\n')
await service.stop()
await guard.stop()
await chain.stop()
