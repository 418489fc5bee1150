import { REPORT_CODES, ReportInvalidError } from '#protocol/index.ts'

/**
 * Why a report did not verify (closed set; `detail` is for people). Every code of protocol's
 * checkReport is a problem of its own, so a client names exactly what failed.
 */
export const VERIFY_PROBLEM_CODES = [
  ...REPORT_CODES,
  'QUESTION_MISMATCH', // the job is not about exactly what was asked
  'SERVED_MISMATCH', // the served VirusTotal fields or summary differ from what the signed messages make
  'WRONG_CHAIN', // the report, the deployment and the provider disagree on the chain
  'WRONG_REGISTRY', // the report names another registry than the deployment
  'FUTURE_MEMBERSHIP_BLOCK', // the job's block is past the provider's head
  'OLD_MEMBERSHIP_BLOCK', // the job was created after block membershipBlock + maxJobAgeBlocks was mined
  'FUTURE_JOB', // the job was created after the client's now + clockSkewMs
  'SUBMITTER_SIGNATURE', // the job names a submitter whose Submission signature is not theirs
  'SUBJECT_MISMATCH', // an indicator job's subject is not canonical, or its sha256 is not the subject's
  'ANCHOR_MISMATCH', // the served anchor is malformed, names an epoch without a root on chain or another root, or its proof does not lead from the report's leaf to it
  'ANCHOR_INELIGIBLE', // the report's leaf is anchored, in an epoch its job is not eligible for (a quorum signed what honest members refuse)
  'ANCHOR_LATE' // the epoch was anchored more than maxJobAgeBlocks after it ended, when its signers' keys no longer count
] as const
export type VerifyProblemCode = typeof VERIFY_PROBLEM_CODES[number]

export interface VerifyProblem {
  code: VerifyProblemCode
  detail: string
}

/** A failed derivation or check as a problem; anything else a hostile report provokes is MALFORMED. */
export function reportProblem (err: unknown): VerifyProblem {
  if (err instanceof ReportInvalidError) return { code: err.code, detail: err.message }
  return { code: 'MALFORMED', detail: `the report cannot be read: ${(err as Error)?.message ?? String(err)}` }
}
