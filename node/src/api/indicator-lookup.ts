import type { IndicatorKind } from '#protocol/messages.ts'
import type { ApiPorts, IndicatorPort, IndicatorView, VoteVerdict } from './ports/index.ts'
import type { IndicatorKey } from './indicator-ids.ts'
import { ApiError } from '../vt/errors.ts'
import { indicatorObject } from './vt-indicator-objects.ts'
import { indicatorSha256 } from '#protocol/indicators.ts'
import type { AbortOptions } from '@libp2p/interface'

const NAMES: Record<IndicatorKind, string> = { url: 'URL', domain: 'Domain', ip: 'IP address', wallet: 'Wallet', script: 'Script' }

export function indicatorPortOf (ports: ApiPorts): IndicatorPort {
  if (ports.indicators === undefined) throw new ApiError('TransientError', 'this node serves no indicators')
  return ports.indicators
}

/**
 * The indicator and what this node knows of it, with at most `limit` related files (0: none
 * needed); NotFoundError when it knows nothing.
 */
export async function findIndicator (
  ports: ApiPorts,
  key: IndicatorKey,
  options: AbortOptions & { limit?: number, label: string }
): Promise<{ kind: IndicatorKind, subject: string, view: IndicatorView }> {
  const port = ports.indicators
  const { kind } = key
  let found: (IndicatorView & { subject?: string }) | undefined
  // a node without the indicator port knows no indicators
  if (port === undefined) found = undefined
  else if ('subject' in key) {
    found = await port.getIndicator(kind, key.subject, options)
    // limit 0 skips the relation scan when a record or report answers; one seen only in files needs it
    if (found === undefined && options.limit === 0) found = await port.getIndicator(kind, key.subject, { ...options, limit: 1 })
  } else if (port.getIndicatorByHash !== undefined) found = await port.getIndicatorByHash(kind, key.sha256, options)
  const subject = 'subject' in key ? key.subject : found?.subject
  if (found === undefined || subject === undefined) throw new ApiError('NotFoundError', `${NAMES[kind]} "${options.label.slice(0, 100)}" not found`)
  return { kind, subject, view: found }
}

/** What an indicator's VirusTotal object is built from: what was found, and this node's vote totals. */
export interface IndicatorInputs {
  kind: IndicatorKind
  subject: string
  view: IndicatorView
  votes?: Record<VoteVerdict, number>
}

export async function indicatorInputs (ports: ApiPorts, found: { kind: IndicatorKind, subject: string, view: IndicatorView }): Promise<IndicatorInputs> {
  const votes = ports.votes === undefined ? undefined : await ports.votes.totals(found.kind, indicatorSha256(found.subject))
  return { ...found, votes }
}

export function buildIndicator (inputs: IndicatorInputs, baseUrl: string): Record<string, unknown> {
  return indicatorObject(inputs.kind, inputs.subject, inputs.view, baseUrl, inputs.votes)
}

/** The VirusTotal object of a found indicator, with this node's vote totals. */
export async function indicatorResponse (ports: ApiPorts, found: { kind: IndicatorKind, subject: string, view: IndicatorView }, baseUrl: string): Promise<Record<string, unknown>> {
  return buildIndicator(await indicatorInputs(ports, found), baseUrl)
}
