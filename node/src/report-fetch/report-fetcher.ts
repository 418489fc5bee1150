/**
 * Asks connected peers in turn for one anchored report this member lacks, or an anchored epoch's proposal
 * (SPEC 17, "Reports fetched from peers"). Each exchange has its own deadline; an answer is held to report-check.ts before it is
 * taken. A peer that serves a bad answer (malformed bytes, another job's or epoch's report, one the
 * chain does not support) is scored down and not asked again for a while; the next peer is asked.
 */
import { checkFetchedReport, FetchedReportError } from './report-check.ts'
import { readFrame, withStreamSignal, writeFrame } from './report-stream.ts'
import { checkFetchedProposal } from './proposal-fetch-check.ts'
import { sameList } from '../anchors/proposal-check.ts'
import {
  decodeResponse, encodeProposalRequest, encodeRequest, MAX_PROPOSAL_BYTES, MAX_REPORT_BYTES, PROPOSAL_PROTOCOL, REPORT_PROTOCOL, ReportWireError
} from './report-wire.ts'
import type { AnchoredSlot, FetchChainView } from './report-check.ts'
import type { AbortOptions, Libp2p, PeerId, Stream } from '@libp2p/interface'
import type { Logger } from 'pino'
import type { AnchorProposal } from '#protocol/messages.ts'
import type { Report } from '#protocol/report-format.ts'
import type { AnchoredRoot } from './proposal-fetch-check.ts'
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
  /** the proposal whose leaves build `anchored`'s root, from the first peer that serves one that holds */
  fetchProposal(anchored: AnchoredRoot, epochBlocks: number, options?: AbortOptions): Promise<AnchorProposal | undefined>
  /**
   * every connected peer's proposal whose leaves build `anchored`'s root, one per jobId list: a lying peer
   * asked first cannot hide another list under the root (a list's jobIds are signed, not tied to its leaves)
   */
  fetchProposals(anchored: AnchoredRoot, epochBlocks: number, options?: AbortOptions): Promise<AnchorProposal[]>
  /** a peer's standing here: +1 per good answer, -10 per bad one */
  score(peer: string): number
}

/** one question to a peer: its protocol, the framed request, the answer's bound and check */
interface Ask<T> {
  what: string
  protocol: string
  request: Uint8Array
  max: number
  check: (value: unknown) => T
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

  async function exchange<T> (peer: PeerId, ask: Ask<T>, signal: AbortSignal): Promise<{ outcome: FetchOutcome, value?: T, code?: string }> {
    let stream: Stream
    try {
      stream = await libp2p.dialProtocol(peer, ask.protocol, { signal })
    } catch (err) {
      return { outcome: 'unreachable', code: (err as { name?: string }).name ?? 'DIAL' }
    }
    try {
      const payload = await withStreamSignal(stream, signal, async () => {
        await writeFrame(stream, ask.request, { signal })
        return await readFrame(stream, ask.max, { signal })
      })
      const response = decodeResponse(payload)
      if (response.status === 'rate-limited') return { outcome: 'rate-limited' }
      if (response.status !== 'found') return { outcome: 'not-found' }
      return { outcome: 'fetched', value: ask.check(response.report) }
    } catch (err) {
      if (err instanceof ReportWireError || err instanceof FetchedReportError) return { outcome: 'rejected', code: err.code }
      // a hostile answer may break a check in ways it has no code for: still the peer's answer
      if (err instanceof TypeError || err instanceof RangeError) return { outcome: 'rejected', code: 'INVALID_REPORT' }
      return { outcome: 'unreachable', code: (err as { code?: string, name?: string }).code ?? (err as { name?: string }).name ?? 'STREAM' }
    } finally {
      if (stream.status === 'open') stream.abort(new Error('report exchange over'))
    }
  }

  /** connected peers in turn until `take` has enough of the answers that pass `ask.check` */
  async function askPeers<T> (ask: Ask<T>, context: Record<string, unknown>, take: (value: T) => boolean, options: AbortOptions): Promise<void> {
    const peers = candidates()
    if (peers.length === 0) metrics?.fetches.inc({ outcome: 'no-peer' })
    for (const peer of peers) {
      options.signal?.throwIfAborted()
      const signal = options.signal === undefined ? AbortSignal.timeout(timeoutMs) : AbortSignal.any([options.signal, AbortSignal.timeout(timeoutMs)])
      const result = await exchange(peer, ask, signal)
      options.signal?.throwIfAborted()
      metrics?.fetches.inc({ outcome: result.outcome })
      const id = peer.toString()
      if (result.outcome === 'fetched') {
        adjust(id, GOOD)
        logger.info({ ...context, peer: id }, `${ask.what} fetched from a peer`)
        if (take(result.value as T)) return
        continue
      }
      if (result.outcome === 'rejected') {
        adjust(id, BAD)
        logger.warn({ ...context, peer: id, code: result.code }, `a peer served a bad ${ask.what}: refused, peer benched`)
      } else {
        logger.debug({ ...context, peer: id, outcome: result.outcome, code: result.code }, `peer did not serve the ${ask.what}`)
      }
    }
  }

  /** the first answer that passes `ask.check`, from the best-standing peer that gives one */
  async function askFirst<T> (ask: Ask<T>, context: Record<string, unknown>, options: AbortOptions): Promise<T | undefined> {
    let first: T | undefined
    await askPeers(ask, context, (value) => { first = value; return true }, options)
    return first
  }

  function proposalAsk (anchored: AnchoredRoot, epochBlocks: number): Ask<AnchorProposal> {
    return {
      what: 'anchor proposal',
      protocol: PROPOSAL_PROTOCOL,
      request: encodeProposalRequest(anchored.epoch, anchored.root),
      max: MAX_PROPOSAL_BYTES,
      check: (value) => checkFetchedProposal(value, anchored, { ...c.chain, epochBlocks })
    }
  }

  return {
    score: (peer) => scores.get(peer) ?? 0,
    async fetch (slot, options = {}) {
      const ask: Ask<Report> = { what: 'anchored report', protocol: REPORT_PROTOCOL, request: encodeRequest(slot.jobId), max, check: (value) => checkFetchedReport(value, slot, c.chain) }
      return await askFirst(ask, { epoch: slot.epoch, jobId: slot.jobId }, options)
    },
    async fetchProposal (anchored, epochBlocks, options = {}) {
      return await askFirst(proposalAsk(anchored, epochBlocks), { epoch: anchored.epoch, root: anchored.root }, options)
    },
    async fetchProposals (anchored, epochBlocks, options = {}) {
      const lists: AnchorProposal[] = []
      await askPeers(proposalAsk(anchored, epochBlocks), { epoch: anchored.epoch, root: anchored.root }, (proposal) => {
        if (!lists.some((l) => sameList(l.jobIds, proposal.jobIds))) lists.push(proposal)
        return false
      }, options)
      return lists
    }
  }
}
