import type { Startable } from '@libp2p/interface'
import { createAnchorChain } from '../anchors/anchor-chain.ts'
import { createAnchorService, type AnchorService } from '../anchors/anchor-service.ts'
import { createReportFetch } from '../report-fetch/index.ts'
import { createRewardsChain } from '../rewards/rewards-chain.ts'
import { createRewardsService, type RewardsService } from '../rewards/rewards-service.ts'
import { createDepositChain } from '../rewards/deposit-chain.ts'
import { createStakeChain } from '../rewards/stake-chain.ts'
import { createEvidenceChain } from '../slashing/evidence-chain.ts'
import { createEvidenceProver, type EvidenceProver } from '../slashing/evidence-prover.ts'
import type { ReportFetchService } from '../report-fetch/report-fetch-service.ts'
import type { NodeContext } from './node-context.ts'

/** Proves the equivocation this node holds evidence of, in turns (SPEC 16), where the deployment has EquivocationEvidence. */
export function wireEvidenceProver (ctx: NodeContext): EvidenceProver | undefined {
  const { config, config: { deployment }, provider, logger } = ctx
  if (deployment.contracts.evidence === undefined) return undefined
  return createEvidenceProver({ turnMs: config.anchorTurnMs }, {
    chain: createEvidenceChain({ provider, address: deployment.contracts.evidence, signer: ctx.sender }),
    follower: ctx.follower,
    self: ctx.operator,
    evidence: ctx.repositories.evidence,
    logger: logger.child({ component: 'slashing' }),
    proofs: ctx.metrics.slashing.proofs
  })
}

/** The epochs' components: anchors, rewards and the report fetch that completes an anchored epoch. */
export interface EpochServices {
  /** epoch anchors (SPEC 15), where the deployment has ReportAnchors */
  anchors?: AnchorService
  /** the rewards epoch process (SPEC 17), where the deployment has a RewardsDistributor and the anchors it reads */
  rewards?: RewardsService
  /** every node serves its reports (SPEC 17) */
  reportServer: Startable
  /** one whose anchored epochs list a job it lacks fetches it from peers */
  reportFetch?: ReportFetchService
}

export function wireEpochs (ctx: NodeContext): EpochServices {
  const { config, config: { deployment }, provider, follower, gossip, repositories, keys, operator, logger, metrics, sender } = ctx
  const { registry } = deployment.contracts
  const anchorChain = deployment.contracts.anchors === undefined ? undefined : createAnchorChain({ provider, address: deployment.contracts.anchors, signer: sender })
  const anchors = anchorChain === undefined
    ? undefined
    : createAnchorService({
      chainId: deployment.chainId,
      registry,
      anchorTurnMs: config.anchorTurnMs,
      pollIntervalMs: config.pollIntervalMs,
      confirmations: config.confirmations,
      fromBlock: deployment.deployBlock
    }, {
      self: operator,
      operator: keys.operator,
      chain: anchorChain,
      follower,
      gossip,
      repos: repositories,
      logger: logger.child({ component: 'anchors' }),
      metrics: metrics.anchors
    })
  const rewards = deployment.contracts.rewards === undefined || anchors === undefined
    ? undefined
    : createRewardsService({
      chainId: deployment.chainId,
      registry,
      postTurnMs: config.anchorTurnMs,
      pollIntervalMs: config.pollIntervalMs
    }, {
      self: operator,
      operator: keys.operator,
      chain: createRewardsChain({ provider, address: deployment.contracts.rewards, signer: sender }),
      stakes: createStakeChain({ provider, vmt: deployment.contracts.vmt }),
      ...(deployment.contracts.deposits === undefined ? {} : { deposits: createDepositChain({ provider, address: deployment.contracts.deposits, fromBlock: deployment.deployBlock }) }),
      follower,
      gossip,
      repos: repositories,
      logger: logger.child({ component: 'rewards' }),
      metrics: metrics.rewards
    })
  const fetch = createReportFetch({ pollIntervalMs: config.pollIntervalMs }, {
    libp2p: ctx.libp2p, chain: { chainId: deployment.chainId, registry, follower }, repos: repositories, logger: logger.child({ component: 'report-fetch' }), metrics: metrics.reportFetch,
    conflicts: metrics.anchors.proposalConflicts, ...(anchorChain === undefined ? {} : { anchorChain })
  })
  return { anchors, rewards, reportServer: fetch.server, reportFetch: fetch.fetch }
}
