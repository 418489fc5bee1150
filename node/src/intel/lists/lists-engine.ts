import type { Logger } from 'pino'
import type { IndicatorKind } from '#protocol/messages.ts'
import { EngineUnavailableError } from '../../scan/engine.ts'
import type { Engine } from '../../scan/engine.ts'
import { checkEthPhishing, hostSuffixes, loadEthPhishingLists } from './eth-phishing-lists.ts'
import type { EthPhishingLists } from './eth-phishing-lists.ts'
import type { IndicatorFeed } from './indicator-feed.ts'
import { createIndicatorEngine } from '../indicator-engine.ts'
import type { Judgement } from '../indicator-engine.ts'
import { yyyymmdd } from '../indicator-subject.ts'

export const LISTS_ENGINE_NAME = 'VirusMap-Lists'
export const LISTS_ENGINE_VERSION = '1.0.0'
const KINDS: readonly IndicatorKind[] = ['url', 'domain', 'ip', 'wallet', 'script']

export interface ListsEngineOptions {
  /** operator feeds, checked in order before eth-phishing-detect: the operator's own list wins */
  feeds: IndicatorFeed[]
  /** eth-phishing-detect's data from npm; true: load it at start; an object: these lists (tests); false: off */
  ethPhishingDetect: boolean | EthPhishingLists
  logger?: Logger
}

/**
 * What a subject is looked up as: the exact entry, and for a domain or a URL's host the host
 * and its parents up to the registered domain (a listed domain covers its subdomains).
 */
export interface ListLookup {
  kind: IndicatorKind
  /** the canonical subject */
  exact: string
  /** an ip subject, or a URL's host when it is an IP */
  ip?: string
  /** the host (domain, or a URL's named host) and its parents */
  suffixes: string[]
}

export function listLookup (kind: IndicatorKind, subject: string): ListLookup {
  const lookup: ListLookup = { kind, exact: subject, suffixes: [] }
  if (kind === 'domain') lookup.suffixes = hostSuffixes(subject)
  if (kind === 'ip') lookup.ip = subject
  if (kind === 'url') {
    const host = URL.canParse(subject) ? new URL(subject).hostname : ''
    if (host.startsWith('[')) lookup.ip = host.slice(1, -1)
    else if (/^\d{1,3}(?:\.\d{1,3}){3}$/.test(host)) lookup.ip = host
    else if (host !== '') lookup.suffixes = hostSuffixes(host)
  }
  return lookup
}

export function feedMatches (feed: Pick<IndicatorFeed, 'has'>, lookup: ListLookup): boolean {
  const { kind, exact } = lookup
  if (feed.has(kind, exact)) return true
  // a bare address entry (no chain) matches on every chain
  if (kind === 'wallet') return feed.has('wallet', exact.slice(exact.lastIndexOf(':') + 1))
  if (lookup.ip !== undefined && feed.has('ip', lookup.ip)) return true
  return lookup.suffixes.some(s => feed.has('domain', s))
}

/**
 * Lists of known-bad indicators: the operator's feeds (label `operator-list:<feed>`) and
 * eth-phishing-detect (`phishing` on its blacklist, suspicious `phishing-lookalike:<target>` on
 * a near match of its fuzzy list, nothing on its whitelist). In-process: a check is a handful of
 * Set lookups (bench/intel-lists.ts).
 */
export function createListsEngine (options: ListsEngineOptions): Engine {
  const { feeds } = options

  function judge (lookup: ListLookup, eth: EthPhishingLists | undefined): Judgement {
    const feed = feeds.find(f => feedMatches(f, lookup))
    if (feed !== undefined) return { category: 'malicious', result: `operator-list:${feed.name}` }
    const host = lookup.ip ?? lookup.suffixes[0]
    if (eth === undefined || host === undefined) return { category: 'undetected', result: '' }
    const verdict = checkEthPhishing(eth, host, lookup.ip === undefined ? lookup.suffixes : undefined)
    if (verdict.type === 'blocklist') return { category: 'malicious', result: 'phishing' }
    if (verdict.type === 'fuzzy') return { category: 'suspicious', result: `phishing-lookalike:${verdict.match}` }
    return { category: 'undetected', result: '' }
  }

  return createIndicatorEngine<{ eth: EthPhishingLists | undefined, startedAt: number }>({
    name: LISTS_ENGINE_NAME,
    kinds: KINDS,
    method: 'blacklist',
    async load () {
      let eth: EthPhishingLists | undefined
      if (options.ethPhishingDetect === true) {
        try {
          eth = await loadEthPhishingLists()
        } catch (err) {
          throw new EngineUnavailableError('eth-phishing-detect data unreadable (npm package eth-phishing-detect)', { cause: err })
        }
      } else if (options.ethPhishingDetect !== false) {
        eth = options.ethPhishingDetect
      }
      await Promise.all(feeds.map(async f => { await f.start() }))
      for (const f of feeds) {
        if (f.changedAt === 0) options.logger?.warn({ feed: f.name }, 'indicator feed empty until its source can be read')
      }
      return { eth, startedAt: Date.now() }
    },
    unload: async () => { await Promise.all(feeds.map(async f => { await f.stop() })) },
    version: (state) => state?.eth === undefined ? LISTS_ENGINE_VERSION : `${LISTS_ENGINE_VERSION}+epd${state.eth.version}`,
    signatureDate: (state) => feedsDate(feeds, state?.startedAt ?? 0),
    judge: (kind, subject, state) => judge(listLookup(kind, subject), state.eth)
  })
}

/** a list engine's signature date: its start or its feeds' latest change, whichever is later */
export function feedsDate (feeds: readonly IndicatorFeed[], startedAt: number): string {
  return yyyymmdd(Math.max(startedAt, ...feeds.map(f => f.changedAt)))
}
