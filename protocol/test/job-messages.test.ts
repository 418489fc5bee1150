import tap from 'tap'
import { jobIdOf, senderOf } from '../src/job-messages.ts'
import type { Hex, SignedAttestation, SignedCommitment, SignedComplaint, SignedVerdict } from '../src/messages.ts'

const hex = (byte: string, bytes: number): Hex => `0x${byte.repeat(bytes)}`
const commitment: SignedCommitment = { type: 'commitment', commitment: { jobId: hex('aa', 32), member: hex('11', 20), commitment: hex('cc', 32) }, signature: hex('00', 65) }
const verdict: SignedVerdict = {
  type: 'verdict', salt: hex('05', 32), signature: hex('00', 65),
  verdict: { jobId: hex('bb', 32), member: hex('22', 20), sha256: hex('01', 32), membershipBlock: 1, scannedAt: 1, results: [] }
}
const attestation = { type: 'attestation', member: hex('33', 20), attestation: { jobId: hex('cc', 32) }, signature: hex('00', 65) } as unknown as SignedAttestation
const complaint = { type: 'complaint', complaint: { jobId: hex('dd', 32), member: hex('44', 20) }, signature: hex('00', 65) } as unknown as SignedComplaint

tap.test('every job message names its job and its sender', async (t) => {
  t.same([commitment, verdict, attestation, complaint].map(jobIdOf), [hex('aa', 32), hex('bb', 32), hex('cc', 32), hex('dd', 32)])
  t.same([commitment, verdict, attestation, complaint].map(senderOf), [hex('11', 20), hex('22', 20), hex('33', 20), hex('44', 20)])
})
