import tap from 'tap'
import { checkReport, deriveReport, scanJobId } from '../src/index.ts'
import type { Hex, Report, ReportCode, SignedVerdict } from '../src/index.ts'
import { CHAIN_ID, makeReveal, makeSignedJob, member, MEMBERS, NOW, REGISTRY, result } from './fixtures.ts'

const invalid = (code: ReportCode) => ({ name: 'ReportInvalidError', code })
const signedJob = await makeSignedJob()
const { job } = signedJob
const reveals: SignedVerdict[] = []
const voteSets = [
  [result('yara', 'malicious', 'Evil.A'), result('clamav', 'undetected'), result('heur', 'malicious', 'B')],
  [result('yara', 'malicious', 'Evil.B'), result('clamav', 'malicious', 'Trojan'), result('heur', 'undetected', 'A')],
  [result('yara', 'suspicious', 'Sus'), result('clamav', 'undetected', '', { engineUpdate: '20261120' })],
  [result('yara', 'malicious', 'Evil.B', { engineVersion: '2.0.0', method: 'yara' })]
]
for (const [i, results] of voteSets.entries()) reveals.push((await makeReveal(job, member(i), results, NOW + 30_000 + i)).reveal)
const derive = (verdicts: SignedVerdict[], memberCount = MEMBERS.length, faultDivisor = 3): Report =>
  deriveReport({ job: signedJob, verdicts, memberCount, faultDivisor, chainId: CHAIN_ID, registry: REGISTRY })
const report = derive(reveals)
const addr = (i: number): Hex => member(i).address
const tampered = (mutate: (r: Report) => void): Report => { const r = structuredClone(report); mutate(r); return r }

tap.test('aggregates per engine by majority, severity and label order', async t => {
  t.equal(report.jobId, scanJobId(job, CHAIN_ID, REGISTRY))
  t.equal(report.quorum, 3)
  t.equal(report.memberCount, 4)
  t.equal(report.date, NOW + 30_003, 'date is the latest scannedAt')
  t.same(report.results.yara, {
    engine: 'yara', engineVersion: '2.0.0', engineUpdate: '20261101', category: 'malicious', result: 'Evil.B', method: 'yara',
    members: [addr(0), addr(1), addr(3)]
  }, 'yara: 3 malicious beat 1 suspicious; Evil.B (2) beats Evil.A (1); greatest version/method among agreeing members')
  t.same(report.results.clamav, {
    engine: 'clamav', engineVersion: '1.0.0', engineUpdate: '20261120', category: 'undetected', result: '', method: 'blacklist',
    members: [addr(0), addr(2)]
  }, 'clamav: 2 undetected beat 1 malicious')
  t.same(report.results.heur, {
    engine: 'heur', engineVersion: '1.0.0', engineUpdate: '20261101', category: 'malicious', result: 'B', method: 'blacklist',
    members: [addr(0)]
  }, 'heur: a 1-1 tie goes to the more severe category')
  t.same(Object.keys(report.results), ['clamav', 'heur', 'yara'], 'engines sorted by name')
  t.same(report.stats, { malicious: 2, suspicious: 0, undetected: 1, harmless: 0, timeout: 0, failure: 0, 'type-unsupported': 0 })
  t.same(report.verdicts.map(v => v.verdict.member), [addr(0), addr(1), addr(2), addr(3)])
})

tap.test('label ties go to the lexicographically smallest label', async t => {
  const tie = [(await makeReveal(job, member(0), [result('x', 'malicious', 'Zeta')])).reveal,
    (await makeReveal(job, member(1), [result('x', 'malicious', 'Alpha')])).reveal,
    (await makeReveal(job, member(2), [result('x', 'harmless')])).reveal]
  t.equal(derive(tie).results.x?.result, 'Alpha')
})

tap.test('input order and duplicate verdicts do not change the report', async t => {
  const expected = JSON.stringify(report)
  t.equal(JSON.stringify(derive(reveals.toReversed())), expected, 'reversed')
  t.equal(JSON.stringify(derive([reveals[2], reveals[0], reveals[3], reveals[1]] as SignedVerdict[])), expected, 'shuffled')
  t.equal(JSON.stringify(derive([...reveals, ...reveals.map(v => structuredClone(v))])), expected, 'every verdict twice')
})

tap.test('two different signed verdicts from one member: the choice does not depend on order', async t => {
  const second = (await makeReveal(job, member(3), [result('yara', 'harmless')])).reveal
  const a = derive([...reveals, second])
  const b = derive([second, ...reveals.toReversed()])
  t.equal(JSON.stringify(a), JSON.stringify(b))
  t.equal(a.verdicts.length, 4)
})

tap.test('derivation refuses bad input', async t => {
  t.throws(() => derive(reveals.slice(0, 2)), invalid('NO_QUORUM'), '2 of 4')
  t.ok(derive(reveals.slice(0, 3)), '3 of 4 is a quorum')
  t.throws(() => derive(reveals, 2), invalid('MEMBER_COUNT_MISMATCH'), 'more verdicts than members')
  t.throws(() => derive(reveals, 0), invalid('MALFORMED'), 'zero members')
  const forged = { ...(reveals[0] as SignedVerdict), signature: (reveals[1] as SignedVerdict).signature }
  t.throws(() => derive([forged, ...reveals.slice(1)]), invalid('BAD_SIGNATURE'), 'signature of another member')
  t.throws(() => deriveReport({ job: { ...signedJob, signature: (reveals[0] as SignedVerdict).signature }, verdicts: reveals, memberCount: 4, faultDivisor: 3, chainId: CHAIN_ID, registry: REGISTRY }),
    invalid('BAD_SIGNATURE'), 'job not signed by its origin')
  t.throws(() => deriveReport({ job: signedJob, verdicts: [{ nope: 1 } as unknown as SignedVerdict], memberCount: 4, faultDivisor: 3, chainId: CHAIN_ID, registry: REGISTRY }),
    invalid('MALFORMED'), 'malformed verdict')
})

tap.test('checkReport accepts the derived report, also after a JSON round trip', async t => {
  t.doesNotThrow(() => checkReport(report))
  t.doesNotThrow(() => checkReport(JSON.parse(JSON.stringify(report)) as Report))
  t.doesNotThrow(() => checkReport(report, { members: MEMBERS.map(m => m.address) }))
})

tap.test('checkReport catches tampering', async t => {
  t.throws(() => checkReport(tampered(r => { (r.results.yara as { result: string }).result = 'Clean' })), invalid('DERIVATION_MISMATCH'), 'result label')
  t.throws(() => checkReport(tampered(r => { (r.results.yara as { category: string }).category = 'harmless' })), invalid('DERIVATION_MISMATCH'), 'result category')
  t.throws(() => checkReport(tampered(r => { delete r.results.heur })), invalid('DERIVATION_MISMATCH'), 'dropped engine')
  t.throws(() => checkReport(tampered(r => { r.stats.malicious = 0 })), invalid('DERIVATION_MISMATCH'), 'stats')
  t.throws(() => checkReport(tampered(r => { r.date = 0 })), invalid('DERIVATION_MISMATCH'), 'date')
  t.throws(() => checkReport(tampered(r => { r.quorum = 1 })), invalid('DERIVATION_MISMATCH'), 'quorum')
  t.throws(() => checkReport(tampered(r => { r.verdicts.reverse() })), invalid('DERIVATION_MISMATCH'), 'verdict order')
  t.throws(() => checkReport(tampered(r => { r.jobId = `0x${'00'.repeat(32)}` })), invalid('JOB_ID_MISMATCH'), 'job id')
  t.throws(() => checkReport(tampered(r => { r.verdicts.push(structuredClone(r.verdicts[0] as SignedVerdict)) })), invalid('DUPLICATE_MEMBER'), 'duplicate verdict')
  t.throws(() => checkReport(tampered(r => {
    const v = r.verdicts[1] as SignedVerdict
    v.signature = `${v.signature.slice(0, 10)}${v.signature[10] === '0' ? '1' : '0'}${v.signature.slice(11)}` as Hex
  })), invalid('BAD_SIGNATURE'), 'verdict signature')
  t.throws(() => checkReport(tampered(r => { (r.verdicts[0] as SignedVerdict).verdict.scannedAt++ })), invalid('BAD_SIGNATURE'), 'signed content')
  t.throws(() => checkReport(tampered(r => { r.chainId = 1 })), invalid('BAD_SIGNATURE'), 'other chain')
  t.throws(() => checkReport(tampered(r => { (r.job.job as { size: number }).size = 1 })), invalid('BAD_SIGNATURE'), 'job content')
  t.throws(() => checkReport(tampered(r => { (r.verdicts[0] as unknown as Record<string, unknown>).extra = 1 })), invalid('MALFORMED'), 'extra key')
  t.throws(() => checkReport(null as unknown as Report), invalid('MALFORMED'), 'null')
})

tap.test('checkReport catches a verdict for another job', async t => {
  const otherJob = await makeSignedJob({ size: 99 })
  const foreign = (await makeReveal(otherJob.job, member(3), [result('yara', 'harmless')])).reveal
  const r = structuredClone(report)
  r.verdicts[3] = foreign
  t.throws(() => checkReport(r), invalid('JOB_MISMATCH'))
})

tap.test('checkReport against the chain membership', async t => {
  const members = MEMBERS.map(m => m.address)
  t.throws(() => checkReport(report, { members: [...members, `0x${'99'.repeat(20)}`] }), invalid('MEMBER_COUNT_MISMATCH'))
  t.throws(() => checkReport(report, { members: [...members.slice(0, 3), `0x${'99'.repeat(20)}`] }), invalid('NOT_MEMBER'))
})

tap.test('the fault divisor sets the quorum, and the chain\'s divisor is held to', async t => {
  t.equal(report.faultDivisor, 3)
  t.throws(() => derive(reveals.slice(0, 2)), invalid('NO_QUORUM'), '2 of 4 with divisor 3')
  // a smaller divisor tolerates more faults and so asks for fewer reveals (with n = 4 both need 3)
  const loose = derive(reveals.slice(0, 3), 4, 2)
  t.equal(loose.quorum, 3)
  t.doesNotThrow(() => checkReport(loose), 'self-consistent without the chain')
  t.throws(() => checkReport(loose, { faultDivisor: 3 }), invalid('FAULT_DIVISOR_MISMATCH'), 'the chain says 3')
  t.throws(() => derive(reveals.slice(0, 3), 4, 100), invalid('NO_QUORUM'), 'divisor 100 with n = 4 needs all four')
  t.doesNotThrow(() => checkReport(report, { faultDivisor: 3 }))
  t.throws(() => checkReport(tampered(r => { r.faultDivisor = 100 })), invalid('DERIVATION_MISMATCH'), 'divisor changed, quorum kept')
  t.throws(() => checkReport(tampered(r => { r.faultDivisor = 1 })), invalid('MALFORMED'), 'divisor below 2')
  t.throws(() => derive(reveals, 4, 2.5), invalid('MALFORMED'), 'fractional divisor')
})
