import { mkdir } from 'node:fs/promises'
import { join } from 'node:path'
import { CID } from 'multiformats/cid'
import { createAdminServer } from '../admin/admin-server.ts'
import { NodeProvider } from '../chain/node-provider.ts'
import { createRegistryFollower } from '../chain/registry-follower.ts'
import { SerialSigner } from '../chain/serial-signer.ts'
import { createRepositories, openDatabase, PendingIngestRepository, SmallBlockRepository } from '../db/index.ts'
import { useNativeKeccak } from '../crypto/native-keccak.ts'
import { useNativeRecover } from '../crypto/native-recover.ts'
import { createSampleStore } from '../ingest/index.ts'
import { createBitswapService, createDurableBlockstore, createSmallBlockTier } from '../ipfs/index.ts'
import { createNodeMetrics } from '../metrics/registry.ts'
import { createGossip } from '../network/gossip.ts'
import { createLibp2pNode } from '../network/libp2p-node.ts'
import { createPeerKeeper } from '../network/peer-keeper.ts'
import { createCoordinator } from '../quorum/coordinator.ts'
import { createReportAuditor } from '../quorum/report-audit.ts'
import { wireApi } from './api-wiring.ts'
import { wireEpochs, wireEvidenceProver } from './chain-wiring.ts'
import { createEngineSet } from './engine-set.ts'
import { orderedLifecycle, type OrderedLifecycle, type Step } from './lifecycle.ts'
import { wireMarket } from './market-wiring.ts'
import { loadOrCreateNodeKeys } from './node-keys.ts'
import type { SupernodeConfig } from './config.ts'
import type { NodeContext } from './node-context.ts'
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
 * stop() stops them in reverse (lifecycle.ts). The market's, the epochs' and the API's components are
 * built in market-wiring.ts, chain-wiring.ts and api-wiring.ts over the context built here.
 */
export async function createSupernode (config: SupernodeConfig, logger: Logger, options: AbortOptions = {}): Promise<Supernode> {
  const { deployment } = config
  // every gossiped message's signer is recovered: libsecp256k1 built for this machine where it loaded
  useNativeRecover(logger)
  useNativeKeccak(logger)
  await mkdir(config.dataDir, { recursive: true })
  await mkdir(join(config.dataDir, 'tmp'), { recursive: true, mode: 0o700 })
  const keys = await loadOrCreateNodeKeys(config.dataDir)
  const operator = keys.operator.address.toLowerCase() as Hex
  const metrics = createNodeMetrics()
  const libp2p = await createLibp2pNode({ privateKey: keys.peerKey, listenAddrs: config.listen })
  // the services poll the head every pollIntervalMs, together (poll-until-aborted.ts): one answer serves all that ask within half of it
  const provider = new NodeProvider(deployment.rpcUrl, deployment.chainId, {
    staticNetwork: true, pollingInterval: config.pollIntervalMs, cacheTimeout: -1, headMaxAgeMs: config.pollIntervalMs / 2
  })
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
    const repositories = createRepositories(db)
    const blockstore = createSmallBlockTier(new SmallBlockRepository(db), createDurableBlockstore({ path: join(config.dataDir, 'blocks') }))
    const bitswap = createBitswapService({ libp2p, blockstore })
    const follower = createRegistryFollower({
      provider,
      registry: deployment.contracts.registry,
      ...(deployment.contracts.parameters != null ? { parameters: deployment.contracts.parameters } : {}),
      // the anchors', the market's and the deposits' services read these contracts' logs of the same blocks
      sharedLogs: [deployment.contracts.anchors, deployment.contracts.market, deployment.contracts.deposits].filter((a) => a !== undefined),
      fromBlock: deployment.deployBlock,
      confirmations: config.confirmations,
      pollIntervalMs: config.pollIntervalMs,
      logger: logger.child({ component: 'registry' }),
      metrics: metrics.chain
    })
    const peers = createPeerKeeper({ libp2p, peers: config.bootstrap, intervalMs: 3000, logger: logger.child({ component: 'peers' }) })
    const gossip = createGossip({
      libp2p, domain: { chainId: deployment.chainId, registry: deployment.contracts.registry }, logger: logger.child({ component: 'gossip' }), metrics: metrics.gossip
    })
    // anchors, rewards, evidence proofs and fulfils send with one key: one at a time, or they take the same nonce
    const sender = new SerialSigner(keys.operator.connect(provider))
    const ctx: NodeContext = { config, logger, keys, operator, provider, db, libp2p, metrics, sender, repositories, blockstore, follower, gossip }
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
      bitswap,
      blocksRead: metrics.quorum.sampleBlocks
    })
    const prover = wireEvidenceProver(ctx)
    // the config carries the quorum's options under their own names (quorum/quorum-options.ts)
    const coordinator = createCoordinator({ ...config, chainId: deployment.chainId, registry: deployment.contracts.registry, retentionMs: 10 * 60_000 }, {
      operator: keys.operator,
      x25519SecretKey: keys.x25519SecretKey,
      follower,
      gossip,
      samples: {
        ingest: async (source, opts) => await samples.ingest(source, opts),
        readSample: async (cid, key, opts) => await samples.readSample(cid, key, opts),
        inlineBlocks: async (cid, opts) => await samples.inlineBlocks(cid, opts),
        offerBlocks: (blocks) => { samples.offerBlocks(blocks) },
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
    const { feeds, market, hunt, webhooks, fulfils } = wireMarket(ctx, samples)
    const api = wireApi(ctx, { coordinator, samples, market, hunt, webhooks })
    const { anchors, rewards, reportServer, reportFetch } = wireEpochs(ctx)
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
      ['report-server', reportServer],
      ['slashing', prover],
      ['coordinator', coordinator],
      // its gossip handler is in place before gossip subscribes; it follows the chain the registry follower reads
      ['anchors', anchors],
      ['rewards', rewards],
      // after the anchor service: the reports it fetches are recorded there at its next pass
      ['report-fetch', reportFetch],
      ['feeds', feeds],
      ['market', market],
      ['hunt', hunt],
      // after the hunt service: a worker wakes on its notifications
      ['hunt-webhooks', webhooks],
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
