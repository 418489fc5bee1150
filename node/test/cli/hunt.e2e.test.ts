// `virusmap hunt` on anvil against members' real hunt services behind real API servers (SPEC 19): add seals
// the rules to the members the registry names, pays the hunt order and registers at every node; matches
// counts the members' signed notifications (f+1 confirm) and --follow streams them; list and retro; a
// malformed ruleset is refused by every node; oversize, missing, non-UTF-8 files, unknown subcommands and
// a non-vendor are refused before any VMT moves; a node streaming a malformed event is named.
import { createServer } from 'node:http'
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import tap from 'tap'
import { Wallet } from 'ethers'
import { encryptKeystore } from '#governance/index.ts'
import { lower } from '../../../contracts/test/market-chain.ts'
import { MAX_RULES_BYTES } from '#protocol/hunt/index.ts'
import { runCli } from '../../src/cli/run.ts'
import { createHuntPort } from '../../src/supernode/hunt-port.ts'
import { createMemoryNode } from '../fixtures/memory-ports.ts'
import { startApi } from '../fixtures/api-server.ts'
import { startHuntChain } from '../hunt/hunt-fixture.ts'
import type { HuntMember } from '../hunt/hunt-fixture.ts'

const h = await startHuntChain(200)
const { c } = h
const dir = await mkdtemp(join(tmpdir(), 'virusmap-hunt-cli-'))
tap.teardown(async () => { await c.stop(); await rm(dir, { recursive: true, force: true }) })
const members: HuntMember[] = []
const apis: string[] = []
for (const i of [0, 1]) {
  const m = await h.member(tap, i, dir)
  await m.service.start()
  members.push(m)
  // the node says who it is: the vendor's HuntAccess names that address
  const network = { info: () => ({ chainId: c.chainId, registry: c.registryAddress, self: m.self, followedBlock: 0, members: [] }), membersAt: () => undefined, recentReports: async () => [] }
  const server = await startApi(tap, { ...createMemoryNode().ports, network, hunt: createHuntPort(m.service, { self: m.self, chainId: c.chainId, registry: c.registryAddress }) })
  apis.push(server.url)
}
const PASS = 'correct horse'
const keystore = join(dir, 'vendor.json')
await writeFile(keystore, await encryptKeystore(h.vendorSigner, PASS, { scryptN: 1024 }))
const outsider = new Wallet(Wallet.createRandom().privateKey)
const outsiderKeystore = join(dir, 'outsider.json')
await writeFile(outsiderKeystore, await encryptKeystore(outsider, PASS, { scryptN: 1024 }))
const contracts = { vmt: lower(await c.vmt.getAddress()), timelock: lower(outsider.address), governor: lower(outsider.address), registry: c.registryAddress, parameters: lower(await c.parameters.getAddress()), market: lower(await c.market.getAddress()) }
const deployment = join(dir, 'devnet.json')
await writeFile(deployment, JSON.stringify({ chainId: c.chainId, rpcUrl: c.anvil.rpcUrl, deployBlock: 0, contracts, nodes: apis.map((api) => ({ api })) }))
await writeFile(join(dir, 'rules.yar'), 'rule cli_hunt { strings: $a = "CLI-HUNT-91b2" condition: $a }\n')
await writeFile(join(dir, 'broken.yar'), 'rule cli_broken { condition: }\n')
await writeFile(join(dir, 'huge.yar'), `rule big { condition: true }\n//${'x'.repeat(MAX_RULES_BYTES)}\n`)
await writeFile(join(dir, 'latin1.yar'), Buffer.from([0x72, 0x75, 0x6c, 0x65, 0xe9, 0xff]))
await writeFile(join(dir, 'empty.yar'), '')

async function cli (argv: string[], signal: AbortSignal = AbortSignal.timeout(120_000)): Promise<{ code: number, stdout: string, stderr: string }> {
  let stdout = ''
  let stderr = ''
  const code = await runCli(argv, { stdout: { write: (s: string) => { stdout += s } }, stderr: { write: (s: string) => { stderr += s } }, signal, env: { VIRUSMAP_KEYSTORE_PASSWORD: PASS }, cwd: dir })
  return { code, stdout, stderr }
}
const hunt = (...args: string[]): string[] => ['hunt', ...args, '--deployment', deployment]
const nextOrder = async (): Promise<bigint> => (await c.market.getFunction('terms')())[3] as bigint
const tickAll = async (): Promise<void> => { for (const m of members) await m.service.tick() }

tap.test('add, a match confirmed by f+1 members, list, retro', async (t) => {
  await h.submit(members[0] as HuntMember, new TextEncoder().encode('old sample CLI-HUNT-91b2'))
  const added = await cli(hunt('add', 'rules.yar', '--keystore', keystore, '--json'))
  t.equal(added.code, 0, added.stderr)
  const summary = JSON.parse(added.stdout)
  t.same(summary.registered.toSorted(), apis.toSorted(), 'both members took the ruleset')
  t.match(summary.rulesetId, /^0x[0-9a-f]{64}$/)
  for (const m of members) await h.submit(m, new TextEncoder().encode('new sample with CLI-HUNT-91b2'))
  await tickAll()
  const matches = await cli(hunt('matches', '--keystore', keystore, '--json'))
  t.equal(matches.code, 0, matches.stderr)
  t.match(JSON.parse(matches.stdout), [{ rule: 'cli_hunt', confirmed: true, needed: 2, members: members.map((m) => m.self).toSorted() }])
  const text = await cli(hunt('matches', '--keystore', keystore))
  t.match(text.stdout, /^confirmed cli_hunt on 0x[0-9a-f]{64} \(job 0x[0-9a-f]{64}\): 2\/2 members\n$/)
  const list = await cli(hunt('list', '--keystore', keystore, '--json'))
  t.same(JSON.parse(list.stdout).map((l: { rulesets: Array<{ rulesetId: string }> }) => l.rulesets.map((r) => r.rulesetId)), [[summary.rulesetId], [summary.rulesetId]])
  const retro = await cli(hunt('retro', 'rules.yar', '--keystore', keystore, '--json'))
  t.equal(retro.code, 0, retro.stderr)
  const r = JSON.parse(retro.stdout)
  t.same(Object.fromEntries(r.nodes.map((n: { api: string, matches: number }) => [n.api, n.matches])), { [apis[0] as string]: 2, [apis[1] as string]: 1 }, 'member 0 holds the old sample too')
  t.ok(r.matches.some((m: { confirmed: boolean }) => m.confirmed), 'the sample both hold is confirmed by the retrohunt')
})

tap.test('--follow streams notifications as members find matches', async (t) => {
  const controller = new AbortController()
  let stdout = ''
  const running = runCli(hunt('matches', '--follow', '--keystore', keystore), { stdout: { write: (s: string) => { stdout += s } }, stderr: { write: () => {} }, signal: controller.signal, env: { VIRUSMAP_KEYSTORE_PASSWORD: PASS }, cwd: dir })
  await new Promise((resolve) => setTimeout(resolve, 3000))
  const before = stdout.length
  for (const m of members) await h.submit(m, new TextEncoder().encode('streamed CLI-HUNT-91b2 sample'))
  await tickAll()
  for (let i = 0; i < 100 && !stdout.slice(before).includes('2/2'); i++) await new Promise((resolve) => setTimeout(resolve, 100))
  controller.abort()
  await running
  t.match(stdout.slice(before), /unconfirmed cli_hunt on 0x[0-9a-f]{64} .*: 1\/2 members\n[^]*confirmed cli_hunt on .*: 2\/2 members\n/)
})

tap.test('refusals by every node, and before any VMT moves', async (t) => {
  const broken = await cli(hunt('add', 'broken.yar', '--keystore', keystore, '--json'))
  t.equal(broken.code, 4, 'no node took it')
  t.match(JSON.parse(broken.stdout).refused, [{ why: /400 RULES_INVALID/ }, { why: /400 RULES_INVALID/ }])
  t.notMatch(broken.stdout + broken.stderr, /cli_broken/, 'the rules are not echoed back')
  const order = await nextOrder()
  for (const [args, pattern] of [
    [['add', 'huge.yar'], /a ruleset is 1\.\.65536/],
    [['add', 'empty.yar'], /a ruleset is 1\.\.65536/],
    [['add', 'latin1.yar'], /not UTF-8/],
    [['add', 'missing.yar'], /not a file/],
    [['add'], /RULES\.yar/],
    [['steal', 'rules.yar'], /unknown subcommand/],
    [['list', 'rules.yar'], /takes no RULES file/],
    [['add', 'rules.yar', '--follow'], /--follow goes with hunt matches/],
    [['add', 'rules.yar', '--max-price', '1'], /above --max-price/],
    [['add', 'rules.yar', '--max-price', '1e9'], /amount of VMT/]
  ] as Array<[string[], RegExp]>) {
    const res = await cli(hunt(...args, '--keystore', keystore))
    t.equal(res.code, 1, args.join(' '))
    t.match(res.stderr, pattern, args.join(' '))
  }
  const notVendor = await cli(hunt('add', 'rules.yar', '--keystore', outsiderKeystore))
  t.match(notVendor.stderr, /not an approved vendor/)
  t.equal(await nextOrder(), order, 'no order was placed by any refused command')
})

tap.test('a node streaming a malformed event is named', async (t) => {
  const server = createServer((req, res) => {
    if (req.url?.startsWith('/api/virusmap/network') === true) { res.setHeader('content-type', 'application/json'); res.end(JSON.stringify({ data: { attributes: { self: members[0]?.self } } })); return }
    if (req.url?.startsWith('/api/virusmap/hunt/matches/stream') === true) { res.writeHead(200, { 'content-type': 'text/event-stream' }); res.write('id: 1\nevent: hunt-match\ndata: {"type":"hunt-match","match":{"__proto__":1}}\n\n'); return }
    res.setHeader('content-type', 'application/json')
    res.end(JSON.stringify({ data: [] }))
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  t.teardown(() => { server.closeAllConnections(); server.close() })
  const api = `http://127.0.0.1:${(server.address() as { port: number }).port}`
  let stderr = ''
  const controller = new AbortController()
  const running = runCli(hunt('matches', '--follow', '--keystore', keystore, '--api', api), { stdout: { write: () => {} }, stderr: { write: (s: string) => { stderr += s } }, signal: controller.signal, env: { VIRUSMAP_KEYSTORE_PASSWORD: PASS }, cwd: dir })
  for (let i = 0; i < 100 && !stderr.includes('malformed'); i++) await new Promise((resolve) => setTimeout(resolve, 100))
  controller.abort()
  await running
  t.match(stderr, /stream ended: .*a malformed event/)
})
