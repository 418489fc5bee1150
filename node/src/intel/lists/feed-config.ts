import { canonicalizeIndicator, isIndicatorKind } from '#protocol/indicators.ts'
import type { IndicatorFeedConfig } from './indicator-feed.ts'

/** A feed's name is a metrics label and part of a detection label: short and plain. */
const FEED_NAME = /^[a-z0-9][a-z0-9_.-]{0,47}$/i
export const DEFAULT_REFRESH_SECONDS = 3600
const MIN_REFRESH_SECONDS = 10
const MAX_REFRESH_SECONDS = 7 * 24 * 3600

/**
 * The node config's `intelFeeds` ([{ name, source, kind?, refreshSeconds?, maxBytes? }]) with
 * defaults filled in, or what is wrong with it (config.ts turns that into its ConfigError).
 */
export function parseFeedConfigs (value: unknown): IndicatorFeedConfig[] | string {
  if (!Array.isArray(value)) return 'intelFeeds must be a list of {name, source, kind?, refreshSeconds?}'
  const names = new Set<string>()
  const feeds: IndicatorFeedConfig[] = []
  for (const [i, item] of value.entries()) {
    const at = `intelFeeds[${i}]`
    if (item == null || typeof item !== 'object' || Array.isArray(item)) return `${at} must be an object`
    const { name, source, kind, refreshSeconds = DEFAULT_REFRESH_SECONDS, maxBytes, ...rest } = item as Record<string, unknown>
    if (Object.keys(rest).length > 0) return `${at} has unknown keys: ${Object.keys(rest).join(', ').slice(0, 80)}`
    if (typeof name !== 'string' || !FEED_NAME.test(name)) return `${at}.name must be 1-48 of [A-Za-z0-9_.-]`
    if (names.has(name)) return `${at}.name ${name} is used twice`
    names.add(name)
    if (typeof source !== 'string' || source === '' || source.length > 2048) return `${at}.source must be a file path or an http(s) URL`
    if (/^[a-z][a-z0-9+.-]*:\/\//i.test(source) && !(/^https?:\/\//i.test(source) && URL.canParse(source))) return `${at}.source: only http(s) URLs or file paths`
    if (kind !== undefined && !isIndicatorKind(kind)) return `${at}.kind must be url, domain, ip, wallet or script`
    if (!Number.isSafeInteger(refreshSeconds) || (refreshSeconds as number) < MIN_REFRESH_SECONDS || (refreshSeconds as number) > MAX_REFRESH_SECONDS) {
      return `${at}.refreshSeconds must be an integer from ${MIN_REFRESH_SECONDS} to ${MAX_REFRESH_SECONDS}`
    }
    if (maxBytes !== undefined && (!Number.isSafeInteger(maxBytes) || (maxBytes as number) <= 0)) return `${at}.maxBytes must be a positive integer`
    feeds.push({ name, source, refreshSeconds: refreshSeconds as number, ...(kind === undefined ? {} : { kind }), ...(maxBytes === undefined ? {} : { maxBytes: maxBytes as number }) })
  }
  return feeds
}

/** The node config's `protectedAddresses` (0x… or CAIP-10, EIP-55 checked when mixed case), or what is wrong. */
export function checkProtectedAddresses (value: unknown): string | undefined {
  if (!Array.isArray(value)) return 'protectedAddresses must be a list of addresses'
  for (const [i, a] of value.entries()) {
    try {
      canonicalizeIndicator('wallet', a as string)
    } catch (err) {
      return `protectedAddresses[${i}]: ${(err as Error).message}`
    }
  }
  return undefined
}
