/**
 * The wallet's signature over a protocol Submission (SPEC 4), for every signed submission the CLI
 * makes (files and indicators): the keystore or key the options name, the deployment's domain, now.
 */
import { GovernanceError } from '#governance/index.ts'
import { signSubmission } from '#protocol/index.ts'
import type { Submission } from '#protocol/index.ts'
import type { Hex } from '#protocol/messages.ts'
import type { Signer, Wallet } from 'ethers'
import type { SignedFields } from '../client/vt-client.ts'
import type { CommandContext, OptionValue } from './command.ts'
import { loadSigner } from './commands/gov-context.ts'
import type { Target } from './target.ts'
import { UsageError } from './usage-error.ts'

export async function signAsSubmitter (submission: Omit<Submission, 'submittedAt'>, values: Record<string, OptionValue>, ctx: CommandContext, target: Target): Promise<SignedFields & { context: string }> {
  return await signSubmissionWith(await loadSubmitterWallet(values, ctx), submission, target.deployment)
}

/** The submitter's wallet: --keystore or VIRUSMAP_KEYSTORE, unlocked with the passphrase (prompt or env); a bad one is a usage error. */
export async function loadSubmitterWallet (values: Record<string, OptionValue>, ctx: CommandContext): Promise<Wallet> {
  try {
    return await loadSigner(values, ctx, null)
  } catch (err) {
    if (err instanceof GovernanceError) throw new UsageError(err.message)
    throw err
  }
}

/** The fields a node takes for `submission`, signed now by `wallet` under the deployment's domain (a wallet already unlocked, as the guard's reporter keeps it). */
export async function signSubmissionWith (wallet: Signer & { address: string }, submission: Omit<Submission, 'submittedAt'>, deployment: { chainId: number, registry: Hex }): Promise<SignedFields & { context: string }> {
  const submittedAt = Date.now()
  const signature = await signSubmission({ ...submission, submittedAt }, deployment.chainId, deployment.registry, wallet)
  return { context: submission.context, submitter: wallet.address.toLowerCase(), submittedAt, signature }
}
