import tap from 'tap'
import { keccak_256 } from '@noble/hashes/sha3.js'
import { secp256k1 } from '@noble/curves/secp256k1.js'
import { scanJobId, verdictHash } from '../../../protocol/src/index.ts'
import { quorumThreshold as protocolQuorum } from '../../../protocol/src/quorum.ts'
import { fileObject } from '../../src/api/vt-objects.ts'
import type { SignedVerdict } from '../../../protocol/src/messages.ts'
// the page's own module, loaded as the browser loads it (plain JS, crypto passed in)
import { checkFileReport, checkIndicatorReport, createVerifier, quorumThreshold } from '../../src/web/verify.js'
import { Wallet } from 'ethers'
import { indicatorObject } from '../../src/api/vt-indicator-objects.ts'
import { createMemoryIndicators, signedIndicator } from '../fixtures/memory-indicators.ts'
import { CHAIN_ID, MEMBERS, NOW, OUTSIDER, REGISTRY, hashes, signedReport } from '../fixtures/signed-reports.ts'

const verifier = createVerifier({ keccak_256, secp256k1 })
const SAMPLE = new TextEncoder().encode('X5O!P%@AP[4\\PZX54(P^)7CC)7}$EICAR-STANDARD-ANTIVIRUS-TEST-FILE!$H+H*')
const members = MEMBERS.map((m) => m.address)

interface Attrs { sha256: string, virusmap: { verdicts: SignedVerdict[] }, last_analysis_results: Record<string, { category: string, result: string | null }>, last_analysis_stats: Record<string, number> }
interface Check { name: string, ok: boolean }
const failed = (r: { checks: Check[] }): string[] => r.checks.filter((c) => !c.ok).map((c) => c.name)

async function attributes (options: Parameters<typeof signedReport>[1] = {}): Promise<Attrs> {
  const report = await signedReport(SAMPLE, options)
  const info = { ...hashes(SAMPLE), fileType: 'text', names: ['eicar.com'], firstSeen: NOW, lastSeen: NOW }
  const obj = fileObject({ sample: info, report }, 'http://x') as { data: { attributes: Attrs } }
  return JSON.parse(JSON.stringify(obj.data.attributes)) as Attrs
}

tap.test('the browser verifier hashes and recovers as the protocol does', async (t) => {
  const report = await signedReport(SAMPLE)
  t.equal(verifier.jobId(report.job.job, CHAIN_ID, REGISTRY), scanJobId(report.job.job, CHAIN_ID, REGISTRY))
  t.equal(verifier.recoverJobSigner(report.job, CHAIN_ID, REGISTRY), report.job.job.origin)
  for (const v of report.verdicts) {
    t.equal(verifier.verdictHash(v.verdict), verdictHash(v.verdict))
    t.equal(verifier.recoverVerdictSigner(v, CHAIN_ID, REGISTRY), v.verdict.member)
  }
  t.equal(verifier.recoverVerdictSigner({ ...report.verdicts[0], signature: '0x1234' }, CHAIN_ID, REGISTRY), undefined, 'a short signature recovers nobody')
  for (let n = 1; n <= 40; n++) t.equal(quorumThreshold(n), protocolQuorum(n), `quorum of ${n}`)
  for (const d of [2, 4, 7]) for (let n = 1; n <= 20; n++) t.equal(quorumThreshold(n, d), protocolQuorum(n, d), `quorum of ${n} with fault divisor ${d}`)
})

tap.test('a genuine report passes every check and names its signers', async (t) => {
  const a = await attributes()
  const result = checkFileReport(verifier, a, members, a.sha256)
  t.ok(result.ok, JSON.stringify(result.checks))
  t.same(result.signers, a.virusmap.verdicts.map((v) => v.verdict.member).toSorted(), 'the verdicts\' members')
  t.ok(result.signers.length >= 3)
  t.equal(result.quorum, 3)
})

function failing (result: { ok: boolean, checks: Check[] }): string[] {
  return result.checks.filter((c) => !c.ok).map((c) => c.name)
}

tap.test('tampering is caught', async (t) => {
  const shownClean = await attributes()
  for (const r of Object.values(shownClean.last_analysis_results)) r.category = 'undetected'
  t.ok(failing(checkFileReport(verifier, shownClean, members, shownClean.sha256)).includes('tally'), 'results edited after signing')

  const stats = await attributes()
  stats.last_analysis_stats.malicious = 0
  t.same(failing(checkFileReport(verifier, stats, members, stats.sha256)), ['tally'], 'stats edited after signing')

  const forged = await attributes()
  const v0 = forged.virusmap.verdicts[0] as SignedVerdict
  v0.verdict.results = v0.verdict.results.map((r) => ({ ...r, category: 'harmless' as const }))
  t.ok(failing(checkFileReport(verifier, forged, members, forged.sha256)).includes('verdict signatures'), 'a verdict edited after signing')

  const other = await attributes()
  t.ok(failing(checkFileReport(verifier, other, members, '00'.repeat(32))).includes('sample'), 'a report about another sample')

  const outsiders = await attributes({ signers: [OUTSIDER, ...MEMBERS.slice(0, 2)], memberCount: 4 })
  t.ok(failing(checkFileReport(verifier, outsiders, members, outsiders.sha256)).includes('quorum'), 'a non-member signature does not count')

  t.ok(failing(checkFileReport(verifier, await attributes(), [], shownClean.sha256)).includes('quorum'), 'no members known: no quorum')
})

tap.test('an indicator report: the page checks its subject and its submitter\'s signature too', async (t) => {
  const user = new Wallet(`0x${'5'.repeat(64)}`)
  const ind = createMemoryIndicators()
  const subject = 'http://phish.example/'
  const { analysisId } = await ind.port.submitIndicator({ kind: 'url', subject, context: 'mail', ...await signedIndicator('url', subject, user, 'mail') })
  const report = await ind.complete(analysisId)
  t.equal(verifier.recoverSubmitter(report.job.job, CHAIN_ID, REGISTRY), user.address.toLowerCase())
  const view = await ind.port.getIndicator('url', subject)
  const attrs = JSON.parse(JSON.stringify((indicatorObject('url', subject, view!, 'http://x') as { data: { attributes: unknown } }).data.attributes)) as { virusmap: { job: { job: Record<string, unknown> } } }
  const sha = hashes(new TextEncoder().encode(subject)).sha256.slice(2)
  const ok = checkIndicatorReport(verifier, attrs, members, 'url', subject, sha)
  t.ok(ok.ok, JSON.stringify(ok.checks))
  t.equal(ok.signers.length, 3)
  t.same(failed(checkIndicatorReport(verifier, attrs, members, 'url', 'http://bank.example/', sha)), ['subject'])
  t.same(failed(checkIndicatorReport(verifier, attrs, members, 'domain', subject, sha)), ['subject'])
  const forged = JSON.parse(JSON.stringify(attrs)) as typeof attrs
  forged.virusmap.job.job.submitter = MEMBERS[1]?.address
  t.ok(failed(checkIndicatorReport(verifier, forged, members, 'url', subject, sha)).includes('submitter signature'))
})
