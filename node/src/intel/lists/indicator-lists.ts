import type { Logger } from 'pino'
import type { IntelMetrics } from '../../metrics/registry.ts'
import type { Engine } from '../../scan/engine.ts'
import { createAddressesEngine } from '../addresses-engine.ts'
import { createIndicatorFeed } from './indicator-feed.ts'
import type { IndicatorFeedConfig } from './indicator-feed.ts'
import { createListsEngine } from './lists-engine.ts'

export interface IndicatorListsConfig {
  feeds: IndicatorFeedConfig[]
  ethPhishingDetect: boolean
  protectedAddresses: string[]
  metrics?: IntelMetrics
}

/**
 * The list engines a node's config asks for, sharing one set of feeds (each source is read
 * once however many engines use it): VirusMap-Lists when there is any list, VirusMap-Addresses
 * when there are feeds or protected addresses.
 */
export function createIndicatorLists (config: IndicatorListsConfig, logger: Logger): Engine[] {
  const feeds = config.feeds.map(f => createIndicatorFeed(f, { logger, metrics: config.metrics }))
  const engines: Engine[] = []
  if (config.ethPhishingDetect || feeds.length > 0) engines.push(createListsEngine({ feeds, ethPhishingDetect: config.ethPhishingDetect, logger }))
  if (feeds.length > 0 || config.protectedAddresses.length > 0) engines.push(createAddressesEngine({ feeds, protectedAddresses: config.protectedAddresses, logger }))
  return engines
}
