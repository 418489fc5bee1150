/**
 * The attacks that made a wrong report verify under protocol v1, each as the check that stops it
 * in v2: a serving node that drops, adds or swaps verdicts; a member that invents engines, claims
 * another vendor's engine or dates its scan far in the future; reveals timed against other
 * members; windows that never close.
 */
import tap from 'tap'
import {
  checkReport, deriveReport, signAttestation, attestationFor, validateCommitment, validateScanJob, validateVerdict
} from '../src/index.ts'
import type { Report, ReportCode, SignedAttestation, SignedCommitment, SignedVerdict } from '../src/index.ts'
import {
  CHAIN_ID, makeContext, makeReveal, makeSignedJob, member, MEMBERS, NOW, REGISTRY, REGISTRATIONS, result
} from './fixtures.ts'

const invalid = (code: ReportCode) => ({ name: 'ReportInvalidError', code })
const gossip = (action: string, code: string) => ({ name: 'GossipValidationError', action, code })
const members = MEMBERS.map(m => m.address)

const signedJob = await makeSignedJob()
const { job } = signedJob
const opened = await Promise.all([0, 1, 2].map(i => makeReveal(job, member(i), [
  result('YARA', i === 2 ? 'malicious' : 'undetected', i === 2 ? 'Evil' : ''),
  result('ClamAV', 'undetected')
])))
const commitments: SignedCommitment[] = opened.map(o => o.commit)
const verdicts: SignedVerdict[] = opened.map(o => o.reveal)

async function attest (cs: SignedCommitment[], vs: SignedVerdict[], by: number[]): Promise<SignedAttestation[]> {
  const content = attestationFor(signedJob, cs, vs, CHAIN_ID, REGISTRY)
  return Promise.all(by.map(i => signAttestation(content, CHAIN_ID, REGISTRY, member(i).wallet)))
}

function derive (input: { commitments?: SignedCommitment[], verdicts?: SignedVerdict[], attestations: SignedAttestation[] }): Report {
  return deriveReport({
    job: signedJob,
    commitments: input.commitments ?? commitments,
    verdicts: input.verdicts ?? verdicts,
    attestations: input.attestations.map(a => ({ member: a.member, signature: a.signature })),
    members,
    registrations: REGISTRATIONS,
    faultDivisor: 3,
    chainId: CHAIN_ID,
    registry: REGISTRY
  })
}

const honest = derive({ attestations: await attest(commitments, verdicts, [0, 1, 2]) })
const chain = { members, registrations: REGISTRATIONS, faultDivisor: 3 }

tap.test('an honest report, attested by a quorum, verifies', async t => {
  t.doesNotThrow(() => checkReport(honest, chain))
  t.equal(honest.results.YARA?.category, 'undetected')
  t.same(honest.absent, [member(3).address])
})

tap.test('a serving node that drops the only detecting verdict breaks every attestation', async t => {
  const fourth = await makeReveal(job, member(3), [result('YARA', 'undetected')])
  const cs = [...commitments, fourth.commit]
  const vs = [...verdicts, fourth.reveal]
  const full = derive({ commitments: cs, verdicts: vs, attestations: await attest(cs, vs, [0, 1, 3]) })
  t.doesNotThrow(() => checkReport(full, chain))
  const dropped = structuredClone(full)
  dropped.verdicts = dropped.verdicts.filter(v => v.verdict.member !== member(2).address)
  t.throws(() => checkReport(dropped, chain), invalid('NO_ATTESTATION_QUORUM'))
})

tap.test('a report built from a subset of verdicts without the members\' attestations does not verify', async t => {
  const subset = [verdicts[0], verdicts[1]] as SignedVerdict[]
  // the two members whose verdicts remain attest to the smaller set: two of the three needed
  const two = await attest(commitments, subset, [0, 1])
  t.throws(() => derive({ verdicts: subset, attestations: two }), invalid('NO_QUORUM'))
  const third = await attest(commitments, verdicts, [2])
  t.throws(() => derive({ attestations: [...two, ...third] }), invalid('NO_ATTESTATION_QUORUM'), 'attestations over other content do not count')
})

tap.test('a member that invents engines or claims another vendor\'s engine is refused by gossip and by the report', async t => {
  const invented = await makeReveal(job, member(3), Array.from({ length: 64 }, (_, i) => result(`Fake${i}`, 'malicious', 'x')))
  const ctx = makeContext({ now: job.commitDeadline + 1, jobs: [job], commitments: [[invented.commit.commitment.jobId, member(3).address, invented.commit.commitment.commitment]] })
  t.throws(() => validateVerdict(invented.reveal, ctx), gossip('reject', 'UNREGISTERED_ENGINE'))
  // member 3 runs YARA only (fixtures): it may not speak for ClamAV
  const impersonated = await makeReveal(job, member(3), [result('ClamAV', 'malicious', 'Fake.Trojan')])
  const all = [...commitments, impersonated.commit]
  const vs = [...verdicts, impersonated.reveal]
  const attestations = await attest(all, vs, [0, 1, 2, 3])
  t.throws(() => derive({ commitments: all, verdicts: vs, attestations }), invalid('UNREGISTERED_ENGINE'))
})

tap.test('stats count attested engines: an engine answered by too few of its registered members is not counted', async t => {
  // ClamAV is registered to members 0, 1 and 2; only member 0 answers it here
  const vs = [
    (await makeReveal(job, member(0), [result('YARA', 'undetected'), result('ClamAV', 'malicious', 'T')])),
    (await makeReveal(job, member(1), [result('YARA', 'undetected')])),
    (await makeReveal(job, member(2), [result('YARA', 'undetected')]))
  ]
  const cs = vs.map(v => v.commit)
  const rs = vs.map(v => v.reveal)
  const attestations = await attest(cs, rs, [0, 1, 2])
  const report = derive({ commitments: cs, verdicts: rs, attestations })
  t.equal(report.results.ClamAV?.answered, 1)
  t.equal(report.results.ClamAV?.registered, 3)
  t.equal(report.results.ClamAV?.attested, false)
  t.equal(report.stats.malicious, 0, 'one member\'s word on a three-member engine is shown, not counted')
  t.equal(report.stats.undetected, 1)
})

tap.test('a far-future scannedAt is refused by gossip and by the report', async t => {
  const future = await makeReveal(job, member(3), [result('YARA', 'malicious', 'x')], Number.MAX_SAFE_INTEGER)
  const ctx = makeContext({ now: job.commitDeadline + 1, jobs: [job], commitments: [[future.commit.commitment.jobId, member(3).address, future.commit.commitment.commitment]] })
  t.throws(() => validateVerdict(future.reveal, ctx), gossip('reject', 'BAD_SCAN_TIME'))
  const all = [...commitments, future.commit]
  const vs = [...verdicts, future.reveal]
  const attestations = await attest(all, vs, [0, 1, 2, 3])
  t.throws(() => derive({ commitments: all, verdicts: vs, attestations }), invalid('BAD_SCAN_TIME'))
})

tap.test('a verdict the report carries must open its carried commitment', async t => {
  const other = await makeReveal(job, member(2), [result('YARA', 'harmless')])
  const cs = commitments
  const vs = [verdicts[0], verdicts[1], other.reveal] as SignedVerdict[]
  const attestations = await attest(cs, vs, [0, 1, 2])
  t.throws(() => derive({ commitments: cs, verdicts: vs, attestations }), invalid('COMMITMENT_MISMATCH'))
})

tap.test('no reveal is accepted while a commitment could still arrive; no commitment after the deadline', async t => {
  const c0 = commitments[0] as SignedCommitment
  const held = [[c0.commitment.jobId, member(0).address, c0.commitment.commitment]] as Array<[`0x${string}`, `0x${string}`, `0x${string}`]>
  // v1 accepted this reveal one skew before the commit deadline, while members could still commit
  const early = makeContext({ now: job.commitDeadline - 1, jobs: [job], commitments: held })
  t.throws(() => validateVerdict(verdicts[0] as SignedVerdict, early), gossip('ignore', 'EARLY_REVEAL'))
  const all = commitments.map(c => [c.commitment.jobId, c.commitment.member, c.commitment.commitment]) as typeof held
  const fourth = await makeReveal(job, member(3), [result('YARA', 'undetected')])
  all.push([fourth.commit.commitment.jobId, member(3).address, fourth.commit.commitment.commitment])
  t.doesNotThrow(() => validateVerdict(verdicts[0] as SignedVerdict, makeContext({ now: job.commitDeadline - 1, jobs: [job], commitments: all })),
    'every member committed: the early reveal is safe')
  t.throws(() => validateCommitment(fourth.commit, makeContext({ now: job.commitDeadline + 1, jobs: [job] })), gossip('ignore', 'STALE'))
})

tap.test('windows are bounded: a job with a day-long commit window is refused', async t => {
  const long = await makeSignedJob({ commitDeadline: NOW + 86_400_000, revealDeadline: NOW + 86_460_000 })
  t.throws(() => validateScanJob(long, makeContext()), gossip('reject', 'BAD_DEADLINES'))
})
