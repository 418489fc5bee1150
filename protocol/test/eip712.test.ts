import tap from 'tap'
import { TypedDataEncoder } from 'ethers'
import {
  commitmentDigest, complaintDigest, EIP712_TYPES, eip712Domain, reportDigest, scanJobId, scanJobStructHash, submissionDigest, verdictDigest,
  verdictHash
} from '../src/index.ts'
import type { Hex, ReportAttestation } from '../src/index.ts'
import { CHAIN_ID, makeJob, makeVerdict, member, REGISTRY, result } from './fixtures.ts'

const job = makeJob()
const jobId = scanJobId(job, CHAIN_ID, REGISTRY)
const otherRegistry: Hex = `0x${'11'.repeat(20)}`
const b32 = (byte: string): Hex => `0x${byte.repeat(32)}`
const encodeType = (primary: keyof typeof EIP712_TYPES): string => TypedDataEncoder.from(EIP712_TYPES[primary]).encodeType(primary)

tap.test('the domain names VirusMap version 2 on this chain and registry', async t => {
  t.same(eip712Domain(CHAIN_ID, REGISTRY), { name: 'VirusMap', version: '2', chainId: CHAIN_ID, verifyingContract: REGISTRY })
})

tap.test('the type strings are those of SPEC section 4', async t => {
  t.equal(encodeType('ScanJob'), 'ScanJob(string kind,string subject,string context,bytes32 sha256,bytes20 sha1,bytes16 md5,uint64 size,' +
    'string fileType,string cid,uint64 membershipBlock,address origin,uint64 createdAt,uint64 commitDeadline,uint64 revealDeadline,' +
    'bytes32 ephemeralPublicKey,KeyWrap[] keyWraps,address submitter,uint64 submittedAt,bytes submitterSignature)KeyWrap(address member,bytes wrappedKey)')
  t.equal(encodeType('Submission'), 'Submission(string kind,bytes32 sha256,string context,uint64 submittedAt)')
  t.equal(encodeType('VerdictCommitment'), 'VerdictCommitment(bytes32 jobId,address member,bytes32 commitment)')
  t.equal(encodeType('Verdict'), 'Verdict(bytes32 jobId,address member,bytes32 sha256,uint64 membershipBlock,uint64 scannedAt,EngineResult[] results)' +
    'EngineResult(string engine,string engineVersion,string engineUpdate,string category,string result,string method)')
  t.equal(encodeType('ReportAttestation'), 'ReportAttestation(bytes32 jobId,address[] committed,bytes32[] commitments,address[] revealed,bytes32[] verdicts)')
  t.equal(encodeType('Complaint'), 'Complaint(bytes32 jobId,address member,string reason)')
})

tap.test('the job id is the EIP-712 digest and depends on the domain', async t => {
  t.equal(jobId, TypedDataEncoder.hash(eip712Domain(CHAIN_ID, REGISTRY), EIP712_TYPES.ScanJob, job))
  t.match(jobId, /^0x[0-9a-f]{64}$/)
  t.not(scanJobId(job, CHAIN_ID + 1, REGISTRY), jobId, 'other chain')
  t.not(scanJobId(job, CHAIN_ID, otherRegistry), jobId, 'other registry')
  t.not(scanJobId({ ...job, size: job.size + 1 }, CHAIN_ID, REGISTRY), jobId, 'other content')
  t.not(scanJobStructHash(job), jobId, 'struct hash differs from the domain-bound digest')
  t.equal(scanJobStructHash(job), TypedDataEncoder.from(EIP712_TYPES.ScanJob).hash(job))
})

tap.test('no version-1 digest equals its version-2 counterpart', async t => {
  const v1 = { ...eip712Domain(CHAIN_ID, REGISTRY), version: '1' }
  t.not(TypedDataEncoder.hash(v1, EIP712_TYPES.ScanJob, job), jobId)
  const verdict = makeVerdict(job, member(1), [result('YARA', 'malicious', 'X')])
  t.not(TypedDataEncoder.hash(v1, EIP712_TYPES.Verdict, verdict), verdictDigest(verdict, CHAIN_ID, REGISTRY))
})

tap.test('verdictHash is the struct hash and covers every field', async t => {
  const v = makeVerdict(job, member(1), [result('YARA', 'malicious', 'X')])
  const h = verdictHash(v)
  t.equal(h, TypedDataEncoder.from(EIP712_TYPES.Verdict).hash(v))
  t.not(verdictHash({ ...v, scannedAt: v.scannedAt + 1 }), h)
  t.not(verdictHash({ ...v, results: [result('YARA', 'suspicious', 'X')] }), h)
  t.not(verdictHash({ ...v, results: [] }), h)
  t.not(verdictHash({ ...v, member: member(2).address }), h)
  t.not(verdictHash({ ...v, membershipBlock: v.membershipBlock + 1 }), h)
})

tap.test('every signed digest is the EIP-712 digest of its type under the domain', async t => {
  const domain = eip712Domain(CHAIN_ID, REGISTRY)
  const verdict = makeVerdict(job, member(1), [result('YARA', 'undetected')])
  const commitment = { jobId, member: member(1).address, commitment: b32('ab') }
  const complaint = { jobId, member: member(2).address, reason: 'UNWRAP_FAILED' as const }
  const submission = { kind: 'file' as const, sha256: job.sha256, context: 'from my inbox', submittedAt: job.createdAt }
  const cases: Array<[string, Hex, Hex, (chainId: number, registry: Hex) => Hex]> = [
    ['commitment', commitmentDigest(commitment, CHAIN_ID, REGISTRY), TypedDataEncoder.hash(domain, EIP712_TYPES.VerdictCommitment, commitment) as Hex,
      (c, r) => commitmentDigest(commitment, c, r)],
    ['verdict', verdictDigest(verdict, CHAIN_ID, REGISTRY), TypedDataEncoder.hash(domain, EIP712_TYPES.Verdict, verdict) as Hex,
      (c, r) => verdictDigest(verdict, c, r)],
    ['complaint', complaintDigest(complaint, CHAIN_ID, REGISTRY), TypedDataEncoder.hash(domain, EIP712_TYPES.Complaint, complaint) as Hex,
      (c, r) => complaintDigest(complaint, c, r)],
    ['submission', submissionDigest(submission, CHAIN_ID, REGISTRY), TypedDataEncoder.hash(domain, EIP712_TYPES.Submission, submission) as Hex,
      (c, r) => submissionDigest(submission, c, r)]
  ]
  for (const [name, digest, expected, under] of cases) {
    t.equal(digest, expected, name)
    t.not(under(CHAIN_ID + 1, REGISTRY), digest, `${name}: other chain`)
    t.not(under(CHAIN_ID, otherRegistry), digest, `${name}: other registry`)
  }
  t.not(complaintDigest({ ...complaint, reason: 'CONTENT_MISMATCH' }, CHAIN_ID, REGISTRY), complaintDigest(complaint, CHAIN_ID, REGISTRY), 'the reason is signed')
})

tap.test('the reportDigest names no member and covers every field of the content', async t => {
  const content: ReportAttestation = {
    jobId,
    committed: [member(0).address, member(1).address],
    commitments: [b32('01'), b32('02')],
    revealed: [member(1).address],
    verdicts: [b32('03')]
  }
  const digest = reportDigest(content, CHAIN_ID, REGISTRY)
  t.equal(digest, TypedDataEncoder.hash(eip712Domain(CHAIN_ID, REGISTRY), EIP712_TYPES.ReportAttestation, content))
  t.equal(reportDigest(structuredClone(content), CHAIN_ID, REGISTRY), digest, 'every member holding the same content signs the same digest')
  const variants: Array<[string, Partial<ReportAttestation>]> = [
    ['jobId', { jobId: b32('ff') }],
    ['a commitment dropped', { committed: [member(1).address], commitments: [b32('02')] }],
    ['a commitment changed', { commitments: [b32('01'), b32('04')] }],
    ['no reveal', { revealed: [], verdicts: [] }],
    ['another verdict', { verdicts: [b32('05')] }],
    ['another revealer', { revealed: [member(0).address] }]
  ]
  for (const [name, change] of variants) t.not(reportDigest({ ...content, ...change }, CHAIN_ID, REGISTRY), digest, name)
  t.not(reportDigest(content, CHAIN_ID + 1, REGISTRY), digest, 'other chain')
  t.not(reportDigest(content, CHAIN_ID, otherRegistry), digest, 'other registry')
})
