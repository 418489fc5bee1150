import { mkdir } from 'node:fs/promises'
import { join } from 'node:path'
import { JsonRpcProvider } from 'ethers'
import { CID } from 'multiformats/cid'
import { createAdminServer } from '../admin/admin-server.ts'
import { createAnchorChain } from '../anchors/anchor-chain.ts'
import { createAnchorService } from '../anchors/anchor-service.ts'
import { createApiServer } from '../api/server.ts'
import { apiLimitsOf } from '../api/limits.ts'
import { createGovernanceReader } from '../chain/governance-reader.ts'
import { createRegistryFollower } from '../chain/registry-follower.ts'
import { createRepositories, openDatabase, PendingIngestRepository } from '../db/index.ts'
import { createSampleStore } from '../ingest/index.ts'
import { createBitswapService, createDurableBlockstore, getBlock } from '../ipfs/index.ts'
import { createNodeMetrics } from '../metrics/registry.ts'
import { createGossip } from '../network/gossip.ts'
import { createLibp2pNode } from '../network/libp2p-node.ts'
import { createPeerKeeper } from '../network/peer-keeper.ts'
import { createCoordinator } from '../quorum/coordinator.ts'
import { SerialSigner } from '../chain/serial-signer.ts'
import { createEvidenceChain } from '../slashing/evidence-chain.ts'
import { createEvidenceProver } from '../slashing/evidence-prover.ts'
import { DeliveryRepository } from '../db/delivery-repository.ts'
import { MarketSignatureRepository } from '../db/market-signature-repository.ts'
import { FeedBlockRepository } from '../db/feed-block-repository.ts'
import { createDeliveryService } from '../market/delivery-service.ts'
import { createFeedSource } from '../market/feed-source.ts'
import { createMarketChain, createSettlementChain } from '../market/market-chain.ts'
import { createFulfilService } from '../market/fulfil-service.ts'
import { createOwnDelivery } from '../market/own-delivery.ts'
import { HuntRepository } from '../db/hunt-repository.ts'
import { createHuntPort } from '../hunt/hunt-port.ts'
import { createHuntService } from '../hunt/hunt-service.ts'
import { createReportAuditor } from '../quorum/report-audit.ts'
import { createEngineSet } from './engine-set.ts'
import { createRewardsChain } from '../rewards/rewards-chain.ts'
import { createStakeChain } from '../rewards/stake-chain.ts'
import { createRewardsService } from '../rewards/rewards-service.ts'
import { createReportFetch } from '../report-fetch/index.ts'
import { createApiPorts } from './api-adapters.ts'
import { orderedLifecycle, type OrderedLifecycle, type Step } from './lifecycle.ts'
import { loadOrCreateNodeKeys } from './node-keys.ts'
import type { SupernodeConfig } from './config.ts'
import type { Hex } from '#protocol/messages.ts'
import type { ApiServer } from '../api/server.ts'
import type { RegistryFollower } from '../chain/registry-follower.ts'
import type { NodeMetrics } from '../metrics/registry.ts'
import type { VirusmapLibp2p } from '../network/libp2p-node.ts'
import type { Logger } from 'pino'
import type { AbortOptions } from '@libp2p/interface'

/** start() and stop(): libp2p's Startable, in dependency order (lifecycle.ts); a node starts once. */
export interface Supernode extends OrderedLifecycle {
  operator: Hex
  peerId: string
  libp2p: VirusmapLibp2p
  api: ApiServer
  follower: RegistryFollower
  metrics: NodeMetrics
}

/**
 * The one wiring module of a supernode. Like Lodestar's BeaconNode.init, it opens the database and
 * builds every component from the config up front; start() starts them in dependency order and
 * stop() stops them in reverse (lifecycle.ts).
 */
export async function createSupernode (config: SupernodeConfig, logger: Logger, options: AbortOptions = {}): Promise<Supernode> {
  const { deployment } = config
  await mkdir(config.dataDir, { recursive: true })
  await mkdir(join(config.dataDir, 'tmp'), { recursive: true, mode: 0o700 })
  const keys = await loadOrCreateNodeKeys(config.dataDir)
  const operator = keys.operator.address.toLowerCase() as Hex
  const metrics = createNodeMetrics()
  const libp2p = await createLibp2pNode({ privateKey: keys.peerKey, listenAddrs: config.listen })
  const provider = new JsonRpcProvider(deployment.rpcUrl, deployment.chainId, { staticNetwork: true, pollingInterval: config.pollIntervalMs, cacheTimeout: -1 })
  const db = await openDatabase({ path: join(config.dataDir, 'db'), signal: options.signal }).catch((err: unknown) => {
    provider.destroy()
    throw err
  })
  const release = async (): Promise<void> => {
    await db.close().catch((err: unknown) => { logger.warn({ err }, 'database failed to close cleanly') })
    provider.destroy()
  }
  let wired: ReturnType<typeof wire>
  try {
    wired = wire()
  } catch (err) {
    await release()
    throw err
  }
  return { operator, peerId: libp2p.peerId.toString(), libp2p, api: wired.api, follower: wired.follower, metrics, ...orderedLifecycle(wired.steps, logger, release) }

  /** Every component, built over the open database, and the order they start in. */
  function wire (): { api: ApiServer, follower: RegistryFollower, steps: Step[] } {
    // anchors, rewards and evidence proofs send with one key: one at a time, or they take the same nonce
    const sender = new SerialSigner(keys.operator.connect(provider))
    const repositories = createRepositories(db)
    const blockstore = createDurableBlockstore({ path: join(config.dataDir, 'blocks') })
    const bitswap = createBitswapService({ libp2p, blockstore })
    const follower = createRegistryFollower({
      provider,
      registry: deployment.contracts.registry,
      ...(deployment.contracts.parameters != null ? { parameters: deployment.contracts.parameters } : {}),
      fromBlock: deployment.deployBlock,
      confirmations: config.confirmations,
      pollIntervalMs: config.pollIntervalMs,
      logger: logger.child({ component: 'registry' }),
      metrics: metrics.chain
    })
    const peers = createPeerKeeper({ libp2p, peers: config.bootstrap, intervalMs: 3000, logger: logger.child({ component: 'peers' }) })
    const gossip = createGossip({ libp2p, logger: logger.child({ component: 'gossip' }), metrics: metrics.gossip })
    // the config carries the engines' options under their own names (engine-options.ts)
    const engineSet = createEngineSet({ ...config, tmpDir: join(config.dataDir, 'tmp') }, {
      logger: logger.child({ component: 'engines' }),
      // the reputation model reads its live features from this node's reports and file relations
      evidence: { reports: repositories.reports, indicators: repositories.indicators },
      metrics: metrics.intel,
      // wallet guards' reports, one per submitter and subject (issue 15)
      guardReports: repositories.guardReports
    })
    const samples = createSampleStore({
      blockstore,
      samples: repositories.samples,
      pending: new PendingIngestRepository(db),
      spoolDir: join(config.dataDir, 'spool'),
      logger: logger.child({ component: 'samples' }),
      maxSampleBytes: config.maxSampleBytes,
      bitswap
    })
    // proves the equivocation it holds evidence of, in turns (SPEC 16), where the deployment has EquivocationEvidence
    const prover = deployment.contracts.evidence === undefined
      ? undefined
      : createEvidenceProver({ turnMs: config.anchorTurnMs }, {
        chain: createEvidenceChain({ provider, address: deployment.contracts.evidence, signer: sender }),
        follower,
        self: operator,
        evidence: repositories.evidence,
        logger: logger.child({ component: 'slashing' }),
        proofs: metrics.slashing.proofs
      })
    // the config carries the quorum's options under their own names (quorum/quorum-options.ts)
    const coordinator = createCoordinator({ ...config, chainId: deployment.chainId, registry: deployment.contracts.registry, retentionMs: 10 * 60_000 }, {
      operator: keys.operator,
      x25519SecretKey: keys.x25519SecretKey,
      follower,
      gossip,
      samples: {
        ingest: async (source, opts) => await samples.ingest(source, opts),
        readSample: async (cid, key, opts) => await samples.readSample(cid, key, opts),
        announce: (cid) => {
          bitswap.provide(CID.parse(cid)).catch((err: unknown) => { logger.debug({ err, cid }, 'DHT provide failed') })
        }
      },
      engines: engineSet.engines,
      repositories,
      logger: logger.child({ component: 'quorum' }),
      metrics: metrics.quorum,
      ...(prover === undefined ? {} : { evidenceProver: prover })
    })
    // revisits stored reports and live jobs when a reorg takes back membership they relied on
    const auditor = createReportAuditor({ logger: logger.child({ component: 'report-audit' }), metrics: metrics.quorum }, { follower, reports: repositories.reports, jobs: coordinator.jobs })
    // epoch feeds (SPEC 18, feeds): built for the market's orders, their blocks collected past their retention
    const feeds = deployment.contracts.market === undefined
      ? undefined
      : createFeedSource({ anchors: repositories.anchors, reports: repositories.reports, blocks: blockstore, records: new FeedBlockRepository(db), samples: repositories.samples, logger: logger.child({ component: 'feeds' }) })
    // data-market deliveries (SPEC 18), where the deployment has a DataMarket
    const market = deployment.contracts.market === undefined
      ? undefined
      : createDeliveryService({
        chainId: deployment.chainId,
        registry: deployment.contracts.registry,
        market: deployment.contracts.market,
        fromBlock: deployment.deployBlock,
        confirmations: config.confirmations,
        pollIntervalMs: config.pollIntervalMs
      }, {
        self: operator,
        operator: keys.operator,
        chain: createMarketChain({ provider, address: deployment.contracts.market }),
        follower,
        samples: repositories.samples,
        ...(feeds === undefined ? {} : { feeds }),
        deliveries: new DeliveryRepository(db),
        logger: logger.child({ component: 'market' }),
        metrics: metrics.market
      })
    // hunting (SPEC 19): paid by DataMarket hunt orders, so only where the deployment has one
    const hunt = deployment.contracts.market === undefined
      ? undefined
      : createHuntService({
        chainId: deployment.chainId,
        registry: deployment.contracts.registry,
        market: deployment.contracts.market,
        fromBlock: deployment.deployBlock,
        confirmations: config.confirmations,
        pollIntervalMs: config.pollIntervalMs
      }, {
        self: operator,
        operator: keys.operator,
        x25519SecretKey: keys.x25519SecretKey,
        chain: createMarketChain({ provider, address: deployment.contracts.market }),
        follower,
        reports: repositories.reports,
        samples: repositories.samples,
        readSample: async (cid, key, o) => await samples.readSample(cid, key, o),
        hunts: new HuntRepository(db),
        logger: logger.child({ component: 'hunt' }),
        metrics: metrics.hunt
      })
    // members fulfil the orders f+1 of them delivered, in turns (SPEC 18, 19)
    const fulfils = deployment.contracts.market === undefined
      ? undefined
      : createFulfilService({
        chainId: deployment.chainId,
        registry: deployment.contracts.registry,
        market: deployment.contracts.market,
        fromBlock: deployment.deployBlock,
        confirmations: config.confirmations,
        pollIntervalMs: config.pollIntervalMs,
        turnMs: config.anchorTurnMs
      }, {
        self: operator,
        chain: createSettlementChain({ provider, address: deployment.contracts.market, signer: sender }),
        follower,
        gossip,
        ownDelivery: createOwnDelivery({ market: deployment.contracts.market, deliveries: new DeliveryRepository(db), ...(hunt === undefined ? {} : { hunt }) }),
        signatures: new MarketSignatureRepository(db),
        logger: logger.child({ component: 'market' }),
        metrics: metrics.market
      })
    const api = createApiServer({
      ports: {
        ...(market === undefined ? {} : { market }),
        ...(hunt === undefined ? {} : { hunt: createHuntPort(hunt, { self: operator, chainId: deployment.chainId, registry: deployment.contracts.registry }) }),
        // only blocks held here: a request never makes this node fetch from the network
        blocks: { get: async (cid, o) => await blockstore.has(cid) ? await getBlock(blockstore, cid, o) : undefined },
        ...createApiPorts({ coordinator, repositories, follower, metrics, libp2p, operator, operatorSigner: keys.operator, chainId: deployment.chainId, registry: deployment.contracts.registry, requireApiKey: config.requireApiKey, samples,
          suggested: { rpcUrl: deployment.rpcUrl, governor: deployment.contracts.governor, ...(deployment.contracts.parameters === undefined ? {} : { parameters: deployment.contracts.parameters }), ...(deployment.contracts.anchors === undefined ? {} : { anchors: deployment.contracts.anchors }), ...(deployment.contracts.rewards === undefined ? {} : { rewards: deployment.contracts.rewards }) } }),
        governance: createGovernanceReader({ provider, contracts: deployment.contracts, deployBlock: deployment.deployBlock })
      },
      logger: logger.child({ component: 'api' }),
      maxUploadBytes: config.maxSampleBytes,
      limits: apiLimitsOf(config),
      host: config.apiHost,
      port: config.apiPort
    })
    // epoch anchors (SPEC 15), where the deployment has ReportAnchors
    const anchors = deployment.contracts.anchors === undefined
      ? undefined
      : createAnchorService({
        chainId: deployment.chainId,
        registry: deployment.contracts.registry,
        anchorTurnMs: config.anchorTurnMs,
        pollIntervalMs: config.pollIntervalMs,
        confirmations: config.confirmations,
        fromBlock: deployment.deployBlock
      }, {
        self: operator,
        operator: keys.operator,
        chain: createAnchorChain({ provider, address: deployment.contracts.anchors, signer: sender }),
        follower,
        gossip,
        repos: repositories,
        logger: logger.child({ component: 'anchors' }),
        metrics: metrics.anchors
      })
    // the rewards epoch process (SPEC 17), where the deployment has a RewardsDistributor and the anchors it reads
    const rewards = deployment.contracts.rewards === undefined || anchors === undefined
      ? undefined
      : createRewardsService({
        chainId: deployment.chainId,
        registry: deployment.contracts.registry,
        postTurnMs: config.anchorTurnMs,
        pollIntervalMs: config.pollIntervalMs
      }, {
        self: operator,
        operator: keys.operator,
        chain: createRewardsChain({ provider, address: deployment.contracts.rewards, signer: sender }),
        stakes: createStakeChain({ provider, vmt: deployment.contracts.vmt }),
        follower,
        gossip,
        repos: repositories,
        logger: logger.child({ component: 'rewards' }),
        metrics: metrics.rewards
      })
    // every node serves its reports; one whose anchored epochs list a job it lacks fetches it from peers (SPEC 17)
    const reportFetch = createReportFetch({ pollIntervalMs: config.pollIntervalMs }, {
      libp2p, chain: { chainId: deployment.chainId, registry: deployment.contracts.registry, follower }, repos: repositories, logger: logger.child({ component: 'report-fetch' }), metrics: metrics.reportFetch,
      ...(deployment.contracts.anchors === undefined ? {} : { anchorChain: createAnchorChain({ provider, address: deployment.contracts.anchors, signer: sender }) })
    })
    const admin = createAdminServer({ keys: repositories.apiKeys, dataDir: config.dataDir, logger: logger.child({ component: 'admin' }) })
    const steps: Step[] = [
      ['blockstore', { start: async () => { await blockstore.open() }, stop: async () => { await blockstore.close() } }],
      // before anything can ingest: collects what ingests cut short by a crash left behind
      ['samples', samples],
      ['report-audit', auditor],
      ['registry', follower],
      ['engines', engineSet],
      ['libp2p', libp2p],
      ['bitswap', bitswap],
      ['report-server', reportFetch.server],
      ['slashing', prover],
      ['coordinator', coordinator],
      // its gossip handler is in place before gossip subscribes; it follows the chain the registry follower reads
      ['anchors', anchors],
      ['rewards', rewards],
      // after the anchor service: the reports it fetches are recorded there at its next pass
      ['report-fetch', reportFetch.fetch],
      ['feeds', feeds],
      ['market', market],
      ['hunt', hunt],
      ['fulfils', fulfils],
      ['gossip', gossip],
      ['peers', peers],
      ['api', api],
      // last, so DATA/admin.cookie exists only while the node can serve what it changes
      ['admin', admin]
    ]
    return { api, follower, steps }
  }
}
