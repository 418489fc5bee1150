import type { Logger } from 'pino'
import type { EngineResult, IndicatorKind } from '../../../protocol/src/messages.ts'
import { EngineNotStartedError, ScanAbortedError } from '../scan/engine.ts'
import type { Engine, ScanInput } from '../scan/engine.ts'
import { createPoisoningIndex } from './address-poisoning.ts'
import type { IndicatorFeed } from './indicator-feed.ts'
import { readSubject, yyyymmdd } from './indicator-subject.ts'
import { feedMatches, listLookup } from './lists-engine.ts'

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
  let started = false
  let startedAt = 0
  const date = (): string => yyyymmdd(Math.max(startedAt, ...feeds.map(f => f.changedAt)))
  const result = (category: EngineResult['category'], label = ''): EngineResult => ({
    engine: ADDRESSES_ENGINE_NAME, engineVersion: ADDRESSES_ENGINE_VERSION, engineUpdate: date(), category, result: label.slice(0, 256), method: 'blacklist'
  })

  return {
    name: ADDRESSES_ENGINE_NAME,
    version: ADDRESSES_ENGINE_VERSION,
    get signatureDate () { return date() },
    kinds: KINDS,
    async start () {
      if (started) return
      await Promise.all(feeds.map(async f => { await f.start() }))
      startedAt = Date.now()
      started = true
      options.logger?.info({ protected: options.protectedAddresses.length, feeds: feeds.map(f => f.name) }, 'address engine ready')
    },
    async stop () {
      if (!started) return
      started = false
      await Promise.all(feeds.map(async f => { await f.stop() }))
    },
    async scan (input: ScanInput, scanOptions = {}) {
      if (!started) throw new EngineNotStartedError(ADDRESSES_ENGINE_NAME)
      if (scanOptions.signal?.aborted === true) throw new ScanAbortedError({ cause: scanOptions.signal.reason })
      const subject = readSubject(input, KINDS)
      if (subject === undefined) return result('type-unsupported')
      const lookup = listLookup('wallet', subject.subject)
      const feed = feeds.find(f => feedMatches(f, lookup))
      if (feed !== undefined) return result('malicious', `operator-list:${feed.name}`)
      const imitated = poisoned(subject.subject)[0]
      return imitated === undefined ? result('undetected') : result('suspicious', `address-poisoning:${imitated}`)
    }
  }
}
