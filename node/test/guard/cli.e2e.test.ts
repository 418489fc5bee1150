// `virusmap guard` end to end on anvil: check prints {decision, findings, simulation}, add keeps
// the local store, and every failure is one line with a code.
import tap from 'tap'
import { mkdtemp, readFile, rm, stat } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { parseEther } from 'ethers'
import { runIn, type CliRun } from '../fixtures/run-cli.ts'
import { startGuardChain, type GuardChain } from './fixtures/guard-chain.ts'
import { ERC, MAX, permitTypedData } from './fixtures/requests.ts'
import { startHangingRpc } from './fixtures/rpc-servers.ts'

let chain: GuardChain
let home: string

tap.before(async () => {
  chain = await startGuardChain()
  home = await mkdtemp(join(tmpdir(), 'guard-cli-'))
})
tap.teardown(async () => {
  await chain.stop()
  await rm(home, { recursive: true, force: true })
})

const run = async (argv: string[]): Promise<CliRun> => await runIn(argv, home, { env: { HOME: home } })

const checkArgs = (...rest: string[]): string[] => ['guard', 'check', '--rpc', chain.anvil.rpcUrl, '--from', chain.user, ...rest]

tap.test('check: decisions as JSON and as text', async (t) => {
  const added = await run(['guard', 'add', 'recipient', chain.pastRecipient])
  t.equal(added.code, 0, added.err)
  t.match(added.out, /1 recipient entry in .*\.config\/virusmap\/guard\.json/)
  t.equal((await stat(join(home, '.config/virusmap/guard.json'))).mode & 0o777, 0o600)
  t.equal((await run(['guard', 'add', 'allow', chain.router, '--json'])).code, 0)

  const drain = await run(checkArgs('--tx', JSON.stringify({ to: chain.drainer, data: ERC.encodeFunctionData('claim'), value: `0x${parseEther('0.5').toString(16)}` }), '--json'))
  t.equal(drain.code, 0, drain.err)
  const parsed = JSON.parse(drain.out) as { decision: string, findings: Array<{ id: string, level: string, evidence: Record<string, unknown> }>, simulation: { status: string, effects: { native: string } } }
  t.equal(parsed.decision, 'block')
  t.ok(parsed.findings.some(f => f.id === 'balance-drop'))
  t.equal(parsed.simulation.status, 'ok')
  t.equal(parsed.simulation.effects.native, (-parseEther('0.5')).toString(), 'amounts as decimal strings')

  const poisoned = await run(checkArgs('--tx', JSON.stringify({ to: chain.lookalike, value: '0x1' })))
  t.equal(poisoned.code, 0)
  t.match(poisoned.out, /^decision: block\n {2}BLOCK address-poisoning: /)
  t.match(poisoned.out, /simulation \(eth_simulateV1\): native -1 wei/)

  const known = await run(checkArgs('--tx', JSON.stringify({ to: chain.pastRecipient, value: '0x1' }), '--json'))
  t.equal(JSON.parse(known.out).decision, 'allow')
  const router = await run(checkArgs('--tx', JSON.stringify({ to: chain.token, data: ERC.encodeFunctionData('approve', [chain.router, MAX]) }), '--json'))
  t.equal(JSON.parse(router.out).decision, 'allow', 'allowlisted with guard add allow')

  const permit = await run(checkArgs('--typed-data', JSON.stringify(permitTypedData(chain.token, chain.user, chain.stranger, MAX, MAX)), '--json'))
  t.match(JSON.parse(permit.out), { decision: 'block', findings: [{ id: 'approval-to-eoa' }], simulation: { status: 'not-applicable' } })
  const hello = await run(checkArgs('--message', 'Sign in to app.example', '--json'))
  t.same(JSON.parse(hello.out), { decision: 'allow', findings: [], simulation: { status: 'not-applicable' } })
  const digest = await run(checkArgs('--message', `0x${'ab'.repeat(32)}`))
  t.match(digest.out, /decision: block\n {2}BLOCK blind-signature/)
})

tap.test('check: the malicious list, domains and script hashes from the store', async (t) => {
  const store = join(home, 'other-store.json')
  t.equal((await run(['guard', 'add', 'malicious-domain', 'drain.example', '--store', store])).code, 0)
  t.equal((await run(['guard', 'add', 'malicious-script', 'cd'.repeat(32), '--store', store])).code, 0)
  t.equal((await run(['guard', 'add', 'malicious-address', chain.stranger, '--store', store])).code, 0)
  t.match(JSON.parse(await readFile(store, 'utf8')), { version: 1, malicious: { domains: ['drain.example'], addresses: [chain.stranger] } })
  const msg = ['--message', 'hello', '--json', '--store', store]
  t.match(JSON.parse((await run(checkArgs(...msg, '--origin', 'https://x.drain.example'))).out), { decision: 'block', findings: [{ id: 'malicious-domain' }] })
  t.match(JSON.parse((await run(checkArgs(...msg, '--origin', 'https://app.example', '--script-hash', '00'.repeat(32), '--script-hash', 'CD'.repeat(32)))).out), { decision: 'block', findings: [{ id: 'malicious-script' }] })
  t.match(JSON.parse((await run(checkArgs('--tx', JSON.stringify({ to: chain.stranger, value: '0x1' }), '--json', '--store', store))).out), { decision: 'block', findings: [{ id: 'malicious-address' }] })
  // eth-phishing-detect, shipped with the node, without any store entry
  t.match(JSON.parse((await run(checkArgs(...msg, '--origin', 'https://etherscann.xyz'))).out), { decision: 'warn', findings: [{ id: 'lookalike-domain' }] })
})

tap.test('check: an RPC that never answers gives unverified', async (t) => {
  const hanging = await startHangingRpc()
  t.teardown(async () => { await hanging.close() })
  const r = await run(['guard', 'check', '--rpc', hanging.url, '--from', chain.user, '--tx', JSON.stringify({ to: chain.stranger, value: '0x1' }), '--json'])
  t.equal(r.code, 0)
  t.match(JSON.parse(r.out), { decision: 'unverified', simulation: { status: 'unavailable' } })
})

tap.test('errors: one line with a code', async (t) => {
  const cases: Array<[string[], RegExp]> = [
    [checkArgs('--tx', '{nope'), /^virusmap: BAD_JSON: /],
    [checkArgs('--tx', '[1]'), /^virusmap: BAD_TYPE: /],
    [checkArgs('--tx', JSON.stringify({ to: chain.token, data: '0x095ea7b3' })), /^virusmap: BAD_CALLDATA: /],
    [checkArgs('--tx', JSON.stringify({ to: chain.token, data: '0xabc' })), /^virusmap: BAD_HEX: /],
    [checkArgs('--typed-data', '{"types":{},"primaryType":"X","domain":{},"message":{}}'), /^virusmap: BAD_TYPED_DATA: /],
    [['guard', 'check', '--rpc', chain.anvil.rpcUrl, '--from', '0x12', '--message', 'x'], /^virusmap: BAD_ADDRESS: /],
    [['guard', 'add', 'recipient', '0x12'], /^virusmap: BAD_STORE: /]
  ]
  for (const [argv, expected] of cases) {
    const r = await run(argv)
    t.equal(r.code, 1, argv.join(' ').slice(0, 120))
    t.match(r.err, expected)
    t.equal(r.err.trim().split('\n').length, 1, 'one line')
  }
  const both = await run(checkArgs('--message', 'x', '--tx', '{}'))
  t.equal(both.code, 1)
  t.match(both.err, /exactly one of --tx, --typed-data, --message/)
  const badRpc = await run(['guard', 'check', '--rpc', 'file:///etc/passwd', '--from', chain.user, '--message', 'x'])
  t.equal(badRpc.code, 1)
  const corrupt = join(home, 'corrupt.json')
  await import('node:fs/promises').then(async fs => { await fs.writeFile(corrupt, '{"version": 9}') })
  const r = await run(checkArgs('--message', 'x', '--store', corrupt))
  t.match(r.err, /^virusmap: BAD_STORE: .*not a version 1 guard store\n$/)
})
