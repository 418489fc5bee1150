/**
 * Three final reports for the anchor tests and vectors (SPEC section 15): the report vector's file job,
 * a URL job its submitter signed, and a later file job at another block, each attested by a quorum.
 */
import { attestationFor, deriveReport, signAttestation } from '../src/index.ts'
import type { EngineResult, Report, SignedScanJob } from '../src/index.ts'
import { CHAIN_ID, makeIndicatorJob, makeReveal, makeSignedJob, member, MEMBERS, NOW, REGISTRATIONS, REGISTRY, reportSignatures, result } from './fixtures.ts'

/** Members 0..votes.length-1 commit and reveal these results; `attesters` (indices) sign the content. */
export async function finalReport (signedJob: SignedScanJob, votes: EngineResult[][], attesters: number[], revealed = votes.length): Promise<Report> {
  const { job } = signedJob
  const opened = await Promise.all(votes.map((results, i) => makeReveal(job, member(i), results, job.createdAt + 20_000 + i)))
  const commitments = opened.map(o => o.commit)
  const reveals = opened.slice(0, revealed).map(o => o.reveal)
  const content = attestationFor(signedJob, commitments, reveals, CHAIN_ID, REGISTRY)
  const attestations = await Promise.all(attesters.map(i => signAttestation(content, CHAIN_ID, REGISTRY, member(i).wallet)))
  return deriveReport({
    job: signedJob, commitments, verdicts: reveals, attestations: reportSignatures(attestations), members: MEMBERS.map(m => m.address),
    registrations: REGISTRATIONS, faultDivisor: 3, chainId: CHAIN_ID, registry: REGISTRY
  })
}

/** The report vector's votes (make-vectors.ts): member 3 commits and withholds. */
export const FILE_VOTES: EngineResult[][] = [
  [result('YARA', 'malicious', 'Win32_Evil_A'), result('ClamAV', 'undetected', '', { method: 'signature' })],
  [result('YARA', 'malicious', 'Win32_Evil_B'), result('ClamAV', 'malicious', 'Win.Trojan.Agent', { method: 'signature' })],
  [result('YARA', 'suspicious', 'Packed_UPX', { engineVersion: '4.5.2' }), result('ClamAV', 'undetected', '', { method: 'signature' })],
  [result('YARA', 'undetected')]
]

/** A URL report (one member detects it) and a later file report at block 12 (nobody detects it). */
export async function otherReports (): Promise<[Report, Report]> {
  const url = await makeSignedJob(await makeIndicatorJob('url', 'http://example.com/login'))
  const urlReport = await finalReport(url, [
    [result('YARA', 'undetected')], [result('YARA', 'malicious', 'Phish_Kit')], [result('YARA', 'suspicious', 'Login_Form')]
  ], [0, 1, 2])
  const later = await makeSignedJob({
    sha256: `0x${'5a'.repeat(32)}`, membershipBlock: 12, createdAt: NOW + 90_000, commitDeadline: NOW + 150_000, revealDeadline: NOW + 210_000
  })
  const laterReport = await finalReport(later, [[result('YARA', 'undetected')], [result('YARA', 'harmless')], [result('YARA', 'undetected')], [result('YARA', 'undetected')]], [0, 1, 2, 3])
  return [urlReport, laterReport]
}
