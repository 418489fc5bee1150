/**
 * A signed file submission (SPEC section 17): the wallet signs the protocol's EIP-712 Submission
 * (kind 'file', the file's sha256, context, submittedAt) before the upload; the receiving node checks it
 * against the bytes it hashed, so the job names the wallet and the first submitter can be paid. Pure.
 */
import { isContextText } from './encoding.ts'
import type { Hex } from './messages.ts'
import { MAX_CONTEXT_BYTES, ZERO_ADDRESS } from './messages.ts'
import { recoverSubmissionSigner } from './signing.ts'

export const FILE_SUBMISSION_CODES = ['MALFORMED', 'BAD_CONTEXT', 'SUBMISSION_EXPIRED', 'HASH_MISMATCH', 'BAD_SIGNATURE', 'SIGNER_MISMATCH'] as const
export type FileSubmissionCode = typeof FILE_SUBMISSION_CODES[number]

export class FileSubmissionError extends Error {
  override name = 'FileSubmissionError'
  readonly code: FileSubmissionCode
  constructor (code: FileSubmissionCode, message: string, options?: ErrorOptions) {
    super(message, options)
    this.code = code
  }
}

/** What a client sends beside the file's bytes. */
export interface FileSubmission {
  /** the sha256 the wallet signed */
  sha256: Hex
  context: string
  submitter: Hex
  submittedAt: number
  signature: Hex
}

export interface FileSubmissionCheck {
  chainId: number
  registry: Hex
  /** the node's clock, ms */
  now: number
  clockSkewMs: number
  /** how old a signature may be when the node takes it: a captured one cannot be replayed for long */
  maxAgeMs: number
}

const HEX32 = /^0x[0-9a-f]{64}$/
const ADDRESS = /^0x[0-9a-f]{40}$/
const SIGNATURE = /^0x[0-9a-f]{130}$/

function fail (code: FileSubmissionCode, message: string, cause?: unknown): never {
  throw new FileSubmissionError(code, message, cause === undefined ? undefined : { cause })
}

/**
 * Throws FileSubmissionError unless the submission is well formed, recent, over the bytes the node
 * hashed (`received`) and signed by the submitter it names; returns it lowercased, as the job will carry it.
 */
export function checkFileSubmission (input: FileSubmission, received: Hex, opts: FileSubmissionCheck): FileSubmission {
  if (typeof input !== 'object' || input === null) fail('MALFORMED', 'not a submission')
  const sha256 = typeof input.sha256 === 'string' ? input.sha256.toLowerCase() : ''
  const submitter = typeof input.submitter === 'string' ? input.submitter.toLowerCase() : ''
  const signature = typeof input.signature === 'string' ? input.signature.toLowerCase() : ''
  if (!HEX32.test(sha256)) fail('MALFORMED', 'sha256 must be 32 bytes of 0x hex')
  if (!ADDRESS.test(submitter) || submitter === ZERO_ADDRESS) fail('MALFORMED', 'submitter must be a non-zero 0x address')
  if (!SIGNATURE.test(signature)) fail('MALFORMED', 'signature must be 65 bytes of 0x hex')
  if (!isContextText(input.context)) fail('BAD_CONTEXT', `context must be text of at most ${MAX_CONTEXT_BYTES} UTF-8 bytes without control characters`)
  const at = input.submittedAt
  if (!Number.isSafeInteger(at) || at <= 0 || at > opts.now + opts.clockSkewMs || at < opts.now - opts.maxAgeMs) {
    fail('SUBMISSION_EXPIRED', `submittedAt must be within the last ${Math.floor(opts.maxAgeMs / 1000)} s`)
  }
  if (sha256 !== received.toLowerCase()) fail('HASH_MISMATCH', 'the signed sha256 is not the uploaded file\'s')
  let signer: Hex
  try {
    signer = recoverSubmissionSigner({ kind: 'file', sha256: sha256 as Hex, context: input.context, submittedAt: at }, signature as Hex, opts.chainId, opts.registry)
  } catch (err) {
    fail('BAD_SIGNATURE', 'the signature does not recover', err)
  }
  if (signer !== submitter) fail('SIGNER_MISMATCH', 'the Submission is not signed by the submitter it names')
  return { sha256: sha256 as Hex, context: input.context, submitter: submitter as Hex, submittedAt: at, signature: signature as Hex }
}
