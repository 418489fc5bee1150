/**
 * The page's plain-JS report checks, loaded as the browser loads them (crypto passed in), held to
 * the protocol's answers: EIP-712 hashing and recovery, canonical indicators, the derivation, and
 * every attack the CLI refuses.
 */
import tap from 'tap'
import { keccak_256 } from '@noble/hashes/sha3.js'
import { sha256 } from '@noble/hashes/sha2.js'
import { secp256k1 } from '@noble/curves/secp256k1.js'
import { Wallet } from 'ethers'
import {
  attestationFor, canonicalizeIndicator, computeCommitment, IndicatorError, reportDigest, scanJobId, verdictHash
} from '#protocol/index.ts'
import type { Report } from '#protocol/index.ts'
import { fileObject } from '../../src/api/vt-objects.ts'
import { indicatorObject } from '../../src/api/vt-indicator-objects.ts'
import { createVerifier } from '#protocol/eip712-hash.js'
import { canonicalIndicator } from '../../src/web/indicator-canonical.js'
import { aggregateEngines } from '../../src/web/report-derive.js'
import { checkReport, type Asked } from '../../src/web/verify.js'
import { createMemoryIndicators, signedIndicator } from '../fixtures/memory-indicators.ts'
import { CHAIN_ID, engineResults, hashes, MEMBERS, NOW, OUTSIDER, REGISTRY, registrationsOf, signedReport } from '../fixtures/signed-reports.ts'

const verifier = createVerifier({ keccak_256, sha256, secp256k1 })
const SAMPLE = new TextEncoder().encode('X5O!P%@AP[4\\PZX54(P^)7CC)7}$EICAR-STANDARD-ANTIVIRUS-TEST-FILE!$H+H*')
const H = hashes(SAMPLE)
const members = MEMBERS.map((m) => m.address)
// the job's age limit block (7200 blocks after it) is not mined yet
const chain = { members, registrations: registrationsOf(members), faultDivisor: 3, clockSkewMs: 1000, age: { maxJobAgeBlocks: 7200, limitBlock: 7207 } as { maxJobAgeBlocks: number, limitBlock: number, limitTimestamp?: number } }
const deployment = { chainId: CHAIN_ID, registry: REGISTRY }

/** a file object's attributes as the API serves them, through JSON */
function served (report: Report): any {
  const { job } = report.job
  const info = { sha256: job.sha256, sha1: job.sha1, md5: job.md5, size: job.size, fileType: 'text', names: ['eicar.com'], firstSeen: NOW, lastSeen: NOW }
  return JSON.parse(JSON.stringify((fileObject({ sample: info, report }, 'http://x') as { data: { attributes: unknown } }).data.attributes))
}
// all four reveal and attest, two detect: signed once, each case edits its own copy
const GENUINE = served(await signedReport(SAMPLE, { signers: MEMBERS, results: (_m, i) => engineResults(i < 2) }))
const attributes = (): any => structuredClone(GENUINE)

const failed = (r: { checks: Array<{ name: string, ok: boolean }> }): string[] => r.checks.filter((c) => !c.ok).map((c) => c.name)
const check = (a: unknown, asked: Asked = { hash: H.sha256.slice(2) }, options: { chain?: typeof chain, now?: number, deployment?: typeof deployment } = {}): ReturnType<typeof checkReport> =>
  checkReport(verifier, a, asked, options.deployment ?? deployment, options.chain ?? chain, options.now ?? NOW)

tap.test('the page hashes and recovers as the protocol does (domain version 2)', async (t) => {
  const report = await signedReport(SAMPLE, { signers: MEMBERS })
  t.equal(verifier.jobId(report.job.job, CHAIN_ID, REGISTRY), scanJobId(report.job.job, CHAIN_ID, REGISTRY))
  t.equal(verifier.recoverJobSigner(report.job, CHAIN_ID, REGISTRY), report.job.job.origin)
  for (const v of report.verdicts) {
    t.equal(verifier.verdictHash(v.verdict), verdictHash(v.verdict))
    t.equal(verifier.commitment(v.verdict, v.salt), computeCommitment(v.verdict, v.salt))
    t.equal(verifier.recoverVerdictSigner(v, CHAIN_ID, REGISTRY), v.verdict.member)
  }
  for (const c of report.commitments) t.equal(verifier.recoverCommitmentSigner(c, CHAIN_ID, REGISTRY), c.commitment.member)
  const content = attestationFor(report.job, report.commitments, report.verdicts, CHAIN_ID, REGISTRY)
  const digest = reportDigest(content, CHAIN_ID, REGISTRY)
  t.equal(verifier.reportDigest(content, CHAIN_ID, REGISTRY), digest)
  for (const a of report.attestations) t.equal(verifier.recoverDigest(digest, a.signature), a.member)
  t.equal(verifier.recoverVerdictSigner({ ...report.verdicts[0], signature: '0x1234' }, CHAIN_ID, REGISTRY), undefined, 'a short signature recovers nobody')
  const sig = report.attestations[0]!.signature
  const n = secp256k1.Point.CURVE().n
  const highS = `${sig.slice(0, 66)}${(n - BigInt(`0x${sig.slice(66, 130)}`)).toString(16).padStart(64, '0')}${sig.slice(130) === '1b' ? '1c' : '1b'}`
  t.equal(verifier.recoverDigest(digest, highS), undefined, 'a high-s signature recovers nobody, as in ethers')
})

tap.test('indicators canonicalize as the protocol canonicalizes them', async (t) => {
  const wallet = new Wallet(`0x${'5'.repeat(64)}`).address
  const corpus: Array<[string, string]> = [
    ['url', 'HTTP://Phish.Example:80/a?b#c'], ['url', 'phish.example/login'], ['url', 'example.com:8080/x'], ['url', 'gopher://x.example/'],
    ['url', 'javascript:alert(1)'], ['url', 'http://münchen.example/'], ['url', `http://x.example/${'a'.repeat(3000)}`], ['url', 'http://'],
    ['domain', 'PayPal.COM.'], ['domain', 'pаypal.com'], ['domain', 'ｐａｙｐａｌ.com'], ['domain', 'a.b/c'], ['domain', '1.2.3.4'], ['domain', '0x7f.1'],
    ['domain', 'localhost'], ['domain', '-a.example'], ['domain', 'a\u200d.example'], ['ip', '192.0.2.1'], ['ip', '01.2.3.4'], ['ip', '[2001:DB8::1]'],
    ['ip', 'fe80::1%eth0'], ['wallet', wallet], ['wallet', wallet.toLowerCase()], ['wallet', `eip155:137:${wallet}`], ['wallet', wallet.replace(/[a-f]/, (c) => c.toUpperCase())],
    ['wallet', `cosmos:1:${wallet}`], ['wallet', `eip155:01:${wallet}`], ['script', `0x${'AB'.repeat(32)}`], ['script', 'abc'], ['file', 'x'],
    ['domain', ' spaced.example '], ['domain', 'a.example\u0000'], ['url', '\ud800'], ['domain', '']
  ]
  for (const [kind, raw] of corpus) {
    let expected: string | undefined
    try {
      expected = canonicalizeIndicator(kind as 'url', raw)
    } catch (err) {
      if (!(err instanceof IndicatorError)) throw err
      expected = undefined
    }
    t.equal(canonicalIndicator(kind, raw, keccak_256), expected, `${kind} ${raw.slice(0, 40)}`)
  }
})

tap.test('the page aggregates engines as the protocol does', async (t) => {
  const report = await signedReport(SAMPLE, { signers: MEMBERS, results: (_m, i) => engineResults(i < 2) })
  t.same(aggregateEngines(report.verdicts, report.registrations, 3), { results: report.results, stats: report.stats })
  const partial = registrationsOf(members.slice(0, 2), ['Heuristics'])
  const three = await signedReport(SAMPLE)
  t.same(aggregateEngines(three.verdicts, { ...three.registrations, ...partial }, 3).stats.malicious, 1, 'registered counts come from the registrations given')
})

tap.test('a genuine report passes every check, and the page names each', async (t) => {
  const result = check(attributes())
  t.ok(result.ok, JSON.stringify(result.checks))
  t.same(result.checks.map((c) => c.name), ['question', 'deployment', 'job signature', 'commitments', 'verdicts', 'reveals', 'attestations', 'results shown', 'time', 'job age'])
  t.same(result.attesters, members.toSorted())
  t.same(result.attestedEngines, ['Heuristics', 'YARA'])
  t.equal(result.quorum, 3)
  for (const hash of [H.sha1, H.md5.toUpperCase().replace('0X', '0x')]) t.ok(check(attributes(), { hash }).ok, `asked by ${hash}`)
})

tap.test('every attack the CLI refuses, the page refuses', async (t) => {
  const other = served(await signedReport(new TextEncoder().encode('a clean file'), { detect: false }))
  t.same(failed(check(other)), ['question'], 'another file\'s genuine report')

  const trimmed = attributes()
  trimmed.virusmap.verdicts = trimmed.virusmap.verdicts.slice(1)
  t.same(failed(check(trimmed)), ['attestations'], 'a dropped verdict breaks every attestation')

  const label = attributes()
  label.last_analysis_results.YARA.result = 'Clean'
  t.same(failed(check(label)), ['results shown'], 'a swapped VT label')
  const version = attributes()
  version.last_analysis_results.YARA.engine_version = '9.9.9'
  t.same(failed(check(version)), ['results shown'], 'a swapped VT engine version')
  const attested = attributes()
  attested.virusmap.engines.YARA.attested = false
  t.same(failed(check(attested)), ['results shown'])

  const forged = attributes()
  forged.virusmap.verdicts[0].verdict.results[0].category = 'harmless'
  t.same(failed(check(forged)), ['verdicts'], 'a verdict edited after signing')

  t.same(failed(check(attributes(), undefined, { deployment: { chainId: CHAIN_ID, registry: `0x${'cd'.repeat(20)}` } })), ['deployment', 'job signature'], 'another deployment\'s signatures recover nobody')
  const swapped = [members[0], members[1], members[2], OUTSIDER.address].toSorted() as typeof members
  t.same(failed(check(attributes(), undefined, { chain: { ...chain, members: swapped, registrations: registrationsOf(swapped) } })), ['commitments'], 'a member the chain does not know')
  t.same(failed(check(attributes(), undefined, { chain: { ...chain, registrations: registrationsOf(members, ['Heuristics']) } })), ['verdicts'], 'an engine the chain does not register')
  t.same(failed(check(attributes(), undefined, { chain: { ...chain, faultDivisor: 100 } })), ['results shown'], 'a stricter quorum rule on chain: 4 of 4 attest, but the node claims quorum 3 under divisor 3')
  t.same(failed(check(attributes(), undefined, { now: NOW - 1001 })), ['time'], 'a job from this browser\'s future')
  const mined = (limitTimestamp: number): typeof chain => ({ ...chain, age: { ...chain.age, limitTimestamp } })
  const stale = check(attributes(), undefined, { chain: mined(Math.floor(NOW / 1000) - 12) })
  t.same(failed(stale), ['job age'], 'a job created 12 s after its block aged past maxJobAgeBlocks (an old block\'s quorum of one)')
  t.match(stale.checks.at(-1)?.detail, 'before block 7207, 7200 blocks after its block')
  t.same(failed(check(attributes(), undefined, { chain: mined(Math.floor(NOW / 1000) - 1) })), [], 'within the limit block\'s second and the clock skew')
})

tap.test('an indicator report is held to the indicator in the page\'s address and to its submitter\'s signature', async (t) => {
  const user = new Wallet(`0x${'5'.repeat(64)}`)
  const ind = createMemoryIndicators()
  const subject = 'http://phish.example/'
  const { analysisId } = await ind.port.submitIndicator({ kind: 'url', subject, context: 'mail', ...await signedIndicator('url', subject, user, 'mail') })
  await ind.complete(analysisId)
  const view = await ind.port.getIndicator('url', subject)
  const attrs = JSON.parse(JSON.stringify((indicatorObject('url', subject, view!, 'http://x') as { data: { attributes: unknown } }).data.attributes))
  const now = Date.now()
  const ok = check(attrs, { kind: 'url', subject: 'HTTP://Phish.Example' }, { now })
  t.ok(ok.ok, JSON.stringify(ok.checks))
  t.same(ok.checks.slice(-2).map((c) => c.name), ['subject', 'submitter signature'])
  t.same(failed(check(attrs, { kind: 'url', subject: 'http://bank.example/' }, { now })), ['question'])
  t.same(failed(check(attrs, { kind: 'domain', subject: 'phish.example' }, { now })), ['question'])
  const forged = JSON.parse(JSON.stringify(attrs))
  forged.virusmap.job.job.submitter = MEMBERS[1]?.address
  t.ok(failed(check(forged, { kind: 'url', subject }, { now })).includes('submitter signature'))
})
