/**
 * `virusmap submit FILE --keystore K`: the wallet signs the protocol Submission of the file's sha256
 * (protocol SPEC 17), so the job names it and its first find can earn; the node's receipt is checked here.
 */
import { isContextText, MAX_CONTEXT_BYTES, recoverReceiptSigner } from '#protocol/index.ts'
import type { Hex, Receipt } from '#protocol/index.ts'
import type { SignedFileFields } from '../client/vt-client.ts'
import type { CommandContext, OptionValue } from './command.ts'
import { signAsSubmitter } from './sign-submission.ts'
import type { Target } from './target.ts'
import { UsageError } from './usage-error.ts'
import { CliError } from './cli-error.ts'

/** `sha256`: the file's digest as hashed here, bare or 0x hex. */
export async function signFile (fileSha256: string, values: Record<string, OptionValue>, ctx: CommandContext, target: Target): Promise<SignedFileFields> {
  const sha256 = (fileSha256.startsWith('0x') ? fileSha256 : `0x${fileSha256}`).toLowerCase()
  const context = typeof values.context === 'string' ? values.context : ''
  if (!isContextText(context)) throw new UsageError(`--context must be text of at most ${MAX_CONTEXT_BYTES} UTF-8 bytes without control characters`)
  return { sha256, ...await signAsSubmitter({ kind: 'file', sha256: sha256 as Hex, context }, values, ctx, target) }
}

/**
 * Holds the node's receipt to what was signed: same file, wallet and time, a job id the upload named,
 * signed by some key (the node's operator; the caller prints who). Returns the signer.
 */
export function checkReceipt (receipt: unknown, signed: SignedFileFields, jobId: string, target: Target): Hex {
  const r = receipt as (Receipt & { signature: Hex }) | undefined
  if (typeof r !== 'object' || r === null || r.sha256 !== signed.sha256.toLowerCase() || r.submitter !== signed.submitter ||
    r.submittedAt !== signed.submittedAt || r.jobId !== jobId || !Number.isSafeInteger(r.receivedAt)) {
    throw new CliError('VERIFICATION_FAILED', 'the node\'s receipt does not match the signed submission')
  }
  try {
    return recoverReceiptSigner({ sha256: r.sha256, submitter: r.submitter, submittedAt: r.submittedAt, receivedAt: r.receivedAt, jobId: r.jobId }, r.signature, target.deployment.chainId, target.deployment.registry)
  } catch (err) {
    throw new CliError('VERIFICATION_FAILED', 'the node\'s receipt signature does not recover', { cause: err })
  }
}
