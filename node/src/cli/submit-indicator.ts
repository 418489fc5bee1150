import { indicatorSha256, isContextText, MAX_CONTEXT_BYTES } from '#protocol/index.ts'
import type { IndicatorKind } from '#protocol/messages.ts'
import type { SignedFields } from '../client/vt-client.ts'
import type { CommandContext, OptionValue } from './command.ts'
import { signAsSubmitter } from './sign-submission.ts'
import { canonical } from './indicator-input.ts'
import type { Target } from './target.ts'
import { UsageError } from './usage-error.ts'

/** `submit`'s indicator flags; one of them names what is submitted. */
export const INDICATOR_FLAGS = ['url', 'domain', 'ip', 'wallet', 'script'] as const satisfies readonly IndicatorKind[]
export const INDICATOR_OPTIONS = {
  url: { type: 'string' },
  domain: { type: 'string' },
  ip: { type: 'string' },
  wallet: { type: 'string' },
  'chain-id': { type: 'string' },
  script: { type: 'string' },
  context: { type: 'string' },
  keystore: { type: 'string' }
} as const

const CHAIN_ID = /^[1-9][0-9]{0,15}$/

/** The indicator the flags name, canonical; undefined when none is given (a file submission). */
export function indicatorFromFlags (values: Record<string, OptionValue>): { kind: IndicatorKind, subject: string, context: string } | undefined {
  const given = INDICATOR_FLAGS.filter((f) => values[f] !== undefined)
  if (given.length === 0) {
    if (values['chain-id'] !== undefined) throw new UsageError('--chain-id goes with --wallet')
    // a file's context is signed with it, so it needs the wallet that signs
    if (values.context !== undefined && values.keystore === undefined) throw new UsageError('--context goes with --keystore for a file, or with --url, --domain, --ip, --wallet or --script')
    return undefined
  }
  if (given.length > 1) throw new UsageError(`one indicator per submission: got --${given.join(', --')}`)
  const kind = given[0] as IndicatorKind
  const raw = values[kind]
  if (typeof raw !== 'string') throw new UsageError(`--${kind} takes a value`)
  const chainId = values['chain-id']
  if (chainId !== undefined && (kind !== 'wallet' || typeof chainId !== 'string' || !CHAIN_ID.test(chainId))) {
    throw new UsageError('--chain-id N (a positive integer) goes with --wallet')
  }
  const value = kind === 'wallet' && chainId !== undefined && !raw.includes(':') ? `eip155:${chainId as string}:${raw}` : raw
  const context = typeof values.context === 'string' ? values.context : ''
  if (!isContextText(context)) throw new UsageError(`--context must be text of at most ${MAX_CONTEXT_BYTES} UTF-8 bytes without control characters`)
  return { kind, subject: canonical(kind, value), context }
}

/** Signs the Submission with the user's keystore wallet (--keystore or VIRUSMAP_KEYSTORE; passphrase prompt or env). */
export async function signIndicator (
  indicator: { kind: IndicatorKind, subject: string, context: string },
  values: Record<string, OptionValue>,
  ctx: CommandContext,
  target: Target
): Promise<SignedFields> {
  return await signAsSubmitter({ kind: indicator.kind, sha256: indicatorSha256(indicator.subject), context: indicator.context }, values, ctx, target)
}
