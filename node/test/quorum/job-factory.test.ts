import { randomBytes } from 'node:crypto'
import { bytesToHex, hexToBytes } from '@noble/hashes/utils.js'
import tap from 'tap'
import { DEFAULT_JOB_BOUNDS, generateX25519KeyPair, indicatorDigests, unwrapContentKey, ZERO_ADDRESS, ZERO_BYTES32 } from '#protocol/index.ts'
import { buildIndicatorJob, buildScanJob, jobWindows } from '../../src/quorum/job-factory.ts'
import type { Hex } from '#protocol/messages.ts'

const members = [0xcc, 0xaa, 0xbb].map((b) => {
  const keys = generateX25519KeyPair()
  return { keys, info: { operator: `0x${b.toString(16).repeat(20)}` as Hex, peerId: 'p', x25519Key: `0x${bytesToHex(keys.publicKey)}` as Hex, metadataURI: '' } }
})
const sample = {
  sha256: `0x${'11'.repeat(32)}` as Hex, sha1: `0x${'22'.repeat(20)}` as Hex, md5: `0x${'33'.repeat(16)}` as Hex,
  size: 3 * 1024 * 1024, fileType: 'binary', cid: 'bafy', contentKey: randomBytes(32)
}
const windows = { commitMs: 2300, revealMs: 5000 }

tap.test('every member at the block can unwrap the content key; wraps are sorted by member', async (t) => {
  const job = buildScanJob(sample, members.map((m) => m.info), 42, members[0]!.info.operator, windows, 1_000)
  t.same(job.keyWraps.map((w) => w.member), members.map((m) => m.info.operator).toSorted())
  for (const m of members) {
    const wrap = job.keyWraps.find((w) => w.member === m.info.operator)!
    const key = unwrapContentKey({ wrappedKey: wrap.wrappedKey, memberSecretKey: m.keys.secretKey, ephemeralPublicKey: hexToBytes(job.ephemeralPublicKey.slice(2)), member: m.info.operator, sha256: sample.sha256 })
    t.same(Buffer.from(key), sample.contentKey)
  }
  t.equal(job.membershipBlock, 42)
})

tap.test('the commit window grows with the sample so members can fetch and scan it', async (t) => {
  const job = buildScanJob(sample, members.map((m) => m.info), 1, members[0]!.info.operator, windows, 1_000)
  t.equal(job.commitDeadline, 1_000 + 2000 + 300)
  t.equal(job.revealDeadline, job.commitDeadline + 5000)
})

tap.test('a member cannot unwrap another member\'s key', async (t) => {
  const job = buildScanJob(sample, members.map((m) => m.info), 1, members[0]!.info.operator, windows, 1_000)
  const [a, b] = members
  const wrap = job.keyWraps.find((w) => w.member === a!.info.operator)!
  t.throws(() => unwrapContentKey({ wrappedKey: wrap.wrappedKey, memberSecretKey: b!.keys.secretKey, ephemeralPublicKey: hexToBytes(job.ephemeralPublicKey.slice(2)), member: a!.info.operator, sha256: sample.sha256 }), { code: 'AUTH_FAILED' })
})

tap.test('a file job is anonymous and has no subject', async (t) => {
  const job = buildScanJob(sample, members.map((m) => m.info), 1, members[0]!.info.operator, windows, 1_000)
  t.same({ subject: job.subject, context: job.context, submitter: job.submitter, submittedAt: job.submittedAt, submitterSignature: job.submitterSignature },
    { subject: '', context: '', submitter: ZERO_ADDRESS, submittedAt: 0, submitterSignature: '0x' })
})

tap.test('an indicator job carries its subject, the subject\'s hashes, and nothing to fetch or unwrap', async (t) => {
  const submission = { kind: 'domain' as const, subject: 'evil.example', context: 'ctx', submitter: `0x${'ee'.repeat(20)}` as Hex, submittedAt: 900, submitterSignature: `0x${'ab'.repeat(65)}` as Hex }
  const job = buildIndicatorJob(submission, 7, members[0]!.info.operator, windows, 1_000)
  t.same(job, {
    kind: 'domain', subject: 'evil.example', context: 'ctx', ...indicatorDigests('evil.example'), fileType: 'domain', cid: '',
    membershipBlock: 7, origin: members[0]!.info.operator, createdAt: 1_000, commitDeadline: 3_300, revealDeadline: 8_300,
    ephemeralPublicKey: ZERO_BYTES32, keyWraps: [], submitter: submission.submitter, submittedAt: 900, submitterSignature: submission.submitterSignature
  })
})

tap.test('the windows grow with the backlog, the commit window with the size and per retry, within the bounds', async (t) => {
  const timing = { commitWindowMs: 3000, revealWindowMs: 10_000, commitMsPerMiB: 200, commitMsPerQueuedJob: 800 }
  t.same(jobWindows(timing, { size: 0, queued: 0, attempt: 1 }, DEFAULT_JOB_BOUNDS), { commitMs: 3000, revealMs: 10_000 }, 'an idle network: the base')
  t.equal(jobWindows(timing, { size: 5 * 1024 * 1024, queued: 0, attempt: 1 }, DEFAULT_JOB_BOUNDS).commitMs, 4000, '200 ms per MiB')
  t.same(jobWindows(timing, { size: 0, queued: 10, attempt: 1 }, DEFAULT_JOB_BOUNDS), { commitMs: 11_000, revealMs: 18_000 }, '800 ms per job still being scanned, in both windows')
  t.same(jobWindows(timing, { size: 0, queued: 10, attempt: 2 }, DEFAULT_JOB_BOUNDS), { commitMs: 22_000, revealMs: 18_000 }, 'a retry doubles the commit window')
  t.same(jobWindows(timing, { size: 0, queued: 10_000, attempt: 3 }, DEFAULT_JOB_BOUNDS),
    { commitMs: DEFAULT_JOB_BOUNDS.maxCommitWindowMs, revealMs: DEFAULT_JOB_BOUNDS.maxRevealWindowMs }, 'a flood of jobs cannot push them past the bounds')
  const tight = { ...DEFAULT_JOB_BOUNDS, minCommitWindowMs: 5000, maxRevealWindowMs: 4000 }
  t.same(jobWindows(timing, { size: 0, queued: 0, attempt: 1 }, tight), { commitMs: 5000, revealMs: 4000 }, 'the chain\'s bounds clamp both windows')
})
