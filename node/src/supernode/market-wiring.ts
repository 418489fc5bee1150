import { DeliveryRepository } from '../db/delivery-repository.ts'
import { FeedBlockRepository } from '../db/feed-block-repository.ts'
import { HuntRepository } from '../db/hunt-repository.ts'
import { HuntWebhookRepository } from '../db/hunt-webhook-repository.ts'
import { MarketSignatureRepository } from '../db/market-signature-repository.ts'
import { createHuntService, type HuntService } from '../hunt/hunt-service.ts'
import { createWebhookDispatcher, type WebhookDispatcher } from '../hunt/webhook-dispatcher.ts'
import { createDeliveryService, type DeliveryService } from '../market/delivery-service.ts'
import { createFeedSource, type FeedSource } from '../market/feed-source.ts'
import { createFulfilService, type FulfilService } from '../market/fulfil-service.ts'
import { createMarketChain, createSettlementChain } from '../market/market-chain.ts'
import { createOwnDelivery } from '../market/own-delivery.ts'
import type { SampleStore } from '../ingest/sample-store.ts'
import type { NodeContext } from './node-context.ts'

/** The DataMarket's components; none where the deployment has no DataMarket. */
export interface MarketServices {
  /** epoch feeds (SPEC 18, feeds): built for the market's orders, their blocks collected past their retention */
  feeds?: FeedSource
  /** data-market deliveries (SPEC 18) */
  market?: DeliveryService
  /** hunting (SPEC 19): paid by DataMarket hunt orders */
  hunt?: HuntService
  /** the vendors' hunt webhooks (SPEC 19): each signed match notification POSTed to the vendor's URL */
  webhooks?: WebhookDispatcher
  /** members fulfil the orders f+1 of them delivered, in turns (SPEC 18, 19) */
  fulfils?: FulfilService
}

/** Builds the market's components over the node's context; `samples` decrypts what a hunt scans. */
export function wireMarket (ctx: NodeContext, samples: Pick<SampleStore, 'readSample'>): MarketServices {
  const { config, config: { deployment }, db, repositories, follower, keys, operator, provider, logger, metrics } = ctx
  const address = deployment.contracts.market
  if (address === undefined) return {}
  // what every service following DataMarket's orders reads the chain with
  const following = {
    chainId: deployment.chainId,
    registry: deployment.contracts.registry,
    market: address,
    fromBlock: deployment.deployBlock,
    confirmations: config.confirmations,
    pollIntervalMs: config.pollIntervalMs
  }
  const feeds = createFeedSource({ anchors: repositories.anchors, reports: repositories.reports, blocks: ctx.blockstore, records: new FeedBlockRepository(db), samples: repositories.samples, logger: logger.child({ component: 'feeds' }) })
  const market = createDeliveryService(following, {
    self: operator,
    operator: keys.operator,
    chain: createMarketChain({ provider, address }),
    follower,
    samples: repositories.samples,
    feeds,
    deliveries: new DeliveryRepository(db),
    logger: logger.child({ component: 'market' }),
    metrics: metrics.market
  })
  const hunts = new HuntRepository(db)
  const hunt = createHuntService(following, {
    self: operator,
    operator: keys.operator,
    x25519SecretKey: keys.x25519SecretKey,
    chain: createMarketChain({ provider, address }),
    follower,
    reports: repositories.reports,
    samples: repositories.samples,
    readSample: async (cid, key, o) => await samples.readSample(cid, key, o),
    hunts,
    logger: logger.child({ component: 'hunt' }),
    metrics: metrics.hunt
  })
  const webhooks = createWebhookDispatcher({ allowPrivate: config.huntWebhookAllowPrivate }, {
    self: operator,
    webhooks: new HuntWebhookRepository(db),
    // the hunt service's own: its notification sequence is cached per instance
    hunts,
    subscribe: (vendor, listener) => hunt.subscribe(vendor, listener),
    hasRuleset: (vendor) => hunt.rulesets(vendor).length > 0,
    logger: logger.child({ component: 'hunt-webhooks' })
  })
  const fulfils = createFulfilService({ ...following, turnMs: config.anchorTurnMs }, {
    self: operator,
    chain: createSettlementChain({ provider, address, signer: ctx.sender }),
    follower,
    gossip: ctx.gossip,
    ownDelivery: createOwnDelivery({ market: address, deliveries: new DeliveryRepository(db), hunt }),
    signatures: new MarketSignatureRepository(db),
    logger: logger.child({ component: 'market' }),
    metrics: metrics.market
  })
  return { feeds, market, hunt, webhooks, fulfils }
}
