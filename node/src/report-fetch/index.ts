/**
 * The report fetch protocols on a supernode (SPEC 17, "Reports fetched from peers"): every node serves its
 * reports and anchor proposals; where the deployment anchors epochs, it also fetches the anchored reports
 * and proposals it lacks.
 */
import { createReportFetchService } from './report-fetch-service.ts'
import { createReportFetcher } from './report-fetcher.ts'
import { createReportServer } from './report-server.ts'
import type { FetchChainView } from './report-check.ts'
import type { ReportFetchService } from './report-fetch-service.ts'
import type { Libp2p, Startable } from '@libp2p/interface'
import type { Logger } from 'pino'
import type { AnchorChain } from '../anchors/ports.ts'
import type { Repositories } from '../db/repositories.ts'
import type { ReportFetchMetrics } from '../metrics/registry.ts'

export { PROPOSAL_PROTOCOL, REPORT_PROTOCOL } from './report-wire.ts'

export interface ReportFetchOptions {
  pollIntervalMs: number
}

export interface ReportFetchComponents {
  libp2p: Pick<Libp2p, 'handle' | 'unhandle' | 'dialProtocol' | 'getConnections'>
  chain: FetchChainView
  repos: Pick<Repositories, 'reports' | 'anchors'>
  /** ReportAnchors, where the deployment has it: without it there is no anchored epoch to fill, and the node serves only */
  anchorChain?: Pick<AnchorChain, 'epochBlocks'>
  logger: Logger
  metrics?: ReportFetchMetrics
  /** virusmap_anchors_proposal_conflicts_total: a fetched list under an anchored root that differs from the one held */
  conflicts?: { inc: () => void }
}

export function createReportFetch (opts: ReportFetchOptions, c: ReportFetchComponents): { server: Startable, fetch: ReportFetchService | undefined } {
  const metrics = c.metrics === undefined ? {} : { metrics: c.metrics }
  const server = createReportServer({}, { libp2p: c.libp2p, reports: c.repos.reports, anchors: c.repos.anchors, logger: c.logger, ...metrics })
  const chain = c.anchorChain
  if (chain === undefined) return { server, fetch: undefined }
  const fetcher = createReportFetcher({}, { libp2p: c.libp2p, chain: c.chain, logger: c.logger, ...metrics })
  return {
    server,
    fetch: createReportFetchService({ pollIntervalMs: opts.pollIntervalMs }, {
      fetcher, repos: c.repos, epochBlocks: async (o) => await chain.epochBlocks(o), logger: c.logger, ...(c.conflicts === undefined ? {} : { conflicts: c.conflicts })
    })
  }
}
