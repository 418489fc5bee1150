import tap from 'tap'
import {
  attestationFor, checkReport, computeCommitment, reportDigest, signAttestation, signCommitment, signComplaint, signVerdict, verdictHash
} from '#protocol/index.ts'
import { assembleReport, complaintsDecide, failureOf } from '../../src/quorum/report-assembly.ts'
import { CHAIN_ID, engineResults, hashes, MEMBERS, REGISTRY, registrationsOf, signedJob } from '../fixtures/signed-reports.ts'
import type { Hex, SignedCommitment, SignedVerdict } from '#protocol/messages.ts'
import type { LiveJob } from '../../src/quorum/job-book.ts'
import type { BlockView } from '../../src/quorum/report-assembly.ts'
import type { Member } from '../fixtures/signed-reports.ts'

// SPEC section 7: a report is final once a quorum attested to one content and this node holds that
// content; section 10: why a job without one failed. n = 4, d = 3: quorum 3, f = 1.
const members = MEMBERS.map((m) => m.address)
const view: BlockView = { members, registrations: registrationsOf(members), faultDivisor: 3, chainId: CHAIN_ID, registry: REGISTRY }
const { job, jobId } = await signedJob(hashes(new TextEncoder().encode('report assembly')))

/** every member's commitment and reveal, by member index */
const opened = await Promise.all(MEMBERS.map(async (m, i) => {
  const verdict = { jobId, member: m.address, sha256: job.job.sha256, membershipBlock: job.job.membershipBlock, scannedAt: job.job.createdAt + 1000 + i, results: engineResults(i !== 3) }
  const salt = `0x${String(i + 1).repeat(64)}` as Hex
  return {
    commitment: await signCommitment({ jobId, member: m.address, commitment: computeCommitment(verdict, salt) }, CHAIN_ID, REGISTRY, m.wallet),
    verdict: await signVerdict(verdict, salt, CHAIN_ID, REGISTRY, m.wallet)
  }
}))
const all = [0, 1, 2, 3]

/** a live job holding the commitments of `committed` and the reveals of `revealed` (member indices) */
function liveJob (committed: number[], revealed: number[]): LiveJob {
  const commitments = new Map<Hex, SignedCommitment>(committed.map((i) => [members[i] as Hex, opened[i]?.commitment as SignedCommitment]))
  const verdicts = new Map(revealed.map((i) => {
    const msg = opened[i]?.verdict as SignedVerdict
    return [members[i] as Hex, { msg, verdictHash: verdictHash(msg.verdict) }]
  }))
  return { jobId, signed: job, receivedAt: 0, commitments, conflicting: new Map(), verdicts, attestations: new Map(), complaints: new Map(), state: 'open' }
}

/** `attesters` sign the content of the commitments of `committed` and the reveals of `revealed`, and `live` holds their attestations */
async function attest (live: LiveJob, attesters: number[], committed: number[], revealed: number[]): Promise<void> {
  const content = attestationFor(job, committed.map((i) => opened[i]?.commitment as SignedCommitment), revealed.map((i) => opened[i]?.verdict as SignedVerdict), CHAIN_ID, REGISTRY)
  const digest = reportDigest(content, CHAIN_ID, REGISTRY)
  for (const i of attesters) {
    const msg = await signAttestation(content, CHAIN_ID, REGISTRY, (MEMBERS[i] as Member).wallet)
    live.attestations.set(msg.member, { msg, digest })
  }
}

async function complain (live: LiveJob, complainers: number[]): Promise<void> {
  for (const i of complainers) {
    const member = MEMBERS[i] as Member
    live.complaints.set(member.address, await signComplaint({ jobId, member: member.address, reason: 'CONTENT_MISMATCH' }, CHAIN_ID, REGISTRY, member.wallet))
  }
}

tap.test('a quorum of attestations to held content is the report, as protocol derives it', async (t) => {
  const live = liveJob(all, all)
  await attest(live, [0, 1], all, all)
  t.equal(assembleReport(live, view), undefined, 'two attestations are not a quorum')
  await attest(live, [2], all, all)
  const report = assembleReport(live, view)
  t.equal(report?.jobId, jobId)
  t.same(report?.attestations.map((a) => a.member).toSorted(), members.slice(0, 3).toSorted(), 'signed by the three attesters')
  t.equal(report?.verdicts.length, 4)
  t.equal(report?.results['YARA']?.category, 'malicious', 'three of four members detect')
  t.doesNotThrow(() => { if (report !== undefined) checkReport(report, { members, registrations: view.registrations, faultDivisor: 3 }) })
})

tap.test('attestations split between two contents make no report, and the job fails NO_AGREEMENT', async (t) => {
  const live = liveJob(all, all)
  // members 0 and 1 saw member 3's reveal, members 2 and 3 did not
  await attest(live, [0, 1], all, all)
  await attest(live, [2, 3], all, [0, 1, 2])
  t.equal(assembleReport(live, view), undefined)
  t.equal(failureOf(live, 4, 3), 'NO_AGREEMENT', 'enough reveals, no digest with a quorum')
})

tap.test('a quorum for content this node does not hold makes no report until it does', async (t) => {
  const live = liveJob(all, [0, 1, 2])
  await attest(live, [0, 1, 2], all, all)
  t.equal(assembleReport(live, view), undefined, 'member 3\'s reveal is missing here')
  const other = liveJob([0, 1, 2], [0, 1, 2])
  await attest(other, [0, 1, 2], all, all)
  t.equal(assembleReport(other, view), undefined, 'member 3\'s commitment is missing here')
  const msg = opened[3]?.verdict as SignedVerdict
  live.verdicts.set(members[3] as Hex, { msg, verdictHash: verdictHash(msg.verdict) })
  t.equal(assembleReport(live, view)?.verdicts.length, 4, 'once held, the same attestations make the report')
})

tap.test('a quorum of attestations to content with too few reveals is no report, and the job fails NO_QUORUM', async (t) => {
  const live = liveJob(all, [0, 1])
  await attest(live, all, all, [0, 1])
  t.equal(assembleReport(live, view), undefined)
  t.equal(failureOf(live, 4, 3), 'NO_QUORUM')
})

tap.test('f + 1 complaints decide a job: it fails COMPLAINTS whatever else it holds', async (t) => {
  const live = liveJob(all, all)
  await complain(live, [0])
  t.equal(complaintsDecide(live, 4, 3), false, 'one complaint may be a faulty member\'s')
  t.equal(failureOf(live, 4, 3), 'NO_AGREEMENT')
  await complain(live, [1])
  t.equal(complaintsDecide(live, 4, 3), true, 'two complaints of four include an honest member')
  t.equal(failureOf(live, 4, 3), 'COMPLAINTS')
  t.equal(complaintsDecide(live, 7, 3), false, 'n = 7: f = 2')
  await complain(live, [2])
  t.equal(complaintsDecide(live, 7, 3), true)
  const one = liveJob([], [])
  await complain(one, [0])
  t.equal(complaintsDecide(one, 1, 3), true, 'n = 1: f = 0, one complaint decides')
  t.equal(complaintsDecide(one, 4, 2), false, 'n = 4, d = 2: f = 1')
})
