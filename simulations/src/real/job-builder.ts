import { indicatorDigests } from '#protocol/indicators.ts'
import { ZERO_BYTES32 } from '#protocol/messages.ts'
import { signScanJob, signSubmission } from '#protocol/signing.ts'
import { SIM_CHAIN_ID, SIM_MEMBERSHIP_BLOCK, SIM_REGISTRY } from './member-view.ts'
import type { Hex, ScanJob, SignedScanJob } from '#protocol/messages.ts'
import type { Wallet } from 'ethers'

/**
 * A URL job as an origin builds it: the submitter signs the Submission, the origin signs the job.
 * URL jobs carry no sample and no key wraps, so the run measures gossip and quorum, not fetching.
 */
export async function buildUrlJob (index: number, origin: Wallet, submitter: Wallet, windows: { commitMs: number, revealMs: number }): Promise<SignedScanJob> {
  const subject = `https://sim.example/job/${index}`
  const { sha256, sha1, md5, size } = indicatorDigests(subject)
  const context = 'simulation'
  const now = Date.now()
  const submittedAt = now - 10
  const submitterSignature = await signSubmission({ kind: 'url', sha256, context, submittedAt }, SIM_CHAIN_ID, SIM_REGISTRY, submitter)
  const job: ScanJob = {
    kind: 'url',
    subject,
    context,
    sha256,
    sha1,
    md5,
    size,
    fileType: 'url',
    cid: '',
    membershipBlock: SIM_MEMBERSHIP_BLOCK,
    origin: origin.address.toLowerCase() as Hex,
    createdAt: now,
    commitDeadline: now + windows.commitMs,
    revealDeadline: now + windows.commitMs + windows.revealMs,
    ephemeralPublicKey: ZERO_BYTES32,
    keyWraps: [],
    submitter: submitter.address.toLowerCase() as Hex,
    submittedAt,
    submitterSignature
  }
  return await signScanJob(job, SIM_CHAIN_ID, SIM_REGISTRY, origin)
}
