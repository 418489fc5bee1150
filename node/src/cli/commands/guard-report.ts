// `virusmap guard --report-to URL`: with the user's consent, each block the guard decides becomes
// signed indicator submissions to that node (domain, URL without query, offending wallets,
// page scripts, and the bodies of those scripts the extension sends as signed file uploads),
// signed by the user's keystore wallet under the deployment's domain, as `virusmap submit` signs. The wallet is unlocked once, when the guard starts.
import { indicatorSha256 } from '#protocol/indicators.ts'
import { createVtClient } from '../../client/vt-client.ts'
import { createGuardReporter, type GuardReporter } from '../../guard/reporter.ts'
import type { CommandContext, OptionValue } from '../command.ts'
import { loadSubmitterWallet, signSubmissionWith } from '../sign-submission.ts'
import { isHttpUrl } from '../profile.ts'
import { resolveTarget } from '../target.ts'
import { UsageError } from '../usage-error.ts'

export const REPORT_OPTIONS = {
  'report-to': { type: 'string' },
  keystore: { type: 'string' },
  deployment: { type: 'string' },
  apikey: { type: 'string' }
} as const

export const REPORT_USAGE = '[--report-to URL --keystore FILE [--deployment FILE] [--apikey KEY]]'

/** The reporter --report-to asks for (not started); undefined without the flag. */
export async function reporterFor (values: Record<string, OptionValue>, ctx: CommandContext): Promise<GuardReporter | undefined> {
  const to = values['report-to']
  if (to === undefined) {
    if (values.keystore !== undefined) throw new UsageError('--keystore goes with --report-to (the guard signs only the reports you consent to)')
    return undefined
  }
  if (typeof to !== 'string' || !isHttpUrl(to)) throw new UsageError('--report-to must be a node\'s http(s) API URL')
  // --rpc is the user's wallet RPC here, not the deployment's chain: the deployment's own is kept
  const target = await resolveTarget({ ...values, api: to, rpc: undefined }, ctx)
  const wallet = await loadSubmitterWallet(values, ctx)
  const client = createVtClient({ baseUrl: target.api, ...target.apiKey === undefined ? {} : { apiKey: target.apiKey } })
  return createGuardReporter({
    async submit (indicator, options) {
      const signed = await signSubmissionWith(wallet, { kind: indicator.kind, sha256: indicatorSha256(indicator.subject), context: indicator.context }, target.deployment)
      await client.submitIndicator(indicator.kind, indicator.subject, signed, options?.signal === undefined ? {} : { signal: options.signal })
    },
    // a page script's body as a file submission the wallet signs, so members' YARA rules scan it
    async upload (script, options) {
      const sha256 = `0x${script.sha256}` as const
      const signed = await signSubmissionWith(wallet, { kind: 'file', sha256, context: script.context }, target.deployment)
      await client.uploadFile(script.bytes, { filename: `${script.sha256}.js`, signed: { ...signed, sha256 }, ...options?.signal === undefined ? {} : { signal: options.signal } })
    }
  })
}
