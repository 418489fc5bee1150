import type { Provider } from 'ethers'
import type { Hex, Report } from '../../../protocol/src/messages.ts'
import {
  canonicalizeIndicator, checkReport, indicatorSha256, isIndicatorKind, quorumThreshold, recoverScanJobSigner, recoverSubmissionSigner, recoverVerdictSigner, submissionOf, ZERO_ADDRESS
} from '../../../protocol/src/index.ts'
import { createRegistryView, type RegistryView } from './registry-view.ts'

/** Why a report did not verify (closed set; `detail` is for people). */
export const VERIFY_PROBLEM_CODES = [
  'REPORT_INVALID', // protocol's checkReport failed: signatures, job id or derivation
  'WRONG_CHAIN', // the report, the deployment and the provider disagree on the chain
  'WRONG_REGISTRY', // the report names another registry than the deployment
  'FUTURE_MEMBERSHIP_BLOCK', // the job's block is past the provider's head
  'ORIGIN_NOT_MEMBER', // the job's signer was not a member at the job's block
  'NOT_MEMBER', // a verdict's signer was not a member at the job's block
  'MEMBER_COUNT_MISMATCH', // the report's member count is not the chain's
  'FAULT_DIVISOR_MISMATCH', // the report's fault divisor is not the chain's quorumFaultDivisor at the job's block
  'QUORUM_MISMATCH', // the report's quorum is not quorumThreshold(chain's member count, chain's divisor)
  'NO_QUORUM', // fewer distinct member signers than the quorum
  'SUBMITTER_SIGNATURE', // the job names a submitter whose Submission signature (under the deployment's domain) is not theirs
  'SUBJECT_MISMATCH' // an indicator job's subject is not canonical, or its sha256 is not the subject's

] as const
export type VerifyProblemCode = typeof VERIFY_PROBLEM_CODES[number]

export interface VerifyProblem {
  code: VerifyProblemCode
  detail: string
}

export interface VerifyResult {
  verified: boolean
  /** distinct verdict signers that were members at the job's block, sorted */
  signers: Hex[]
  /** members at the job's block, as the chain says (the report's claim if the chain was not read) */
  memberCount: number
  quorum: number
  membershipBlock: number
  problems: VerifyProblem[]
}

export interface VerifyTarget {
  provider: Provider
  registry: Hex
  chainId: number
  /** the deployment's NetworkParameters (the quorum rule); absent in deployments from before it: divisor 3 */
  parameters?: Hex
}

function recoverOrUndefined (recover: () => Hex): Hex | undefined {
  try {
    return recover().toLowerCase() as Hex
  } catch {
    return undefined
  }
}

/**
 * Checks a report without trusting the node that served it: the report must follow from the
 * signed job and verdicts it carries, and the chain must say that enough of its signers were
 * members at the job's block. Network failures throw; everything else is a problem in the result.
 */
export async function verifyReport (report: Report, target: VerifyTarget, options: { signal?: AbortSignal } = {}): Promise<VerifyResult> {
  return verifyReportWith(report, createRegistryView(target.provider, target.registry, target.parameters), target, options)
}

/**
 * Who vouched for the job: an indicator always names its submitter, whose EIP-712 Submission
 * must recover under the deployment's domain; and its subject must be the canonical one the
 * job's sha256 stands for (a member could not then relabel a report for another indicator).
 */
function checkSubmission (report: Report, expected: { registry: Hex, chainId: number }, problems: VerifyProblem[]): void {
  const { job } = report.job
  if (isIndicatorKind(job.kind)) {
    let canonical: string | undefined
    try { canonical = canonicalizeIndicator(job.kind, job.subject) } catch { canonical = undefined }
    if (canonical !== job.subject || indicatorSha256(job.subject) !== job.sha256.toLowerCase()) {
      problems.push({ code: 'SUBJECT_MISMATCH', detail: `the ${job.kind} job's subject is not canonical or not what its sha256 names` })
    }
  }
  if (job.submitter === ZERO_ADDRESS && !isIndicatorKind(job.kind)) return
  const signer = recoverOrUndefined(() => recoverSubmissionSigner(submissionOf(job), job.submitterSignature, expected.chainId, expected.registry))
  if (job.submitter === ZERO_ADDRESS || signer !== job.submitter.toLowerCase()) {
    problems.push({ code: 'SUBMITTER_SIGNATURE', detail: `the submission is not signed by its submitter ${job.submitter}` })
  }
}

/** verifyReport over any RegistryView (the chain reads are the only I/O). */
export async function verifyReportWith (
  report: Report,
  view: RegistryView,
  expected: { registry: Hex, chainId: number },
  options: { signal?: AbortSignal } = {}
): Promise<VerifyResult> {
  const { signal } = options
  const problems: VerifyProblem[] = []
  const block = report.job.job.membershipBlock
  const result = (signers: Hex[], memberCount: number, quorum: number): VerifyResult =>
    ({ verified: problems.length === 0, signers, memberCount, quorum, membershipBlock: block, problems })

  try {
    checkReport(report)
  } catch (err) {
    const e = err as { code?: string, message?: string }
    problems.push({ code: 'REPORT_INVALID', detail: `${e.code ?? 'ERROR'}: ${e.message ?? String(err)}` })
  }
  if (report.registry.toLowerCase() !== expected.registry.toLowerCase()) {
    problems.push({ code: 'WRONG_REGISTRY', detail: `report names registry ${report.registry}, deployment has ${expected.registry}` })
  }
  signal?.throwIfAborted()
  const chainId = await view.chainId()
  if (report.chainId !== expected.chainId || chainId !== expected.chainId) {
    problems.push({ code: 'WRONG_CHAIN', detail: `report chain ${report.chainId}, deployment chain ${expected.chainId}, provider chain ${chainId}` })
  }
  // Signatures are checked against the domain the deployment names, never the one the report claims.
  const signers = new Set<Hex>()
  for (const v of report.verdicts) {
    const signer = recoverOrUndefined(() => recoverVerdictSigner(v, expected.chainId, expected.registry))
    if (signer !== undefined && signer === v.verdict.member.toLowerCase() && v.verdict.jobId === report.jobId) signers.add(signer)
  }
  const origin = recoverOrUndefined(() => recoverScanJobSigner(report.job, expected.chainId, expected.registry))
  checkSubmission(report, expected, problems)

  signal?.throwIfAborted()
  const head = await view.blockNumber()
  if (!Number.isSafeInteger(block) || block < 0 || block > head) {
    problems.push({ code: 'FUTURE_MEMBERSHIP_BLOCK', detail: `job names block ${block}, the chain is at ${head}` })
    return result([], report.memberCount, report.quorum)
  }

  const members = new Set(await view.membersAt(block))
  const memberCount = members.size
  const faultDivisor = await view.faultDivisorAt(block)
  const quorum = quorumThreshold(memberCount, faultDivisor)
  if (report.memberCount !== memberCount) {
    problems.push({ code: 'MEMBER_COUNT_MISMATCH', detail: `report says ${report.memberCount} members at block ${block}, the chain says ${memberCount}` })
  }
  if (report.faultDivisor !== faultDivisor) {
    problems.push({ code: 'FAULT_DIVISOR_MISMATCH', detail: `report uses quorum fault divisor ${String(report.faultDivisor)}, the chain has ${faultDivisor} at block ${block}` })
  }
  if (report.quorum !== quorum) {
    problems.push({ code: 'QUORUM_MISMATCH', detail: `report says quorum ${report.quorum}, ${memberCount} members need ${quorum} (divisor ${faultDivisor})` })
  }
  if (origin === undefined || !(await view.isMemberAt(origin, block))) {
    problems.push({ code: 'ORIGIN_NOT_MEMBER', detail: `job signer ${origin ?? '(unrecoverable)'} was not a member at block ${block}` })
  }
  const verified: Hex[] = []
  for (const signer of [...signers].toSorted()) {
    signal?.throwIfAborted()
    if (await view.isMemberAt(signer, block)) verified.push(signer)
    else problems.push({ code: 'NOT_MEMBER', detail: `verdict signer ${signer} was not a member at block ${block}` })
  }
  if (verified.length < quorum) {
    problems.push({ code: 'NO_QUORUM', detail: `${verified.length} member signatures, ${quorum} of ${memberCount} needed` })
  }
  return result(verified, memberCount, quorum)
}
