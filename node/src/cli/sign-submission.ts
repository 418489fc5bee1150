/**
 * The wallet's signature over a protocol Submission (SPEC 4), for every signed submission the CLI
 * makes (files and indicators): the keystore or key the options name, the deployment's domain, now.
 */
import { GovernanceError } from '../../../governance/src/index.ts'
import { signSubmission } from '../../../protocol/src/index.ts'
import type { Submission } from '../../../protocol/src/index.ts'
import type { SignedFields } from '../client/vt-client.ts'
import type { CommandContext, OptionValue } from './command.ts'
import { loadSigner } from './commands/gov-context.ts'
import type { Target } from './target.ts'
import { UsageError } from './usage-error.ts'

export async function signAsSubmitter (submission: Omit<Submission, 'submittedAt'>, values: Record<string, OptionValue>, ctx: CommandContext, target: Target): Promise<SignedFields & { context: string }> {
  let wallet
  try {
    wallet = await loadSigner(values, ctx, null)
  } catch (err) {
    if (err instanceof GovernanceError) throw new UsageError(err.message)
    throw err
  }
  const submittedAt = Date.now()
  const { chainId, registry } = target.deployment
  const signature = await signSubmission({ ...submission, submittedAt }, chainId, registry, wallet)
  return { context: submission.context, submitter: wallet.address.toLowerCase(), submittedAt, signature }
}
