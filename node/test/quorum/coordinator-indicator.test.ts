import tap from 'tap'
import { Wallet } from 'ethers'
import { canonicalizeIndicator, checkReport, indicatorSha256, signSubmission } from '#protocol/index.ts'
import { createHeuristicsEngine } from '../../src/scan/heuristics-engine.ts'
import { indicatorPort } from '../../src/supernode/api-adapters.ts'
import { CHAIN_ID, memoryCoordinators, REGISTRY, sourceOf, until } from '../fixtures/memory-coordinators.ts'
import type { EngineResult, Hex } from '#protocol/messages.ts'
import type { Repositories } from '../../src/db/index.ts'
import type { Engine } from '../../src/scan/engine.ts'

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

const submitter = new Wallet(`0x${'7'.repeat(64)}`)
async function signed (kind: 'url' | 'domain', raw: string, context = 'reported by a user', submittedAt = Date.now()) {
  const subject = canonicalizeIndicator(kind, raw)
  const submitterSignature = await signSubmission({ kind, sha256: indicatorSha256(subject), context, submittedAt }, CHAIN_ID, REGISTRY, submitter)
  return { kind, subject: raw, context, submitter: submitter.address.toLowerCase() as Hex, submittedAt, submitterSignature }
}

tap.test('an indicator job reaches a quorum report on every member, like a file', async (t) => {
  // a wide commit window: at load 18 the job failed its 1.5 s one and the report was a retry's; members reveal as
  // soon as all have committed, so it costs nothing
  const net = await memoryCoordinators(t, { engines: () => [ipHostUrlEngine()], parameters: { quorumFaultDivisor: 3n, commitWindowMs: 10_000n } })
  const submission = await signed('url', 'HTTP://93.184.216.34/Login#x')
  const first = await net.coordinator(0).submitIndicator(submission)
  t.equal(first.subject, 'http://93.184.216.34/Login')
  t.equal(first.sha256, indicatorSha256('http://93.184.216.34/Login'))
  t.match(await net.repos[0]?.indicators.get('url', first.subject), { kind: 'url' }, 'the origin holds the indicator once the submission returns: its client may look it up at once')
  const again = await net.coordinator(0).submitIndicator(await signed('url', 'http://93.184.216.34/Login', 'second sighting'))
  t.equal(again.analysisId, first.analysisId, 'a second submission joins the job in flight')

  for (const [i, repos] of net.repos.entries()) {
    const report = await until(`member ${i}'s report`, async () => await repos.reports.getLatestByIndicator('url', first.sha256))
    t.equal(report.jobId, first.analysisId)
    t.equal(report.job.job.kind, 'url')
    t.equal(report.job.job.subject, 'http://93.184.216.34/Login')
    t.equal(report.faultDivisor, 3)
    t.ok(report.verdicts.length >= report.quorum, `member ${i}: ${report.verdicts.length} verdicts, quorum ${report.quorum}`)
    t.equal(report.results['Test-IPHost']?.category, 'malicious')
    t.doesNotThrow(() => checkReport(report, { members: net.addresses, faultDivisor: 3 }))
    t.equal(report.attestations.length >= report.quorum, true, 'a quorum of members signed the content')
    t.equal(await repos.reports.getLatestBySha256(first.sha256), undefined, 'not served as a file with the same bytes')
    const record = await repos.indicators.get('url', 'http://93.184.216.34/Login')
    t.equal(record?.submitters[0], submitter.address.toLowerCase(), `member ${i} recorded the indicator`)
  }
  const port = indicatorPort(net.coordinator(0), net.repos[0] as Repositories)
  const view = await port.getIndicator('url', 'http://93.184.216.34/Login#frag')
  t.equal(view?.report?.jobId, first.analysisId, 'looked up by any spelling')
  t.equal(view?.record?.context, 'second sighting', 'the latest submission\'s context')
  t.equal(await port.getIndicator('url', 'http://198.51.100.7/'), undefined, 'unknown indicator')
  await t.rejects(port.getIndicator('domain', 'not a domain'), { code: 'INVALID_INDICATOR' })
})

tap.test('submissions the network would reject are refused with a precise code', async (t) => {
  const net = await memoryCoordinators(t, { engines: () => [ipHostUrlEngine()] })
  const coordinator = net.coordinator(0)
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
  // the fixture's 500 ms scan budget was too short for the heuristics' worker at load 12 (the relations never
  // came); no engine here waits for the budget's end, so a long one costs nothing
  const net = await memoryCoordinators(t, { engines: () => [heuristics, ipHostUrlEngine()], parameters: { commitWindowMs: 10_000n } })
  const script = 'fetch("https://Evil.Example.com/payload?id=1"); var x = "http://cdn.example.org/a.js"; // not-a-url://x'
  const { sha256 } = await net.coordinator(0).submitFile(sourceOf(script), { filename: 'dropper.js' })
  const repos = net.repos[1] as Repositories
  const related = await until('relations', async () => {
    const found = await repos.indicators.indicatorsOf(sha256, 200)
    return found.length >= 4 ? found : undefined
  })
  t.same(related.map((r) => `${r.kind} ${r.subject}`).toSorted(), [
    'domain cdn.example.org', 'domain evil.example.com', 'url http://cdn.example.org/a.js', 'url https://evil.example.com/payload?id=1'
  ])
  t.same(await repos.indicators.filesOf('domain', 'evil.example.com', 10), [sha256], 'the reverse index')
  const port = indicatorPort(net.coordinator(1), repos)
  t.same((await port.getIndicator('domain', 'EVIL.Example.com.'))?.relatedFiles, [sha256], 'files communicating with this domain, by any spelling')
  t.equal((await port.relatedIndicators(sha256)).length, 4)
  const report = await until('file report', async () => await repos.reports.getLatestBySha256(sha256))
  t.equal(report.results['Test-IPHost']?.category, 'type-unsupported', 'a URL engine does not judge files')
})
