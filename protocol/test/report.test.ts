import tap from 'tap'
import {
  checkReport, computeCommitment, deriveReport, quorumThreshold, registrationsOf, scanJobId, signAttestation, signCommitment, signVerdict
} from '../src/index.ts'
import type {
  DeriveReportInput, Hex, Report, ReportCode, ReportSignature, SignedCommitment, SignedVerdict, Verdict
} from '../src/index.ts'
import {
  actor, CHAIN_ID, makeAttestations, makeReveal, makeSignedJob, makeVerdict, member, MEMBERS, NOW, OUTSIDER, REGISTRATIONS, REGISTRY, reportSignatures,
  result, saltFor
} from './fixtures.ts'
import type { Actor } from './fixtures.ts'

const invalid = (code: ReportCode) => ({ name: 'ReportInvalidError', code })
const signedJob = await makeSignedJob()
const { job } = signedJob
const jobId = scanJobId(job, CHAIN_ID, REGISTRY)
const members = MEMBERS.map(m => m.address)
const addr = (i: number): Hex => member(i).address
const voteSets = [
  [result('yara', 'malicious', 'Evil.A'), result('clamav', 'undetected'), result('heur', 'malicious', 'B')],
  [result('yara', 'malicious', 'Evil.B'), result('clamav', 'malicious', 'Trojan'), result('heur', 'undetected', 'A')],
  [result('yara', 'suspicious', 'Sus'), result('clamav', 'undetected', '', { engineUpdate: '20261120' })],
  [result('yara', 'malicious', 'Evil.B', { engineVersion: '2.0.0', method: 'yara' })]
]
const opened = await Promise.all(voteSets.map((results, i) => makeReveal(job, member(i), results, NOW + 30_000 + i)))
const commits: SignedCommitment[] = opened.map(o => o.commit)
const reveals: SignedVerdict[] = opened.map(o => o.reveal)
const attestations = reportSignatures(await makeAttestations(signedJob, commits, reveals, MEMBERS))
const chain = { members, registrations: REGISTRATIONS, faultDivisor: 3 }
const input = (over: Partial<DeriveReportInput> = {}): DeriveReportInput => ({
  job: signedJob, commitments: commits, verdicts: reveals, attestations, members, registrations: REGISTRATIONS, faultDivisor: 3, chainId: CHAIN_ID, registry: REGISTRY, ...over
})
const derive = (over: Partial<DeriveReportInput> = {}): Report => deriveReport(input(over))
const report = derive()
const tampered = (mutate: (r: Report) => void, from: Report = report): Report => { const r = structuredClone(from); mutate(r); return r }
const hostile = (value: string): never => JSON.parse(value) as never
const zeroSig: Hex = `0x${'00'.repeat(65)}`

/** The verdict, opened by a fresh commitment, both signed by `by`. */
async function open (verdict: Verdict, by: Actor): Promise<{ commit: SignedCommitment, reveal: SignedVerdict }> {
  const salt = saltFor(by)
  const commit = await signCommitment({ jobId: verdict.jobId, member: by.address, commitment: computeCommitment(verdict, salt) }, CHAIN_ID, REGISTRY, by.wallet)
  return { commit, reveal: await signVerdict(verdict, salt, CHAIN_ID, REGISTRY, by.wallet) }
}

/** A self-consistent report of these commitments and verdicts, attested by `by`. */
async function reportOf (cs: SignedCommitment[], vs: SignedVerdict[], by: Actor[], over: Partial<DeriveReportInput> = {}): Promise<Report> {
  return derive({ commitments: cs, verdicts: vs, attestations: reportSignatures(await makeAttestations(signedJob, cs, vs, by)), ...over })
}

tap.test('a report carries the SPEC\'s fields in the SPEC\'s order', async t => {
  t.same(Object.keys(report), ['version', 'jobId', 'chainId', 'registry', 'job', 'members', 'memberCount', 'faultDivisor', 'quorum', 'registrations',
    'commitments', 'verdicts', 'attestations', 'absent', 'withheld', 'results', 'stats', 'date'])
  t.equal(report.version, 2)
  t.equal(report.jobId, jobId)
  t.equal(report.chainId, CHAIN_ID)
  t.equal(report.registry, REGISTRY)
  t.equal(report.job, signedJob)
  t.same(report.members, members)
  t.equal(report.memberCount, 4)
  t.equal(report.faultDivisor, 3)
  t.equal(report.quorum, 3)
  t.same(report.registrations, Object.fromEntries(Object.entries(REGISTRATIONS).toSorted(([a], [b]) => (a < b ? -1 : 1))))
  t.same(report.commitments.map(c => c.commitment.member), members, 'commitments by member')
  t.same(report.verdicts.map(v => v.verdict.member), members, 'verdicts by member')
  t.same(report.attestations.map(a => a.member), members, 'attestations by member, member and signature only')
  t.same(Object.keys(report.attestations[0] as ReportSignature), ['member', 'signature'])
  t.same(report.absent, [])
  t.same(report.withheld, [])
  t.equal(report.date, NOW + 30_003, 'date is the latest scannedAt')
})

tap.test('per engine: majority, severity, label order, greatest strings, over the members registered for it', async t => {
  t.same(Object.keys(report.results), ['clamav', 'heur', 'yara'], 'engines answered, ascending')
  t.same(Object.keys(report.results.yara ?? {}), ['engine', 'engineVersion', 'engineUpdate', 'category', 'result', 'method', 'members', 'answered', 'registered', 'attested'])
  t.same(report.results.yara, {
    engine: 'yara', engineVersion: '2.0.0', engineUpdate: '20261101', category: 'malicious', result: 'Evil.B', method: 'yara',
    members: [addr(0), addr(1), addr(3)], answered: 4, registered: 4, attested: true
  }, 'yara: 3 malicious beat 1 suspicious; Evil.B (2) beats Evil.A (1); greatest version and method among agreeing members')
  t.same(report.results.clamav, {
    engine: 'clamav', engineVersion: '1.0.0', engineUpdate: '20261120', category: 'undetected', result: '', method: 'blacklist',
    members: [addr(0), addr(2)], answered: 3, registered: 3, attested: true
  }, 'clamav: 2 undetected beat 1 malicious; registered to three members, all answered')
  t.same(report.results.heur, {
    engine: 'heur', engineVersion: '1.0.0', engineUpdate: '20261101', category: 'malicious', result: 'B', method: 'blacklist',
    members: [addr(0)], answered: 2, registered: 4, attested: false
  }, 'heur: a 1-1 tie goes to the more severe category; 2 of 4 registered answered, below quorum(4) = 3')
})

tap.test('stats count attested engines only, each once', async t => {
  t.same(report.stats, { malicious: 1, suspicious: 0, undetected: 1, harmless: 0, timeout: 0, failure: 0, 'type-unsupported': 0 },
    'yara malicious and clamav undetected; heur (not attested) is shown, not counted')
  t.same(Object.keys(report.stats), ['malicious', 'suspicious', 'undetected', 'harmless', 'timeout', 'failure', 'type-unsupported'], 'all seven keys')
})

tap.test('label ties go to the smallest label; category ties to the more severe', async t => {
  const vs = await Promise.all([
    makeReveal(job, member(0), [result('x', 'malicious', 'Zeta'), result('heur', 'timeout')]),
    makeReveal(job, member(1), [result('x', 'malicious', 'Alpha'), result('heur', 'failure')]),
    makeReveal(job, member(2), [result('x', 'harmless'), result('heur', 'type-unsupported')])
  ])
  const r = await reportOf(vs.map(v => v.commit), vs.map(v => v.reveal), [member(0), member(1), member(2)])
  t.equal(r.results.x?.result, 'Alpha')
  t.equal(r.results.heur?.category, 'timeout', 'timeout, failure, type-unsupported: one each, timeout is the most severe')
  t.same(r.results.heur?.members, [addr(0)])
})

tap.test('absent: members without a verdict; withheld: committed and not revealed', async t => {
  const withheldReport = await reportOf(commits, reveals.slice(0, 3), [member(0), member(1), member(2)])
  t.same(withheldReport.absent, [addr(3)])
  t.same(withheldReport.withheld, [addr(3)])
  t.equal(withheldReport.commitments.length, 4, 'the withholder\'s commitment is carried as evidence')
  t.doesNotThrow(() => checkReport(withheldReport, chain))
  const silent = await reportOf(commits.slice(0, 3), reveals.slice(0, 3), [member(0), member(1), member(2)])
  t.same(silent.absent, [addr(3)])
  t.same(silent.withheld, [], 'never committed: absent, not withheld')
  t.doesNotThrow(() => checkReport(silent, chain))
})

tap.test('the order of the inputs does not change the report', async t => {
  const expected = JSON.stringify(report)
  const reversedRegistrations = Object.fromEntries(Object.entries(REGISTRATIONS).toReversed().map(([e, ms]) => [e, ms.toReversed()]))
  t.equal(JSON.stringify(derive({ commitments: commits.toReversed(), verdicts: reveals.toReversed(), attestations: attestations.toReversed() })), expected, 'reversed')
  t.equal(JSON.stringify(derive({
    commitments: [commits[2], commits[0], commits[3], commits[1]] as SignedCommitment[],
    verdicts: [reveals[1], reveals[3], reveals[0], reveals[2]] as SignedVerdict[],
    attestations: [attestations[3], attestations[1], attestations[2], attestations[0]] as ReportSignature[]
  })), expected, 'shuffled')
  t.equal(JSON.stringify(derive({ members: members.toReversed(), registrations: reversedRegistrations })), expected, 'chain lists in any order')
  t.equal(JSON.stringify(derive({ members: members.map(m => m.toUpperCase().replace('0X', '0x') as Hex), registry: REGISTRY.toUpperCase().replace('0X', '0x') as Hex })),
    expected, 'addresses from the chain in any case')
  const padded = { ...REGISTRATIONS, yara: [...(REGISTRATIONS.yara ?? []), OUTSIDER.address], Ghost: [OUTSIDER.address], Nobody: [] }
  t.equal(JSON.stringify(derive({ registrations: padded })), expected, 'registrations of non-members and engines nobody holds are dropped')
})

tap.test('MALFORMED: hostile shapes', async t => {
  const [c0, v0, a0] = [commits[0] as SignedCommitment, reveals[0] as SignedVerdict, attestations[0] as ReportSignature]
  const cases: Array<[string, Partial<DeriveReportInput>]> = [
    ['commitments not an array', { commitments: null as never }],
    ['verdicts an object', { verdicts: {} as never }],
    ['attestations a string', { attestations: 'x' as never }],
    ['an attestation without a member', { attestations: [{ signature: a0.signature } as never] }],
    ['an attestation whose member is not an address', { attestations: [{ ...a0, member: '0x1234' as Hex }] }],
    ['an attestation whose member is not lowercase', { attestations: [{ ...a0, member: a0.member.toUpperCase().replace('0X', '0x') as Hex }, ...attestations.slice(1)] }],
    ['an attestation signature of 64 bytes', { attestations: [{ ...a0, signature: `0x${'11'.repeat(64)}` }] }],
    ['an attestation that is null', { attestations: [null as never] }],
    ['members not an array', { members: members[0] as never }],
    ['a member that is not an address', { members: [...members, '0x12' as Hex] }],
    ['registrations null', { registrations: null as never }],
    ['registrations an array', { registrations: [] as never }],
    ['a __proto__ engine key', { registrations: hostile(`{"__proto__":${JSON.stringify(members)}}`) }],
    ['a __proto__ engine key beside real ones', { registrations: hostile(JSON.stringify(REGISTRATIONS).replace('{', `{"__proto__":${JSON.stringify(members)},`)) }],
    ['an engine id with a slash', { registrations: { ...REGISTRATIONS, 'a/b': members } }],
    ['an empty engine id', { registrations: { ...REGISTRATIONS, '': members } }],
    ['an engine registered to a string', { registrations: { ...REGISTRATIONS, yara: addr(0) as never } }],
    ['an engine registered to a non-address', { registrations: { ...REGISTRATIONS, yara: ['0x1' as Hex] } }],
    ['chainId fractional', { chainId: 1.5 }],
    ['chainId negative', { chainId: -1 }],
    ['chainId a string', { chainId: String(CHAIN_ID) as never }],
    ['chainId unsafe', { chainId: 2 ** 53 }],
    ['registry not an address', { registry: '0x5fbdb2' as Hex }],
    ['the job not a message', { job: {} as never }],
    ['the job with a __proto__ key', { job: hostile(JSON.stringify(signedJob).replace('{"kind"', '{"__proto__":{},"kind"')) }],
    ['a commitment with an extra key', { commitments: [{ ...c0, extra: 1 } as never, ...commits.slice(1)] }],
    ['a verdict without its salt', { verdicts: [{ type: 'verdict', verdict: v0.verdict, signature: v0.signature } as never, ...reveals.slice(1)] }],
    ['a verdict on the commitment topic\'s shape', { verdicts: [c0 as never, ...reveals.slice(1)] }],
    ['faultDivisor 1', { faultDivisor: 1 }],
    ['faultDivisor fractional', { faultDivisor: 2.5 }],
    ['faultDivisor a string', { faultDivisor: '3' as never }]
  ]
  for (const [name, over] of cases) t.throws(() => derive(over), invalid('MALFORMED'), name)
  t.equal(({} as Record<string, unknown>).yara, undefined, 'Object.prototype untouched')
  for (const value of [null, undefined, 'report', 7, [], { version: 1 }, { ...report, version: 1 }, { ...report, version: '2' }]) {
    t.throws(() => checkReport(value as never), invalid('MALFORMED'), `checkReport(${JSON.stringify(value)?.slice(0, 40)})`)
  }
  t.throws(() => checkReport(tampered(r => { (r.verdicts[0] as unknown as Record<string, unknown>).extra = 1 })), invalid('MALFORMED'), 'a carried verdict with an extra key')
})

tap.test('BAD_SIGNATURE: the job, a commitment, a verdict or an attestation not signed by its member', async t => {
  const byOther = await makeSignedJob({}, member(1))
  t.throws(() => derive({ job: byOther }), invalid('BAD_SIGNATURE'), 'job signed by another member')
  t.throws(() => derive({ job: { ...signedJob, signature: zeroSig } }), invalid('BAD_SIGNATURE'), 'job signature that does not recover')
  const [c0, c1, v0, v1] = [commits[0], commits[1], reveals[0], reveals[1]] as [SignedCommitment, SignedCommitment, SignedVerdict, SignedVerdict]
  t.throws(() => derive({ commitments: [{ ...c0, signature: c1.signature }, ...commits.slice(1)] }), invalid('BAD_SIGNATURE'), 'commitment')
  t.throws(() => derive({ verdicts: [{ ...v0, signature: v1.signature }, ...reveals.slice(1)] }), invalid('BAD_SIGNATURE'), 'verdict')
  t.throws(() => derive({ verdicts: [{ ...v0, verdict: { ...v0.verdict, scannedAt: v0.verdict.scannedAt + 1 } }, ...reveals.slice(1)] }), invalid('BAD_SIGNATURE'), 'signed content changed')
  t.throws(() => derive({ attestations: [{ ...attestations[0] as ReportSignature, signature: zeroSig }, ...attestations.slice(1)] }), invalid('BAD_SIGNATURE'),
    'an attestation signature that does not recover')
  t.throws(() => derive({ chainId: 1 }), invalid('BAD_SIGNATURE'), 'signatures of another chain')
  t.throws(() => checkReport(tampered(r => { (r.job.job as { size: number }).size = 1 })), invalid('BAD_SIGNATURE'), 'job content')
})

tap.test('NOT_MEMBER: the origin, a committer, a revealer or an attester outside the members', async t => {
  t.throws(() => derive({ members: members.slice(1) }), invalid('NOT_MEMBER'), 'origin')
  const outsider = await open(makeVerdict(job, OUTSIDER, []), OUTSIDER)
  t.throws(() => derive({ commitments: [...commits, outsider.commit] }), invalid('NOT_MEMBER'), 'committer')
  t.throws(() => derive({ verdicts: [...reveals, outsider.reveal] }), invalid('NOT_MEMBER'), 'revealer')
  const byOutsider = reportSignatures(await makeAttestations(signedJob, commits, reveals, [OUTSIDER]))
  t.throws(() => derive({ attestations: [...attestations, ...byOutsider] }), invalid('NOT_MEMBER'), 'attester')
  t.throws(() => derive({ members: [] }), invalid('NOT_MEMBER'), 'no members at all')
})

tap.test('DUPLICATE_MEMBER: one commitment, one verdict and one attestation per member', async t => {
  t.throws(() => derive({ commitments: [...commits, structuredClone(commits[1] as SignedCommitment)] }), invalid('DUPLICATE_MEMBER'), 'the same commitment twice')
  t.throws(() => derive({ verdicts: [...reveals, structuredClone(reveals[1] as SignedVerdict)] }), invalid('DUPLICATE_MEMBER'), 'the same verdict twice')
  t.throws(() => derive({ attestations: [...attestations, structuredClone(attestations[1] as ReportSignature)] }), invalid('DUPLICATE_MEMBER'), 'the same attestation twice')
  const second = await makeReveal(job, member(3), [result('yara', 'harmless')])
  t.throws(() => derive({ commitments: [...commits, second.commit] }), invalid('DUPLICATE_MEMBER'), 'two different commitments')
})

tap.test('JOB_MISMATCH: a commitment or verdict for another job', async t => {
  const other = await makeSignedJob({ size: 99 })
  const foreign = await makeReveal(other.job, member(3), [result('yara', 'harmless')])
  t.throws(() => derive({ commitments: [...commits.slice(0, 3), foreign.commit] }), invalid('JOB_MISMATCH'), 'commitment')
  t.throws(() => derive({ verdicts: [...reveals.slice(0, 3), foreign.reveal] }), invalid('JOB_MISMATCH'), 'verdict')
  const otherSample = await open({ ...makeVerdict(job, member(3), []), sha256: `0x${'01'.repeat(32)}` }, member(3))
  t.throws(() => derive({ commitments: [...commits.slice(0, 3), otherSample.commit], verdicts: [...reveals.slice(0, 3), otherSample.reveal] }),
    invalid('JOB_MISMATCH'), 'this jobId, another sha256')
  const otherBlock = await open({ ...makeVerdict(job, member(3), []), membershipBlock: job.membershipBlock + 1 }, member(3))
  t.throws(() => derive({ commitments: [...commits.slice(0, 3), otherBlock.commit], verdicts: [...reveals.slice(0, 3), otherBlock.reveal] }),
    invalid('JOB_MISMATCH'), 'this jobId, another membership block')
})

tap.test('COMMITMENT_MISMATCH: every verdict opens its member\'s carried commitment', async t => {
  t.throws(() => derive({ commitments: commits.slice(0, 3) }), invalid('COMMITMENT_MISMATCH'), 'a verdict without its commitment')
  t.throws(() => derive({ verdicts: [{ ...reveals[0] as SignedVerdict, salt: `0x${'00'.repeat(32)}` }, ...reveals.slice(1)] }), invalid('COMMITMENT_MISMATCH'), 'another salt')
  const changed = await makeReveal(job, member(3), [result('yara', 'harmless')])
  t.throws(() => derive({ verdicts: [...reveals.slice(0, 3), changed.reveal] }), invalid('COMMITMENT_MISMATCH'), 'another verdict than the one committed')
})

tap.test('BAD_SCAN_TIME: scannedAt outside [createdAt, commitDeadline]', async t => {
  for (const [name, scannedAt] of [['before createdAt', job.createdAt - 1], ['after commitDeadline', job.commitDeadline + 1]] as const) {
    const late = await makeReveal(job, member(3), [], scannedAt)
    t.throws(() => derive({ commitments: [...commits.slice(0, 3), late.commit], verdicts: [...reveals.slice(0, 3), late.reveal] }), invalid('BAD_SCAN_TIME'), name)
  }
  const edges = await Promise.all([makeReveal(job, member(0), [], job.createdAt), makeReveal(job, member(1), [], job.commitDeadline), makeReveal(job, member(2), [])])
  const r = await reportOf(edges.map(e => e.commit), edges.map(e => e.reveal), [member(0), member(1), member(2)])
  t.equal(r.date, job.commitDeadline, 'both ends are inside; the date lies in the commit window')
})

tap.test('UNREGISTERED_ENGINE: results only for the member\'s registered engines', async t => {
  const impersonated = await makeReveal(job, member(3), [result('ClamAV', 'malicious', 'Fake')])
  t.throws(() => derive({ commitments: [...commits.slice(0, 3), impersonated.commit], verdicts: [...reveals.slice(0, 3), impersonated.reveal] }),
    invalid('UNREGISTERED_ENGINE'), 'an engine registered to other members')
  const invented = await makeReveal(job, member(3), [result('Invented', 'malicious', 'Fake')])
  t.throws(() => derive({ commitments: [...commits.slice(0, 3), invented.commit], verdicts: [...reveals.slice(0, 3), invented.reveal] }),
    invalid('UNREGISTERED_ENGINE'), 'an engine nobody registered')
  const { yara: _yara, ...withoutYara } = REGISTRATIONS
  t.throws(() => derive({ registrations: withoutYara }), invalid('UNREGISTERED_ENGINE'), 'registrations without the engine answered')
})

tap.test('NO_QUORUM: fewer than quorum(n, d) verdicts', async t => {
  const twoAttest = reportSignatures(await makeAttestations(signedJob, commits, reveals.slice(0, 2), MEMBERS))
  t.throws(() => derive({ verdicts: reveals.slice(0, 2), attestations: twoAttest }), invalid('NO_QUORUM'), '2 of 4')
  t.throws(() => derive({ verdicts: [], attestations: [] }), invalid('NO_QUORUM'), 'none')
  t.equal(quorumThreshold(4, 3), 3)
})

tap.test('NO_ATTESTATION_QUORUM: a quorum of attestations signs exactly this content', async t => {
  t.throws(() => derive({ attestations: attestations.slice(0, 2) }), invalid('NO_ATTESTATION_QUORUM'), '2 of 4')
  t.throws(() => derive({ attestations: [] }), invalid('NO_ATTESTATION_QUORUM'), 'none')
  t.ok(derive({ attestations: attestations.slice(1) }), '3 of 4 is a quorum')
  const [other] = reportSignatures(await makeAttestations(signedJob, commits, reveals.slice(0, 3), [member(0)]))
  t.throws(() => derive({ attestations: [other as ReportSignature, ...attestations.slice(1)] }), invalid('NO_ATTESTATION_QUORUM'),
    'one attestation over other content among three good ones')
  const forged = { member: addr(0), signature: (attestations[1] as ReportSignature).signature }
  t.throws(() => derive({ attestations: [forged, ...attestations.slice(2)] }), invalid('NO_ATTESTATION_QUORUM'), 'one signed by another member\'s key among enough good ones')
  t.throws(() => derive({ verdicts: reveals.slice(0, 3) }), invalid('NO_ATTESTATION_QUORUM'), 'a serving node drops a verdict the quorum attested')
  const attestedAnother = await Promise.all([0, 1, 2].map(i => signAttestation({
    jobId, committed: [], commitments: [], revealed: [], verdicts: []
  }, CHAIN_ID, REGISTRY, member(i).wallet)))
  t.throws(() => derive({ attestations: reportSignatures(attestedAnother) }), invalid('NO_ATTESTATION_QUORUM'), 'a quorum over an empty content')
})

tap.test('checkReport accepts the derived report, also after a JSON round trip and against the chain', async t => {
  t.doesNotThrow(() => checkReport(report))
  t.doesNotThrow(() => checkReport(JSON.parse(JSON.stringify(report)) as Report))
  t.doesNotThrow(() => checkReport(report, chain))
  t.doesNotThrow(() => checkReport(report, { members: members.toReversed(), registrations: REGISTRATIONS, faultDivisor: 3 }), 'chain members in any order')
  const reordered = tampered(r => { r.results = Object.fromEntries(Object.entries(r.results).toReversed()) })
  t.doesNotThrow(() => checkReport(reordered, chain), 'object key order does not matter')
})

tap.test('JOB_ID_MISMATCH: the jobId is not the digest of the carried job', async t => {
  t.throws(() => checkReport(tampered(r => { r.jobId = `0x${'00'.repeat(32)}` })), invalid('JOB_ID_MISMATCH'))
})

tap.test('MEMBER_COUNT_MISMATCH: the report\'s members are not the chain\'s', async t => {
  t.throws(() => checkReport(report, { members: [...members, OUTSIDER.address] }), invalid('MEMBER_COUNT_MISMATCH'), 'the chain has one more')
  t.throws(() => checkReport(report, { members: [...members.slice(0, 3), OUTSIDER.address] }), invalid('MEMBER_COUNT_MISMATCH'), 'the chain has another')
  const fewer = derive({ members: members.slice(0, 3), commitments: commits.slice(0, 3), verdicts: reveals.slice(0, 3),
    attestations: reportSignatures(await makeAttestations(signedJob, commits.slice(0, 3), reveals.slice(0, 3), [member(0), member(1), member(2)])),
    registrations: REGISTRATIONS })
  t.doesNotThrow(() => checkReport(fewer), 'a server that invents a three-member block makes a self-consistent report')
  t.throws(() => checkReport(fewer, chain), invalid('MEMBER_COUNT_MISMATCH'), 'which the chain refutes')
})

tap.test('REGISTRATION_MISMATCH: the report\'s engine registrations are not the chain\'s', async t => {
  const narrowed = { ...REGISTRATIONS, heur: [addr(0), addr(1)] }
  const claimed = derive({ registrations: narrowed })
  t.equal(claimed.results.heur?.attested, true, 'with heur registered to two members, two answers attest it')
  t.doesNotThrow(() => checkReport(claimed), 'self-consistent')
  t.throws(() => checkReport(claimed, chain), invalid('REGISTRATION_MISMATCH'))
  t.throws(() => checkReport(report, { registrations: { ...REGISTRATIONS, ClamAV: members } }), invalid('REGISTRATION_MISMATCH'), 'the chain gives member 3 ClamAV')
  t.doesNotThrow(() => checkReport(report, { registrations: { ...REGISTRATIONS, Extra: [OUTSIDER.address] } }), 'a non-member\'s registration does not count')
})

tap.test('FAULT_DIVISOR_MISMATCH and the divisor\'s quorums', async t => {
  const loose = derive({ faultDivisor: 2 })
  t.equal(loose.quorum, 3, 'n = 4, d = 2: quorum 3')
  t.doesNotThrow(() => checkReport(loose), 'self-consistent without the chain')
  t.throws(() => checkReport(loose, { faultDivisor: 3 }), invalid('FAULT_DIVISOR_MISMATCH'), 'the chain says 3')
  t.doesNotThrow(() => checkReport(report, { faultDivisor: 3 }))
  const strict = derive({ faultDivisor: 100 })
  t.equal(strict.quorum, 4, 'd = 100 with n = 4 needs all four')
  t.equal(strict.results.clamav?.attested, true, 'clamav: 3 of 3 registered')
  t.throws(() => derive({ faultDivisor: 100, verdicts: reveals.slice(0, 3), attestations: attestations.slice(0, 3) }), invalid('NO_QUORUM'))
  t.throws(() => checkReport(tampered(r => { r.faultDivisor = 100 })), invalid('DERIVATION_MISMATCH'), 'divisor changed, quorum kept')
  t.throws(() => checkReport(tampered(r => { r.faultDivisor = 1 })), invalid('MALFORMED'), 'divisor below 2')
})

tap.test('DERIVATION_MISMATCH: any other difference from the derivation', async t => {
  const cases: Array<[string, (r: Report) => void]> = [
    ['result label', r => { (r.results.yara as { result: string }).result = 'Clean' }],
    ['result category', r => { (r.results.yara as { category: string }).category = 'harmless' }],
    ['engine version', r => { (r.results.yara as { engineVersion: string }).engineVersion = '9' }],
    ['agreeing members', r => { (r.results.yara as { members: Hex[] }).members.pop() }],
    ['answered', r => { (r.results.heur as { answered: number }).answered = 3 }],
    ['registered', r => { (r.results.heur as { registered: number }).registered = 2 }],
    ['attested', r => { (r.results.heur as { attested: boolean }).attested = true }],
    ['dropped engine', r => { delete r.results.heur }],
    ['added engine', r => { r.results.ghost = { ...r.results.yara as NonNullable<Report['results']['yara']>, engine: 'ghost' } }],
    ['stat', r => { r.stats.malicious = 2 }],
    ['stat key dropped', r => { delete (r.stats as Partial<Report['stats']>).timeout }],
    ['date', r => { r.date = 0 }],
    ['date one later', r => { r.date++ }],
    ['absent', r => { r.absent = [addr(3)] }],
    ['withheld', r => { r.withheld = [addr(2)] }],
    ['quorum', r => { r.quorum = 1 }],
    ['memberCount', r => { r.memberCount = 7 }],
    ['members', r => { r.members = [...r.members, OUTSIDER.address] }],
    ['verdict order', r => { r.verdicts.reverse() }],
    ['attestation order', r => { r.attestations.reverse() }],
    ['commitment order', r => { r.commitments.reverse() }],
    ['registry in capitals', r => { r.registry = r.registry.toUpperCase().replace('0X', '0x') as Hex }],
    ['an extra top-level key', r => { (r as unknown as Record<string, unknown>).note = 'trust me' }],
    ['an extra key in an attestation', r => { (r.attestations[0] as unknown as Record<string, unknown>).note = 1 }]
  ]
  for (const [name, mutate] of cases) t.throws(() => checkReport(tampered(mutate)), invalid('DERIVATION_MISMATCH'), name)
})

tap.test('the signer of everything carried is a registered key: a fresh wallet cannot stand in for a member', async t => {
  const impostor = actor(42)
  const forged = await open(makeVerdict(job, member(3), [result('yara', 'harmless')]), { ...member(3), wallet: impostor.wallet })
  t.throws(() => derive({ commitments: [...commits.slice(0, 3), forged.commit] }), invalid('BAD_SIGNATURE'))
})

tap.test('registrationsOf: engine id -> holders, sorted, own properties only', async t => {
  const [a, b] = [member(1).address, member(0).address]
  const regs = registrationsOf([a, b], [['YARA', '__proto__'], ['YARA']])
  t.same(Object.keys(regs), ['YARA', '__proto__'])
  t.same(regs.YARA, [a, b].toSorted())
  t.ok(Object.hasOwn(regs, '__proto__'), 'a hostile engine id is an own key, not the prototype')
  t.same(registrationsOf([], []), {})
})
