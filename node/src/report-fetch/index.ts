/**
 * The report fetch protocol on a supernode (SPEC 17, "Reports fetched from peers"): every node serves its
 * report store; where the deployment anchors epochs, the node also fetches the anchored reports it lacks.
 */
import { createReportFetchService } from './report-fetch-service.ts'
import { createReportFetcher } from './report-fetcher.ts'
import { createReportServer } from './report-server.ts'
import type { FetchChainView } from './report-check.ts'
import type { ReportFetchService } from './report-fetch-service.ts'
import type { Libp2p, Startable } from '@libp2p/interface'
import type { Logger } from 'pino'
import type { Repositories } from '../db/repositories.ts'
import type { ReportFetchMetrics } from '../metrics/registry.ts'

export { REPORT_PROTOCOL } from './report-wire.ts'

export interface ReportFetchOptions {
  pollIntervalMs: number
  /** false: serve only (a deployment without ReportAnchors has no anchored epoch to fill) */
  fetch: boolean
}

export interface ReportFetchComponents {
  libp2p: Pick<Libp2p, 'handle' | 'unhandle' | 'dialProtocol' | 'getConnections'>
  chain: FetchChainView
  repos: Pick<Repositories, 'reports' | 'anchors'>
  logger: Logger
  metrics?: ReportFetchMetrics
}

export function createReportFetch (opts: ReportFetchOptions, c: ReportFetchComponents): { server: Startable, fetch: ReportFetchService | undefined } {
  const metrics = c.metrics === undefined ? {} : { metrics: c.metrics }
  const server = createReportServer({}, { libp2p: c.libp2p, reports: c.repos.reports, logger: c.logger, ...metrics })
  if (!opts.fetch) return { server, fetch: undefined }
  const fetcher = createReportFetcher({}, { libp2p: c.libp2p, chain: c.chain, logger: c.logger, ...metrics })
  return { server, fetch: createReportFetchService({ pollIntervalMs: opts.pollIntervalMs }, { fetcher, repos: c.repos, logger: c.logger }) }
}
