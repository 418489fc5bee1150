import { urlNetworkLocation } from '#protocol/indicators.ts'
import type { IndicatorKind } from '#protocol/messages.ts'
import type { IndicatorView, VoteVerdict } from './ports/index.ts'
import { indicatorId, indicatorPath } from './indicator-ids.ts'
import { anchorAttribute } from './vt-objects.ts'
import { epochSeconds, virusmapAttribute, vtResults, vtStats } from '../vt/report-attributes.ts'

/** VirusTotal's object types; wallet and script are VirusMap's (VirusTotal has no such collections). */
export const INDICATOR_TYPES: Record<IndicatorKind, string> = {
  url: 'url', domain: 'domain', ip: 'ip_address', wallet: 'wallet', script: 'script'
}

/** A domain's top-level domain (its last label), VirusTotal's `tld`. */
const tldOf = (domain: string): string => domain.slice(domain.lastIndexOf('.') + 1)

/** VirusTotal's object descriptor of an indicator: what a relationship names when it does not embed the object. */
export function indicatorDescriptor (kind: IndicatorKind, subject: string, baseUrl: string): { type: string, id: string, links: { self: string } } {
  return { type: INDICATOR_TYPES[kind], id: indicatorId(kind, subject), links: { self: `${baseUrl}${indicatorPath(kind, subject)}` } }
}

/**
 * A url, domain, ip_address (or VirusMap wallet / script) object. times_submitted counts the
 * distinct wallets that submitted it (the node keeps those, not every submission); reputation is
 * VirusTotal's community score, harmless votes minus malicious ones; last_final_url is the URL as
 * submitted, since no member fetches it (so no redirect is followed); `tld` is the last label of the
 * domain (of a URL: of its host, when that is a domain). A URL's domain or IP address is an object
 * of its own, analysed by a job its origin submits (quorum/derived-indicators.ts), and
 * `virusmap.network_location` names it.
 */
export function indicatorObject (
  kind: IndicatorKind,
  subject: string,
  view: IndicatorView,
  baseUrl: string,
  votes: Record<VoteVerdict, number> = { harmless: 0, malicious: 0 }
): Record<string, unknown> {
  const { record, report } = view
  const attributes: Record<string, unknown> = {
    last_analysis_results: vtResults(report),
    last_analysis_stats: vtStats(report),
    times_submitted: record?.submitters.length ?? 0,
    total_votes: votes,
    reputation: votes.harmless - votes.malicious
  }
  const location = kind === 'url' ? urlNetworkLocation(subject) : undefined
  if (kind === 'url') {
    attributes.url = subject
    attributes.last_final_url = subject
  }
  if (kind === 'domain') attributes.tld = tldOf(subject)
  else if (location?.kind === 'domain') attributes.tld = tldOf(location.subject)
  if (record !== undefined) {
    attributes.first_submission_date = epochSeconds(record.firstSeen)
    attributes.last_submission_date = epochSeconds(record.lastSeen)
  }
  const extension: Record<string, unknown> = {
    kind,
    subject,
    context: record?.context ?? '',
    submitters: record?.submitters ?? []
  }
  if (kind === 'url') extension.network_location = location === undefined ? null : { type: INDICATOR_TYPES[location.kind], id: location.subject }
  if (report !== undefined) {
    attributes.last_analysis_date = epochSeconds(report.date)
    Object.assign(extension, virusmapAttribute(report))
    if (view.anchor !== undefined) attributes.virusmap_anchor = anchorAttribute(view.anchor)
  }
  attributes.virusmap = extension
  const id = indicatorId(kind, subject)
  return { data: { type: INDICATOR_TYPES[kind], id, attributes, links: { self: `${baseUrl}${indicatorPath(kind, subject)}` } } }
}
