// `virusmap rewards explain` against a node serving a real computed epoch (no chain needed): a near-duplicate's
// every factor, a test signature's reason, an item nobody submitted; malformed, oversize and hostile input
// exits 1 in one line, and a node whose breakdown is malformed or hostile exits 4 without printing it.
import t from 'tap'
import type { Test } from 'tap'
import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import { computeEpochRewards, DEFAULT_REWARD_PARAMS, INITIAL_REWARDS_STATE, rewardFactsOf } from '#protocol/rewards/index.ts'
import { indicatorSha256 } from '#protocol/indicators.ts'
import { runCli } from '../../src/cli/run.ts'
import { epochRecordOf } from '../../src/rewards/epoch-record.ts'
import { startApi } from '../fixtures/api-server.ts'
import { createMemoryNode } from '../fixtures/memory-ports.ts'
import { submittedReport, submitterWallet } from '../fixtures/rewarded-reports.ts'
import type { StoredEpochRewards } from '../../src/db/rewards-repository.ts'

const EPOCH = 7
const params = { ...DEFAULT_REWARD_PARAMS, payDelayEpochs: 0, submissionDeposit: 0n }
const bytes = (s: string): Uint8Array => new TextEncoder().encode(s)
const reports = [
  await submittedReport(bytes('explain 0'), submitterWallet(0), 'explain-family'),
  await submittedReport(bytes('explain 1'), submitterWallet(1), 'explain-family'),
  await submittedReport(bytes('explain 2'), submitterWallet(1), 'eicar_test_file')
]
const facts = reports.map((r) => rewardFactsOf(r, EPOCH))
const result = computeEpochRewards({ epoch: EPOCH, facts, state: { ...INITIAL_REWARDS_STATE, epoch: EPOCH - 1 }, params })
const record = epochRecordOf(result, { reports: reports.length, budget: params.budget })
const sha = (i: number): string => facts[i]?.item as string

async function nodeWith (r: StoredEpochRewards): Promise<string> {
  const n = createMemoryNode()
  n.rewards.set(EPOCH, r)
  return (await startApi(t, n.ports)).url
}
const api = await nodeWith(record)
const withItem = (patch: Record<string, unknown>): StoredEpochRewards => ({ ...record, items: record.items.map((i) => i.item === sha(1) ? { ...i, ...patch } as typeof i : i) })
const hostile = {
  badFactor: await nodeWith(withItem({ steps: [{ rule: 'base', factor: '1/0', amount: '1' }] })),
  badRule: await nodeWith(withItem({ steps: [{ rule: 'bonus', factor: '1/1', amount: '1' }] })),
  badAmount: await nodeWith(withItem({ amount: '-5' })),
  badEvidence: await nodeWith(withItem({ evidence: { needed: 'two' } })),
  escapes: await nodeWith(withItem({ family: '\u001b[2J\u001b]0;pwned\u0007fam', class: 'malicious\u001b[31m' }))
}
const garbage = createServer((_req, res) => { res.writeHead(200, { 'content-type': 'application/json' }); res.end('{"data":{"attributes":{"epoch":7,"items":"x"}}}') })
await new Promise<void>((resolve) => garbage.listen(0, '127.0.0.1', resolve))
t.teardown(() => { garbage.close() })
const garbageApi = `http://127.0.0.1:${(garbage.address() as AddressInfo).port}`

async function cli (argv: string[]): Promise<{ code: number, out: string, err: string }> {
  let out = ''
  let err = ''
  const code = await runCli(argv, { stdout: { write: (s: string) => { out += s } }, stderr: { write: (s: string) => { err += s } }, signal: AbortSignal.timeout(30_000), env: {}, cwd: t.testdir() })
  return { code, out, err }
}
async function fails (tt: Test, argv: string[], exit: number, pattern: RegExp): Promise<void> {
  const r = await cli(argv)
  tt.equal(r.code, exit, `${argv.join(' ').slice(0, 100)} exits ${exit}: ${r.err}`)
  tt.match(r.err, pattern)
  tt.equal(r.err.trim().split('\n').length, 1, 'one line')
  tt.notOk(r.err.includes('\u001b') || r.out.includes('\u001b'), 'no terminal escape')
}

t.test('a near-duplicate: its class and every factor, as text and JSON', async (tt) => {
  const r = await cli(['rewards', 'explain', sha(1), '--epoch', String(EPOCH), '--api', api])
  tt.equal(r.code, 0, r.err)
  tt.match(r.out, `item 0x${sha(1).slice(2)} in epoch 7`)
  tt.match(r.out, /malicious, paid/)
  tt.match(r.out, /3 detecting and 3 flagging members, 2 \(f\+1\) needed; malicious engines Heuristics, YARA/)
  tt.match(r.out, /\(1 paid before it\); precision 1\/2/, 'its wallet also sent the test file')
  tt.match(r.out, /base\s+100\.0 VMT/)
  tt.match(r.out, /duplicate\s+× 1\/2\s+50\.0 VMT/)
  tt.match(r.out, /precision\s+× 1\/2\s+25\.0 VMT/)
  tt.match(r.out, /= 25\.0 VMT/)
  const json = await cli(['rewards', 'explain', `0x${sha(1).slice(2).toUpperCase()}`, '--api', api, '--json'])
  tt.equal(json.code, 0, json.err)
  const body = JSON.parse(json.out) as { epoch: number, paid_epoch: number, item: string, reports: Array<{ steps: unknown[], amount: string }> }
  tt.same([body.epoch, body.paid_epoch, body.item], [EPOCH, EPOCH, sha(1)], 'latest by default; any hex case')
  tt.same(body.reports[0]?.steps, record.items.find((i) => i.item === sha(1))?.steps)
  tt.equal(body.reports[0]?.amount, (25n * 10n ** 18n).toString())
})

t.test('a test signature and an item nobody submitted', async (tt) => {
  const test = await cli(['rewards', 'explain', sha(2), '--api', api])
  tt.equal(test.code, 0, test.err)
  tt.match(test.out, /test, nothing: a test signature/)
  tt.match(test.out, /test signature eicar_test_file/)
  tt.notMatch(test.out, /base/, 'no steps: it earned nothing')
  const none = await cli(['rewards', 'explain', 'example.org', '--api', api])
  tt.equal(none.code, 0, none.err)
  tt.match(none.out, `item ${indicatorSha256('example.org')} in epoch 7`)
  tt.match(none.out, /no report of it was paid or scored/)
})

t.test('a URL\'s item is its registrable domain\'s (the protocol\'s rewardItemOf), an IP literal\'s the IP\'s', async (tt) => {
  const url = await cli(['rewards', 'explain', 'https://login.a.example.org:8443/x?y', '--api', api])
  tt.equal(url.code, 0, url.err)
  tt.match(url.out, `item ${indicatorSha256('example.org')} in epoch 7`)
  tt.match(url.out, /the item of every URL and domain report on example\.org/)
  const json = await cli(['rewards', 'explain', 'http://www.example.org/', '--api', api, '--json'])
  tt.equal(json.code, 0, json.err)
  const body = JSON.parse(json.out) as { item: string, key: unknown }
  tt.same([body.item, body.key], [indicatorSha256('example.org'), { kind: 'domain', subject: 'example.org' }])
  const ip = await cli(['rewards', 'explain', 'http://1.2.3.4/a', '--kind', 'url', '--api', api])
  tt.equal(ip.code, 0, ip.err)
  tt.match(ip.out, `item ${indicatorSha256('1.2.3.4')} in epoch 7`)
  tt.match(ip.out, /every URL and IP report on 1\.2\.3\.4/)
  const file = await cli(['rewards', 'explain', sha(1), '--api', api, '--json'])
  tt.notOk('key' in (JSON.parse(file.out) as object), 'a file has no host key')
})

t.test('malformed, oversize and hostile input exits 1 in one line', async (tt) => {
  const common = ['--api', api]
  await fails(tt, ['rewards', 'explain', ...common], 1, /rewards explain HASH\|INDICATOR/)
  await fails(tt, ['rewards', 'explain', sha(1), sha(2), ...common], 1, /rewards explain HASH\|INDICATOR/)
  await fails(tt, ['rewards', 'explain', 'd41d8cd98f00b204e9800998ecf8427e', ...common], 1, /its sha256/)
  await fails(tt, ['rewards', 'explain', sha(1), '--kind', 'blob', ...common], 1, /--kind must be one of/)
  await fails(tt, ['rewards', 'explain', sha(1), '--epoch=-1', ...common], 1, /--epoch must be/)
  await fails(tt, ['rewards', 'explain', sha(1), '--epoch', '9'.repeat(40), ...common], 1, /--epoch must be/)
  await fails(tt, ['rewards', 'explain', `http://${'a'.repeat(70_000)}.com/`, ...common], 1, /not a valid url/)
  await fails(tt, ['rewards', 'explain', 'evil\u001b[2J.com', ...common], 1, /not a valid domain/)
  await fails(tt, ['rewards', '--kind', 'file', ...common], 1, /--kind goes with rewards explain/)
  await fails(tt, ['rewards', 'explain', sha(1), '--epoch', '3', ...common], 2, /not computed epoch 3/)
})

t.test('a node\'s malformed or hostile breakdown exits 4, nothing printed of it', async (tt) => {
  for (const [name, url] of Object.entries({ ...hostile, garbage: garbageApi })) {
    if (name === 'escapes') continue
    const r = await cli(['rewards', 'explain', sha(1), '--api', url])
    tt.equal(r.code, 4, `${name}: ${r.err}`)
    tt.match(r.err, /the rewards answer/, name)
    tt.equal(r.out, '', `${name}: nothing printed`)
  }
  const r = await cli(['rewards', 'explain', sha(1), '--api', hostile.escapes])
  tt.equal(r.code, 0, r.err)
  tt.notOk(r.out.includes('\u001b') || r.out.includes('\u0007'), 'a node\'s escapes never reach the terminal')
  tt.match(r.out, /fam/)
})
