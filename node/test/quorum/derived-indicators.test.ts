import tap from 'tap'
import type { Test } from 'tap'
import { Wallet } from 'ethers'
import { pino } from 'pino'
import { canonicalizeIndicator, indicatorSha256, signSubmission } from '#protocol/index.ts'
import { createListsEngine } from '../../src/intel/lists/lists-engine.ts'
import { createLookalikeEngine } from '../../src/intel/lookalike-engine.ts'
import { createUrlHeuristicsEngine } from '../../src/intel/url-heuristics-engine.ts'
import { createNodeMetrics } from '../../src/metrics/registry.ts'
import { createDerivedIndicators, derivedContext } from '../../src/quorum/derived-indicators.ts'
import { CHAIN_ID, memoryCoordinators, REGISTRY, until } from '../fixtures/memory-coordinators.ts'
import { gate, gatedEngine } from '../fixtures/test-engines.ts'
import type { Hex, IndicatorKind } from '#protocol/messages.ts'
import type { Repositories } from '../../src/db/index.ts'
import type { Engine } from '../../src/scan/engine.ts'
import type { MemoryCoordinators } from '../fixtures/memory-coordinators.ts'

const user = new Wallet(`0x${'7'.repeat(64)}`)
const logger = pino({ level: 'silent' })

async function signed (kind: IndicatorKind, raw: string, context = 'reported by a user') {
  const subject = canonicalizeIndicator(kind, raw)
  const submittedAt = Date.now()
  const submitterSignature = await signSubmission({ kind, sha256: indicatorSha256(subject), context, submittedAt }, CHAIN_ID, REGISTRY, user)
  return { kind, subject: raw, context, submitter: user.address.toLowerCase() as Hex, submittedAt, submitterSignature }
}

/** the real indicator engines a node runs by default (the lists without eth-phishing-detect's download) */
async function indicatorEngines (): Promise<Engine[]> {
  const engines = [createListsEngine({ feeds: [], ethPhishingDetect: false }), createLookalikeEngine(), createUrlHeuristicsEngine()]
  for (const e of engines) await e.start()
  return engines
}

async function network (t: Test, options: { maxActiveJobs?: number, gated?: Promise<void> } = {}): Promise<MemoryCoordinators> {
  const engines = await indicatorEngines()
  t.teardown(async () => { for (const e of engines) await e.stop() })
  const held = options.gated === undefined ? engines : engines.map((e) => ({ ...gatedEngine(e, options.gated as Promise<void>), kinds: e.kinds }))
  return await memoryCoordinators(t, { engines: () => held, ...(options.maxActiveJobs === undefined ? {} : { maxActiveJobs: options.maxActiveJobs }) })
}

const jobsOn = (net: MemoryCoordinators, kind: IndicatorKind, subject: string): number =>
  net.coordinator(0).jobs.fromBlock(0).filter((l) => l.signed.job.kind === kind && l.signed.job.subject === subject).length

tap.test('a submitted URL\'s domain and IP literal get quorum reports of their own, submitted by the URL job\'s origin', async (t) => {
  const net = await network(t)
  const origin = net.addresses[0] as Hex
  const url = await net.coordinator(0).submitIndicator(await signed('url', 'https://user:pw@WWW.Derived.Example.:8443/login?next=1'))
  const v6 = await net.coordinator(0).submitIndicator(await signed('url', 'http://[2001:DB8::7]:8080/x'))
  const v4 = await net.coordinator(0).submitIndicator(await signed('url', 'http://0xc0.0.2.9/'))
  const other = net.repos[2] as Repositories
  const domain = await until('the domain\'s report', async () => await other.reports.getLatestByIndicator('domain', indicatorSha256('www.derived.example')))
  t.equal(domain.job.job.subject, 'www.derived.example', 'the host as written, without userinfo, port or trailing dot')
  t.equal(domain.job.job.submitter, origin, 'signed by the URL job\'s origin')
  t.equal(domain.job.job.origin, origin)
  t.equal(domain.job.job.context, derivedContext(url.subject), 'the context names the URL by its VirusTotal id')
  t.ok(domain.verdicts.length >= domain.quorum, 'a quorum of members judged it')
  t.ok(Object.keys(domain.results).includes('VirusMap-Lookalike'), 'by the domain engines')
  for (const [ip, from] of [['2001:db8::7', v6], ['192.0.2.9', v4]] as const) {
    const report = await until(`${ip}'s report`, async () => await other.reports.getLatestByIndicator('ip', indicatorSha256(ip)))
    t.equal(report.job.job.context, derivedContext(from.subject))
  }
  const record = await other.indicators.get('domain', 'www.derived.example')
  t.same(record?.submitters, [origin], 'every node records it')

  // the same host again, and a host already known: no second job
  const again = await net.coordinator(0).submitIndicator(await signed('url', 'https://www.derived.example/other'))
  await until('the second URL\'s report', async () => await (net.repos[0] as Repositories).reports.getLatestByIndicator('url', again.sha256))
  t.equal(jobsOn(net, 'domain', 'www.derived.example'), 1, 'a known domain is not submitted again')
  await net.coordinator(0).submitIndicator(await signed('domain', 'known.example'))
  await net.coordinator(0).submitIndicator(await signed('url', 'http://known.example/a'))
  await net.coordinator(0).submitIndicator(await signed('url', 'javascript:alert(1)'))
  await net.coordinator(0).submitIndicator(await signed('url', 'http://localhost/'))
  await net.coordinator(0).submitIndicator(await signed('url', 'http://last.example/'))
  await until('the last URL\'s domain', async () => await (net.repos[0] as Repositories).indicators.get('domain', 'last.example'))
  t.equal(jobsOn(net, 'domain', 'known.example'), 1, 'a domain with a job open is not submitted again')
  t.same((await (net.repos[0] as Repositories).indicators.get('domain', 'known.example'))?.submitters, [user.address.toLowerCase()], 'nor recorded as the node\'s sighting')
  t.equal(jobsOn(net, 'domain', 'localhost'), 0)
  // subjects, not jobs: on a loaded machine a job may miss its quorum and be retried as a second job
  const subjects = new Set(net.coordinator(0).jobs.fromBlock(0).filter((l) => l.signed.job.kind !== 'url').map((l) => `${l.signed.job.kind} ${l.signed.job.subject}`))
  t.equal(subjects.size, 5, 'two derived domains, one submitted, one IPv4 and one IPv6 literal; nothing for javascript: or one label')
})

tap.test('a URL\'s domain takes only a spare admission slot: it waits while submissions need the slots', async (t) => {
  const held = gate()
  // two slots, one kept free for submissions: the domain waits until the URL's job has ended
  const net = await network(t, { maxActiveJobs: 2, gated: held.opened })
  const url = await net.coordinator(0).submitIndicator(await signed('url', 'http://busy.example/'))
  await new Promise((resolve) => setTimeout(resolve, 300))
  t.equal(jobsOn(net, 'domain', 'busy.example'), 0, 'no domain job while the URL holds the one slot a submission may not lose')
  const second = await net.coordinator(0).submitIndicator(await signed('url', 'http://second.example/'), { signal: AbortSignal.timeout(2000) })
  t.not(second.analysisId, url.analysisId, 'a submission still gets the second slot at once')
  held.open()
  const domain = await until('the domain job', async () => (jobsOn(net, 'domain', 'busy.example') === 1 ? true : undefined))
  t.ok(domain)
  t.equal(net.coordinator(0).liveJob(url.analysisId)?.state, 'final', 'published once the URL\'s job had ended')
})

tap.test('a restart queues again the hosts of the node\'s URL jobs still open', async (t) => {
  const held = gate()
  const net = await network(t, { maxActiveJobs: 2, gated: held.opened })
  const url = await net.coordinator(0).submitIndicator(await signed('url', 'http://restarted.example/'))
  await net.stop(0)
  await net.start(0)
  t.equal(net.coordinator(0).liveJob(url.analysisId)?.state, 'open', 'the URL job was resumed')
  held.open()
  await until('the domain job after the restart', async () => (jobsOn(net, 'domain', 'restarted.example') === 1 ? true : undefined))
  t.pass('the host queued before the restart got its job')
})

tap.test('the queue is bounded: past maxQueued a host is dropped and counted; a host queued twice is one entry', async (t) => {
  const net = await network(t)
  const metrics = createNodeMetrics()
  const submitted: string[] = []
  const derived = createDerivedIndicators({ chainId: CHAIN_ID, registry: REGISTRY, maxQueued: 2, retryMs: 20 }, {
    signer: net.wallets[1] as Wallet,
    known: async (kind, subject) => await (net.repos[1] as Repositories).indicators.get(kind, subject) !== undefined,
    submit: async (input, options) => {
      submitted.push(input.subject)
      return await net.coordinator(1).submitIndicator(input, options)
    },
    logger,
    metrics: metrics.quorum,
    now: Date.now
  })
  t.teardown(async () => { await derived.stop() })
  for (const url of ['http://a.example/1', 'http://a.example/2', 'http://b.example/', 'http://c.example/', 'http://d.example/', 'data:,x', 'not a url', 'x'.repeat(100_000)]) derived.offer(url)
  t.equal(derived.queued, 2)
  const text = await metrics.registry.metrics()
  t.match(text, /virusmap_quorum_derived_indicators_total\{result="dropped"\} 2/)
  t.match(text, /virusmap_quorum_derived_indicators_queued 2/)
  derived.start()
  await until('both submitted', async () => (derived.queued === 0 && submitted.length === 2 ? true : undefined))
  t.same(submitted, ['a.example', 'b.example'], 'in arrival order, once each')
  const record = await until('b.example recorded', async () => await (net.repos[1] as Repositories).indicators.get('domain', 'b.example'))
  t.same(record.submitters, [net.addresses[1]])
  derived.offer('http://b.example/again')
  await until('the known host handled', async () => (derived.queued === 0 ? true : undefined))
  t.same(submitted, ['a.example', 'b.example'], 'a known host is not submitted again')
  t.match(await metrics.registry.metrics(), /virusmap_quorum_derived_indicators_total\{result="known"\} 1/)
  await derived.stop()
  await derived.stop()
})
