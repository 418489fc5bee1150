/**
 * Serves `/virusmap/report/1.0.0` from this node's report store (SPEC 17, "Reports fetched from peers"):
 * one jobId in, the stored report out, to any peer; and `/virusmap/anchor-proposal/1.0.0` from its anchor
 * proposals: an anchored epoch and root in, the proposal whose leaves build it out. What is served is what a quorum signed, so serving
 * it discloses nothing the API does not; each peer is held to a request budget per minute, every
 * exchange to a deadline and a size bound, and inbound streams to a few at once.
 */
import { LogBudget } from '../network/log-budget.ts'
import { withStreamSignal, readFrame, writeFrame } from './report-stream.ts'
import {
  decodeProposalRequest, decodeRequest, encodeResponse, JOB_ID_BYTES, MAX_PROPOSAL_BYTES, MAX_REPORT_BYTES, PROPOSAL_PROTOCOL, PROPOSAL_REQUEST_BYTES, REPORT_PROTOCOL, ReportWireError
} from './report-wire.ts'
import type { ReportResponse } from './report-wire.ts'
import type { Connection, Libp2p, Startable, Stream } from '@libp2p/interface'
import type { Logger } from 'pino'
import type { Hex } from '#protocol/messages.ts'
import type { Report } from '#protocol/report-format.ts'
import type { AnchorRepository } from '../db/anchor-repository.ts'
import type { ReportFetchMetrics } from '../metrics/registry.ts'

export interface ReportServerOptions {
  /** requests one peer may make per minute; more are answered rate-limited (default 120) */
  requestsPerMinute?: number
  /** one exchange's deadline, ms (default 10 s) */
  timeoutMs?: number
  /** inbound streams of this protocol open at once per connection (default 4) */
  maxInboundStreams?: number
  maxReportBytes?: number
  now?: () => number
}

export interface ReportServerComponents {
  libp2p: Pick<Libp2p, 'handle' | 'unhandle'>
  /** the report store: withdrawn reports are not in it */
  reports: { get(jobId: Hex): Promise<Report | undefined> }
  /** the anchor proposals kept (a node without ReportAnchors serves reports only) */
  anchors?: Pick<AnchorRepository, 'proposal'>
  logger: Logger
  metrics?: ReportFetchMetrics
}

export function createReportServer (opts: ReportServerOptions, c: ReportServerComponents): Startable {
  const { libp2p, reports, logger, metrics } = c
  const timeoutMs = opts.timeoutMs ?? 10_000
  const max = opts.maxReportBytes ?? MAX_REPORT_BYTES
  const budget = new LogBudget({ perWindow: opts.requestsPerMinute ?? 120, windowMs: 60_000, maxKeys: 4096, ...(opts.now === undefined ? {} : { now: opts.now }) })

  const lookups: Record<string, { requestBytes: number, max: number, find: (payload: Uint8Array) => Promise<object | undefined> }> = {
    [REPORT_PROTOCOL]: { requestBytes: JOB_ID_BYTES, max, find: async (payload) => await reports.get(decodeRequest(payload)) },
    [PROPOSAL_PROTOCOL]: {
      requestBytes: PROPOSAL_REQUEST_BYTES,
      max: MAX_PROPOSAL_BYTES,
      find: async (payload) => {
        const { epoch, root } = decodeProposalRequest(payload)
        const stored = await c.anchors?.proposal(epoch, root)
        // served as the gossip message it was (SPEC 15), whatever else the store keeps with it
        return stored === undefined
          ? undefined
          : { type: 'anchor-proposal', proposer: stored.proposer, epoch: stored.epoch, root: stored.root, leafCount: stored.leafCount, jobIds: stored.jobIds, leaves: stored.leaves, signature: stored.signature }
      }
    }
  }

  async function answer (stream: Stream, signal: AbortSignal): Promise<ReportResponse> {
    const lookup = lookups[stream.protocol] ?? lookups[REPORT_PROTOCOL] as (typeof lookups)[string]
    const found = await lookup.find(await readFrame(stream, lookup.requestBytes, { signal }))
    return found === undefined ? { status: 'not-found' } : { status: 'found', report: found }
  }

  async function serve (stream: Stream, connection: Connection): Promise<void> {
    const peer = connection.remotePeer.toString()
    const signal = AbortSignal.timeout(timeoutMs)
    const bound = stream.protocol === PROPOSAL_PROTOCOL ? MAX_PROPOSAL_BYTES : max
    let response: ReportResponse = { status: 'rate-limited' }
    try {
      // every stream counts, malformed ones too; one over the budget is not read
      if (budget.admit(peer).allowed) response = await withStreamSignal(stream, signal, async () => await answer(stream, signal))
    } catch (err) {
      if (!(err instanceof ReportWireError)) {
        stream.abort(err instanceof Error ? err : new Error(String(err)))
        metrics?.served.inc({ outcome: 'failed' })
        logger.debug({ err, peer }, 'report request failed')
        return
      }
      response = { status: 'bad-request' }
      logger.debug({ peer, code: err.code }, 'malformed report request')
    }
    metrics?.served.inc({ outcome: response.status })
    await withStreamSignal(stream, signal, async () => { await writeFrame(stream, encodeResponse(response, bound), { signal }) }).catch((err: unknown) => {
      stream.abort(err instanceof Error ? err : new Error(String(err)))
    })
  }

  return {
    async start () {
      await libp2p.handle(REPORT_PROTOCOL, serve, { maxInboundStreams: opts.maxInboundStreams ?? 4 })
      if (c.anchors !== undefined) await libp2p.handle(PROPOSAL_PROTOCOL, serve, { maxInboundStreams: opts.maxInboundStreams ?? 4 })
    },
    async stop () {
      await libp2p.unhandle(REPORT_PROTOCOL)
      if (c.anchors !== undefined) await libp2p.unhandle(PROPOSAL_PROTOCOL)
    }
  }
}
