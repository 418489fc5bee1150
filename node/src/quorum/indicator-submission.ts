import {
  canonicalIndicatorOr, indicatorSha256, isContextText, isIndicatorKind, MAX_CONTEXT_BYTES, recoverSubmissionSigner, signSubmission, ZERO_ADDRESS
} from '#protocol/index.ts'
import { SubmissionError } from './errors.ts'
import type { IndicatorSubmission } from './job-factory.ts'
import type { Hex, IndicatorKind } from '#protocol/messages.ts'
import type { Signer } from 'ethers'

/** How old a signed submission may be when a node takes it: a captured signature cannot be replayed for long. */
export const MAX_SUBMISSION_AGE_MS = 10 * 60_000

export interface SubmissionCheckOptions {
  chainId: number
  registry: Hex
  now: number
  clockSkewMs: number
}

/**
 * Checks what the protocol's job validation will check of the submission (and its age), so a
 * client gets a precise error instead of a job its peers would reject. Pure.
 */
/** Takes the subject as typed (signed over its canonical form's sha256) and returns it canonical. */
export function checkIndicatorSubmission (input: IndicatorSubmission, opts: SubmissionCheckOptions): IndicatorSubmission {
  if (!isIndicatorKind(input.kind)) throw new SubmissionError('INVALID_INDICATOR', `unknown indicator kind ${String(input.kind).slice(0, 32)}`)
  const subject = canonicalSubmissionSubject(input.kind, input.subject)
  const { context } = input
  if (!isContextText(context)) {
    throw new SubmissionError('INVALID_CONTEXT', `context must be text of at most ${MAX_CONTEXT_BYTES} UTF-8 bytes without control characters`)
  }
  if (!Number.isSafeInteger(input.submittedAt) || input.submittedAt <= 0 ||
    input.submittedAt > opts.now + opts.clockSkewMs || input.submittedAt < opts.now - MAX_SUBMISSION_AGE_MS) {
    throw new SubmissionError('SUBMISSION_EXPIRED', `submittedAt must be within the last ${MAX_SUBMISSION_AGE_MS / 60_000} minutes`)
  }
  const submitter = String(input.submitter).toLowerCase() as Hex
  if (!/^0x[0-9a-f]{40}$/.test(submitter) || submitter === ZERO_ADDRESS || !/^0x[0-9a-fA-F]{130}$/.test(String(input.submitterSignature))) {
    throw new SubmissionError('INVALID_SUBMITTER_SIGNATURE', 'an indicator needs the submitter\'s address and its 65-byte EIP-712 Submission signature')
  }
  const submitterSignature = input.submitterSignature.toLowerCase() as Hex
  const submission = { kind: input.kind, sha256: indicatorSha256(subject), context, submittedAt: input.submittedAt }
  let signer: Hex
  try {
    signer = recoverSubmissionSigner(submission, submitterSignature, opts.chainId, opts.registry)
  } catch (err) {
    throw new SubmissionError('INVALID_SUBMITTER_SIGNATURE', 'the submitter signature does not recover', { cause: err })
  }
  if (signer !== submitter) {
    throw new SubmissionError('INVALID_SUBMITTER_SIGNATURE', 'the signature is not the submitter\'s over (kind, sha256 of the canonical subject, context, submittedAt)')
  }
  return { kind: input.kind, subject, context, submitter, submittedAt: input.submittedAt, submitterSignature }
}

/** The canonical subject, or SubmissionError INVALID_INDICATOR saying why there is none. */
export function canonicalSubmissionSubject (kind: IndicatorKind, raw: string): string {
  return canonicalIndicatorOr(kind, raw, (err) => { throw new SubmissionError('INVALID_INDICATOR', err.message, { cause: err }) })
}

/**
 * A Submission the node's operator wallet signs as submitter, at `submittedAt`: what VirusTotal
 * tools submit unsigned, and the domains and IPs of submitted URLs. SubmissionError
 * INVALID_INDICATOR when `subject` has no canonical form.
 */
export async function operatorSubmission (
  input: { kind: IndicatorKind, subject: string, context: string },
  signer: Signer,
  deployment: { chainId: number, registry: Hex },
  submittedAt: number
): Promise<IndicatorSubmission> {
  const { kind, context } = input
  const subject = canonicalSubmissionSubject(kind, input.subject)
  const submitterSignature = await signSubmission({ kind, sha256: indicatorSha256(subject), context, submittedAt }, deployment.chainId, deployment.registry, signer)
  const submitter = (await signer.getAddress()).toLowerCase() as Hex
  return { kind, subject, context, submitter, submittedAt, submitterSignature }
}
