import { createApiServer, type ApiServer } from '../api/server.ts'
import { apiLimitsOf } from '../api/limits.ts'
import { createGovernanceReader } from '../chain/governance-reader.ts'
import { getBlock } from '../ipfs/index.ts'
import { createDepositChain } from '../rewards/deposit-chain.ts'
import { createDepositNotices } from '../rewards/deposit-notice.ts'
import { createHuntPort } from './hunt-port.ts'
import { createApiPorts } from './api-adapters.ts'
import type { Coordinator } from '../quorum/coordinator.ts'
import type { SampleStore } from '../ingest/sample-store.ts'
import type { MarketServices } from './market-wiring.ts'
import type { NodeContext } from './node-context.ts'

/** What the API serves beyond the node's context: jobs, samples and, where deployed, the market and hunting. */
export interface ApiParts extends Pick<MarketServices, 'market' | 'hunt' | 'webhooks'> {
  coordinator: Coordinator
  samples: SampleStore
}

/** The HTTP API over the node's components (api-adapters.ts turns them into the API's ports). */
export function wireApi (ctx: NodeContext, parts: ApiParts): ApiServer {
  const { config, config: { deployment }, blockstore, provider, operator, keys, logger } = ctx
  const { contracts } = deployment
  const { market, hunt, webhooks } = parts
  // the contracts a page is pointed at, those this deployment has
  const suggested = {
    rpcUrl: deployment.rpcUrl,
    governor: contracts.governor,
    ...(contracts.parameters === undefined ? {} : { parameters: contracts.parameters }),
    ...(contracts.anchors === undefined ? {} : { anchors: contracts.anchors }),
    ...(contracts.rewards === undefined ? {} : { rewards: contracts.rewards })
  }
  return createApiServer({
    ports: {
      ...(market === undefined ? {} : { market }),
      ...(hunt === undefined ? {} : { hunt: createHuntPort(hunt, { self: operator, chainId: deployment.chainId, registry: contracts.registry, ...(webhooks === undefined ? {} : { webhooks }) }) }),
      // only blocks held here: a request never makes this node fetch from the network
      blocks: { get: async (cid, o) => await blockstore.has(cid) ? await getBlock(blockstore, cid, o) : undefined },
      ...(contracts.deposits === undefined ? {} : { deposits: createDepositNotices({ deposits: createDepositChain({ provider, address: contracts.deposits, fromBlock: deployment.deployBlock }), follower: ctx.follower }) }),
      ...createApiPorts({
        coordinator: parts.coordinator,
        repositories: ctx.repositories,
        follower: ctx.follower,
        metrics: ctx.metrics,
        libp2p: ctx.libp2p,
        operator,
        operatorSigner: keys.operator,
        chainId: deployment.chainId,
        registry: contracts.registry,
        requireApiKey: config.requireApiKey,
        samples: parts.samples,
        suggested
      }),
      governance: createGovernanceReader({ provider, contracts, deployBlock: deployment.deployBlock })
    },
    logger: logger.child({ component: 'api' }),
    maxUploadBytes: config.maxSampleBytes,
    limits: apiLimitsOf(config),
    host: config.apiHost,
    port: config.apiPort
  })
}
