import tap from 'tap'
import { createHash, randomBytes } from 'node:crypto'
import { Wallet } from 'ethers'
import pino from 'pino'
import { canonicalizeIndicator, checkReport, generateX25519KeyPair, indicatorSha256, signSubmission } from '../../../protocol/src/index.ts'
import { createRepositories, openDatabase } from '../../src/db/index.ts'
import { createCoordinator } from '../../src/quorum/coordinator.ts'
import { createHeuristicsEngine } from '../../src/scan/heuristics-engine.ts'
import { indicatorPort } from '../../src/supernode/api-ports.ts'
import { createMemoryGossipBus, staticFollower } from '../fixtures/memory-network.ts'
import type { EngineResult, Hex } from '../../../protocol/src/messages.ts'
import type { MemberInfo } from '../../src/chain/membership-history.ts'
import type { Repositories } from '../../src/db/index.ts'
import type { Coordinator } from '../../src/quorum/coordinator.ts'
import type { SampleAccess } from '../../src/quorum/ports.ts'
import type { Engine } from '../../src/scan/engine.ts'
import type { Test } from 'tap'

const CHAIN_ID = 31337
const REGISTRY = '0x5fbdb2315678afecb367f032d93f642f64180aa3' as Hex
const logger = pino({ level: 'silent' })

/**
 * A small real URL engine (node/src/intel has none yet): a URL whose host is an IP literal is
 * malicious, any other is harmless. Stateless, so the members share it.
 */
const ipHostResult = (category: EngineResult['category'], label: string): EngineResult =>
  ({ engine: 'Test-IPHost', engineVersion: '1.0.0', engineUpdate: '20261123', category, result: label, method: 'heuristic' })

function ipHostUrlEngine (): Engine {
  return {
    name: 'Test-IPHost',
    version: '1.0.0',
    signatureDate: '20261123',
    kinds: ['url'],
    async start () {},
    async stop () {},
    async scan (input) {
      const host = new URL(new TextDecoder().decode(input.bytes)).hostname
      return /^[0-9.]+$/.test(host) || host.startsWith('[') ? ipHostResult('malicious', 'URL.IPHost') : ipHostResult('harmless', '')
    }
  }
}

/** Samples kept in memory, shared by the members as bitswap would share the blocks. */
const h = (alg: string, bytes: Uint8Array): Hex => `0x${createHash(alg).update(bytes).digest('hex')}`

function memorySamples (): SampleAccess {
  const held = new Map<string, Uint8Array>()
  return {
    async ingest (source) {
      const chunks: Uint8Array[] = []
      for await (const c of source) chunks.push(c)
      const bytes = Buffer.concat(chunks)
      const sha256 = h('sha256', bytes)
      const cid = `bafk${sha256.slice(2, 40)}`
      held.set(cid, bytes)
      return { sha256, sha1: h('sha1', bytes), md5: h('md5', bytes), size: bytes.length, cid, contentKey: randomBytes(32), fileType: 'text' }
    },
    async readSample (cid) {
      const bytes = held.get(cid)
      if (bytes === undefined) throw new Error(`no sample ${cid}`)
      return bytes
    },
    announce () {}
  }
}

interface Net {
  wallets: Wallet[]
  coordinators: Coordinator[]
  repos: Repositories[]
}

async function network (t: Test, engines: Engine[], parameters: Record<string, bigint> = {}): Promise<Net> {
  const wallets = [0, 1, 2, 3].map((i) => new Wallet(`0x${String(i + 1).repeat(64)}`))
  const keys = wallets.map(() => generateX25519KeyPair())
  const members: MemberInfo[] = wallets.map((w, i) => ({
    operator: w.address.toLowerCase() as Hex, peerId: '', x25519Key: `0x${Buffer.from(keys[i]?.publicKey ?? []).toString('hex')}`, metadataURI: ''
  }))
  // windows wide enough for a loaded CI machine: four members scan, sign and gossip inside them
  const follower = staticFollower(members, { parameters: { commitWindowMs: 1500n, revealWindowMs: 3000n, clockSkewMs: 500n, ...parameters }, engines: engines.map((e) => e.name) })
  const bus = createMemoryGossipBus()
  const samples = memorySamples()
  const net: Net = { wallets, coordinators: [], repos: [] }
  for (const [i, operator] of wallets.entries()) {
    const db = await openDatabase({ path: t.testdir() + `/${operator.address}` })
    const repositories = createRepositories(db)
    const gossip = bus.join()
    await gossip.start()
    const coordinator = createCoordinator(
      { chainId: CHAIN_ID, registry: REGISTRY, maxSampleBytes: 1024 * 1024, retentionMs: 60_000, commitWindowMs: 1500, revealWindowMs: 3000, commitMsPerMiB: 0, maxActiveJobs: 16 },
      { operator, x25519SecretKey: keys[i]?.secretKey ?? new Uint8Array(32), follower, gossip, samples, engines, repositories, logger }
    )
    await coordinator.start()
    t.teardown(async () => { await coordinator.stop(); await gossip.stop(); await db.close() })
    net.coordinators.push(coordinator)
    net.repos.push(repositories)
  }
  return net
}

async function until<T> (what: string, read: () => Promise<T | undefined>, timeoutMs = 30_000): Promise<T> {
  const deadline = Date.now() + timeoutMs
  for (;;) {
    const value = await read()
    if (value !== undefined) return value
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`)
    await new Promise((resolve) => setTimeout(resolve, 50))
  }
}

const submitter = new Wallet(`0x${'7'.repeat(64)}`)
async function signed (kind: 'url' | 'domain', raw: string, context = 'reported by a user', submittedAt = Date.now()) {
  const subject = canonicalizeIndicator(kind, raw)
  const submitterSignature = await signSubmission({ kind, sha256: indicatorSha256(subject), context, submittedAt }, CHAIN_ID, REGISTRY, submitter)
  return { kind, subject: raw, context, submitter: submitter.address.toLowerCase() as Hex, submittedAt, submitterSignature }
}

tap.test('an indicator job reaches a quorum report on every member, like a file', async (t) => {
  const net = await network(t, [ipHostUrlEngine()], { quorumFaultDivisor: 3n })
  const submission = await signed('url', 'HTTP://93.184.216.34/Login#x')
  const first = await (net.coordinators[0] as Coordinator).submitIndicator(submission)
  t.equal(first.subject, 'http://93.184.216.34/Login')
  t.equal(first.sha256, indicatorSha256('http://93.184.216.34/Login'))
  const again = await (net.coordinators[0] as Coordinator).submitIndicator(await signed('url', 'http://93.184.216.34/Login', 'second sighting'))
  t.equal(again.analysisId, first.analysisId, 'a second submission joins the job in flight')

  for (const [i, repos] of net.repos.entries()) {
    const report = await until(`member ${i}'s report`, async () => await repos.reports.getLatestByIndicator('url', first.sha256))
    t.equal(report.jobId, first.analysisId)
    t.equal(report.job.job.kind, 'url')
    t.equal(report.job.job.subject, 'http://93.184.216.34/Login')
    t.equal(report.faultDivisor, 3)
    t.ok(report.verdicts.length >= report.quorum, `member ${i}: ${report.verdicts.length} verdicts, quorum ${report.quorum}`)
    t.equal(report.results['Test-IPHost']?.category, 'malicious')
    t.doesNotThrow(() => checkReport(report, { members: net.wallets.map((w) => w.address.toLowerCase() as Hex), faultDivisor: 3 }))
    t.equal(report.attestations.length >= report.quorum, true, 'a quorum of members signed the content')
    t.equal(await repos.reports.getLatestBySha256(first.sha256), undefined, 'not served as a file with the same bytes')
    const record = await repos.indicators.get('url', 'http://93.184.216.34/Login')
    t.equal(record?.submitters[0], submitter.address.toLowerCase(), `member ${i} recorded the indicator`)
  }
  const port = indicatorPort(net.coordinators[0] as Coordinator, net.repos[0] as Repositories)
  const view = await port.getIndicator('url', 'http://93.184.216.34/Login#frag')
  t.equal(view?.report?.jobId, first.analysisId, 'looked up by any spelling')
  t.equal(view?.record?.context, 'second sighting', 'the latest submission\'s context')
  t.equal(await port.getIndicator('url', 'http://198.51.100.7/'), undefined, 'unknown indicator')
  await t.rejects(port.getIndicator('domain', 'not a domain'), { code: 'INVALID_INDICATOR' })
})

tap.test('submissions the network would reject are refused with a precise code', async (t) => {
  const net = await network(t, [ipHostUrlEngine()])
  const coordinator = net.coordinators[0] as Coordinator
  const good = await signed('url', 'http://example.com/')
  await t.rejects(coordinator.submitIndicator({ ...good, subject: 'mailto:a@b.c' }), { code: 'INVALID_INDICATOR' })
  await t.rejects(coordinator.submitIndicator({ ...good, subject: 'http://example.com/other' }), { code: 'INVALID_SUBMITTER_SIGNATURE' }, 'signature over another subject')
  await t.rejects(coordinator.submitIndicator({ ...good, submitter: `0x${'12'.repeat(20)}` }), { code: 'INVALID_SUBMITTER_SIGNATURE' }, 'someone else named')
  await t.rejects(coordinator.submitIndicator({ ...good, submitterSignature: '0x' }), { code: 'INVALID_SUBMITTER_SIGNATURE' }, 'unsigned')
  await t.rejects(coordinator.submitIndicator({ ...good, context: 'changed' }), { code: 'INVALID_SUBMITTER_SIGNATURE' }, 'context changed')
  await t.rejects(coordinator.submitIndicator({ ...good, context: 'x\u0000' }), { code: 'INVALID_CONTEXT' })
  await t.rejects(coordinator.submitIndicator({ ...good, context: 'ü'.repeat(600) }), { code: 'INVALID_CONTEXT' })
  await t.rejects(coordinator.submitIndicator(await signed('url', 'http://example.com/', 'old', Date.now() - 11 * 60_000)), { code: 'SUBMISSION_EXPIRED' })
  await t.rejects(coordinator.submitIndicator(await signed('url', 'http://example.com/', 'future', Date.now() + 60_000)), { code: 'SUBMISSION_EXPIRED' })
})

tap.test('scanning a file relates it to the URLs and domains the heuristics found in it', async (t) => {
  const heuristics = createHeuristicsEngine({ timeoutMs: 20_000, concurrency: 1 })
  await heuristics.start()
  t.teardown(async () => { await heuristics.stop() })
  const net = await network(t, [heuristics, ipHostUrlEngine()])
  const script = 'fetch("https://Evil.Example.com/payload?id=1"); var x = "http://cdn.example.org/a.js"; // not-a-url://x'
  const bytes = new TextEncoder().encode(script)
  async function * source () { yield bytes }
  const { sha256 } = await (net.coordinators[0] as Coordinator).submitFile(source(), { filename: 'dropper.js' })
  const repos = net.repos[1] as Repositories
  const related = await until('relations', async () => {
    const found = await repos.indicators.indicatorsOf(sha256, 200)
    return found.length >= 4 ? found : undefined
  })
  t.same(related.map((r) => `${r.kind} ${r.subject}`).toSorted(), [
    'domain cdn.example.org', 'domain evil.example.com', 'url http://cdn.example.org/a.js', 'url https://evil.example.com/payload?id=1'
  ])
  t.same(await repos.indicators.filesOf('domain', 'evil.example.com', 10), [sha256], 'the reverse index')
  const port = indicatorPort(net.coordinators[1] as Coordinator, repos)
  t.same((await port.getIndicator('domain', 'EVIL.Example.com.'))?.relatedFiles, [sha256], 'files communicating with this domain, by any spelling')
  t.equal((await port.relatedIndicators(sha256)).length, 4)
  const report = await until('file report', async () => await repos.reports.getLatestBySha256(sha256))
  t.equal(report.results['Test-IPHost']?.category, 'type-unsupported', 'a URL engine does not judge files')
})
