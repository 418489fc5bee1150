import type { Logger } from 'pino'
import type { IndicatorKind } from '#protocol/messages.ts'
import type { Engine } from '../scan/engine.ts'
import { createPoisoningIndex } from './address-poisoning.ts'
import type { IndicatorFeed } from './lists/indicator-feed.ts'
import { createIndicatorEngine } from './indicator-engine.ts'
import { feedMatches, feedsDate, listLookup } from './lists/lists-engine.ts'

export const ADDRESSES_ENGINE_NAME = 'VirusMap-Addresses'
export const ADDRESSES_ENGINE_VERSION = '1.0.0'
const KINDS: readonly IndicatorKind[] = ['wallet']

export interface AddressesEngineOptions {
  /** operator feeds whose wallet entries are known scam addresses */
  feeds: IndicatorFeed[]
  /** addresses the operator protects (its users' own, exchanges', well-known contracts'): look-alikes of these are poisoning */
  protectedAddresses: readonly string[]
  logger?: Logger
}

/**
 * Wallet addresses: known scam addresses (malicious, `operator-list:<feed>`) and address
 * poisoning, an address made to look like a protected one (suspicious,
 * `address-poisoning:<the protected address>`).
 */
export function createAddressesEngine (options: AddressesEngineOptions): Engine {
  const poisoned = createPoisoningIndex(options.protectedAddresses)
  const { feeds } = options
  return createIndicatorEngine<{ startedAt: number }>({
    name: ADDRESSES_ENGINE_NAME,
    kinds: KINDS,
    method: 'blacklist',
    async load () {
      await Promise.all(feeds.map(async f => { await f.start() }))
      options.logger?.info({ protected: options.protectedAddresses.length, feeds: feeds.map(f => f.name) }, 'address engine ready')
      return { startedAt: Date.now() }
    },
    unload: async () => { await Promise.all(feeds.map(async f => { await f.stop() })) },
    version: () => ADDRESSES_ENGINE_VERSION,
    signatureDate: (state) => feedsDate(feeds, state?.startedAt ?? 0),
    judge: (_kind, subject) => {
      const feed = feeds.find(f => feedMatches(f, listLookup('wallet', subject)))
      if (feed !== undefined) return { category: 'malicious', result: `operator-list:${feed.name}` }
      const imitated = poisoned(subject)[0]
      return imitated === undefined ? { category: 'undetected', result: '' } : { category: 'suspicious', result: `address-poisoning:${imitated}` }
    }
  })
}
