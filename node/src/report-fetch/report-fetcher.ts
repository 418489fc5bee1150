/**
 * Asks connected peers in turn for one anchored report this member lacks (SPEC 17, "Reports fetched
 * from peers"). Each exchange has its own deadline; an answer is held to report-check.ts before it is
 * taken. A peer that serves a bad answer (malformed bytes, another job's or epoch's report, one the
 * chain does not support) is scored down and not asked again for a while; the next peer is asked.
 */
import { checkFetchedReport, FetchedReportError } from './report-check.ts'
import { readFrame, withStreamSignal, writeFrame } from './report-stream.ts'
import { decodeResponse, encodeRequest, MAX_REPORT_BYTES, REPORT_PROTOCOL, ReportWireError } from './report-wire.ts'
import type { AnchoredSlot, FetchChainView } from './report-check.ts'
import type { AbortOptions, Libp2p, PeerId, Stream } from '@libp2p/interface'
import type { Logger } from 'pino'
import type { Report } from '#protocol/messages.ts'
import type { ReportFetchMetrics } from '../metrics/registry.ts'

export type FetchOutcome = 'fetched' | 'not-found' | 'rate-limited' | 'rejected' | 'unreachable'

export interface ReportFetcherOptions {
  /** one peer's exchange deadline, ms (default 10 s) */
  timeoutMs?: number
  /** how long a peer that served a bad answer is not asked (default 10 min) */
  badPeerCooldownMs?: number
  maxReportBytes?: number
}

export interface ReportFetcherComponents {
  libp2p: Pick<Libp2p, 'dialProtocol' | 'getConnections'>
  chain: FetchChainView
  logger: Logger
  metrics?: ReportFetchMetrics
  now?: () => number
}

export interface ReportFetcher {
  /** the anchored report from the first peer that serves it whole; undefined when no peer did */
  fetch(slot: AnchoredSlot, options?: AbortOptions): Promise<Report | undefined>
  /** a peer's standing here: +1 per good answer, -10 per bad one */
  score(peer: string): number
}

const GOOD = 1
const BAD = -10
/** peers whose standing is remembered at once; the oldest is forgotten first */
const MAX_SCORED = 4096

export function createReportFetcher (opts: ReportFetcherOptions, c: ReportFetcherComponents): ReportFetcher {
  const { libp2p, logger, metrics } = c
  const now = c.now ?? Date.now
  const timeoutMs = opts.timeoutMs ?? 10_000
  const cooldownMs = opts.badPeerCooldownMs ?? 600_000
  const max = opts.maxReportBytes ?? MAX_REPORT_BYTES
  const scores = new Map<string, number>()
  const benchedUntil = new Map<string, number>()

  function adjust (peer: string, delta: number): void {
    const score = (scores.get(peer) ?? 0) + delta
    scores.delete(peer)
    if (scores.size >= MAX_SCORED) scores.delete(scores.keys().next().value as string)
    scores.set(peer, score)
    if (delta < 0) {
      benchedUntil.set(peer, now() + cooldownMs)
      if (benchedUntil.size > MAX_SCORED) benchedUntil.delete(benchedUntil.keys().next().value as string)
    }
  }

  /** connected peers not benched, best standing first */
  function candidates (): PeerId[] {
    const peers = new Map<string, PeerId>()
    for (const conn of libp2p.getConnections()) peers.set(conn.remotePeer.toString(), conn.remotePeer)
    return [...peers.entries()]
      .filter(([id]) => (benchedUntil.get(id) ?? 0) <= now())
      .toSorted(([a], [b]) => (scores.get(b) ?? 0) - (scores.get(a) ?? 0))
      .map(([, peer]) => peer)
  }

  async function exchange (peer: PeerId, slot: AnchoredSlot, signal: AbortSignal): Promise<{ outcome: FetchOutcome, report?: Report, code?: string }> {
    let stream: Stream
    try {
      stream = await libp2p.dialProtocol(peer, REPORT_PROTOCOL, { signal })
    } catch (err) {
      return { outcome: 'unreachable', code: (err as { name?: string }).name ?? 'DIAL' }
    }
    try {
      const payload = await withStreamSignal(stream, signal, async () => {
        await writeFrame(stream, encodeRequest(slot.jobId), { signal })
        return await readFrame(stream, max, { signal })
      })
      const response = decodeResponse(payload)
      if (response.status === 'rate-limited') return { outcome: 'rate-limited' }
      if (response.status !== 'found') return { outcome: 'not-found' }
      return { outcome: 'fetched', report: checkFetchedReport(response.report, slot, c.chain) }
    } catch (err) {
      if (err instanceof ReportWireError || err instanceof FetchedReportError) return { outcome: 'rejected', code: err.code }
      // a hostile report may break a check in ways it has no code for: still the peer's answer
      if (err instanceof TypeError || err instanceof RangeError) return { outcome: 'rejected', code: 'INVALID_REPORT' }
      return { outcome: 'unreachable', code: (err as { code?: string, name?: string }).code ?? (err as { name?: string }).name ?? 'STREAM' }
    } finally {
      if (stream.status === 'open') stream.abort(new Error('report exchange over'))
    }
  }

  return {
    score: (peer) => scores.get(peer) ?? 0,
    async fetch (slot, options = {}) {
      const peers = candidates()
      if (peers.length === 0) metrics?.fetches.inc({ outcome: 'no-peer' })
      for (const peer of peers) {
        options.signal?.throwIfAborted()
        const signal = options.signal === undefined ? AbortSignal.timeout(timeoutMs) : AbortSignal.any([options.signal, AbortSignal.timeout(timeoutMs)])
        const result = await exchange(peer, slot, signal)
        options.signal?.throwIfAborted()
        metrics?.fetches.inc({ outcome: result.outcome })
        const id = peer.toString()
        if (result.outcome === 'fetched') {
          adjust(id, GOOD)
          logger.info({ epoch: slot.epoch, jobId: slot.jobId, peer: id }, 'anchored report fetched from a peer')
          return result.report
        }
        if (result.outcome === 'rejected') {
          adjust(id, BAD)
          logger.warn({ epoch: slot.epoch, jobId: slot.jobId, peer: id, code: result.code }, 'a peer served a bad report: refused, peer benched')
        } else {
          logger.debug({ epoch: slot.epoch, jobId: slot.jobId, peer: id, outcome: result.outcome, code: result.code }, 'peer did not serve the report')
        }
      }
      return undefined
    }
  }
}
