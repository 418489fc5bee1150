/**
 * A Retrohunt (SPEC 19): one ruleset over the file reports this member holds, oldest first, in a scanner
 * process of its own (the live one keeps hunting), until the first of its bounds: samples, bytes read,
 * time. Every match is a signed notification like Livehunt's, stored and streamed, and listed in the result.
 */
import type { AbortOptions } from '@libp2p/interface'
import { hexToBytes } from '@noble/hashes/utils.js'
import type { Logger } from 'pino'
import type { Hex } from '#protocol/messages.ts'
import type { ReportCursor, StoredHuntMatch } from '../db/hunt-repository.ts'
import type { ReportRepository } from '../db/report-repository.ts'
import type { SampleRepository } from '../db/sample-repository.ts'
import type { HuntNotifier } from './hunt-notify.ts'
import { createHuntScanner } from './hunt-scanner.ts'

export interface RetroBounds {
  maxSamples: number
  maxBytes: number
  maxMs: number
}

export const DEFAULT_RETRO_BOUNDS: RetroBounds = { maxSamples: 10_000, maxBytes: 4 * 1024 ** 3, maxMs: 120_000 }

export interface RetroResult {
  rulesetId: Hex
  scanned: number
  bytes: number
  ms: number
  /** what ended it: every held report was read, or a bound */
  stoppedBy: 'end' | 'samples' | 'bytes' | 'time'
  /** samples whose scan ran over the per-sample budget */
  timedOut: number
  matches: StoredHuntMatch[]
}

export interface RetroComponents {
  self: Hex
  vendor: Hex
  reports: Pick<ReportRepository, 'since'>
  samples: Pick<SampleRepository, 'get'>
  readSample: (cid: string, contentKey: Uint8Array, options?: AbortOptions) => Promise<Uint8Array>
  notifier: HuntNotifier
  logger: Logger
  now: () => number
}

const PAGE = 256

export async function runRetrohunt (opts: { rulesetId: Hex, source: string, bounds: Partial<RetroBounds>, compileTimeoutMs: number, scanTimeoutMs: number }, c: RetroComponents, options: AbortOptions = {}): Promise<RetroResult> {
  const bounds = { ...DEFAULT_RETRO_BOUNDS, ...opts.bounds }
  const started = c.now()
  const scanner = createHuntScanner({ compileTimeoutMs: opts.compileTimeoutMs, logger: c.logger })
  const result: RetroResult = { rulesetId: opts.rulesetId, scanned: 0, bytes: 0, ms: 0, stoppedBy: 'end', timedOut: 0, matches: [] }
  const seen = new Set<Hex>()
  try {
    await scanner.load([{ rulesetId: opts.rulesetId, source: opts.source }], options)
    let cursor: ReportCursor | undefined
    outer: for (;;) {
      const page = await c.reports.since(cursor, PAGE, (r) => r.job.job.kind === 'file', options)
      for (const report of page.reports) {
        const job = report.job.job
        if (seen.has(job.sha256)) continue
        if (result.scanned >= bounds.maxSamples) { result.stoppedBy = 'samples'; break outer }
        if (c.now() - started >= bounds.maxMs) { result.stoppedBy = 'time'; break outer }
        const sample = await c.samples.get(job.sha256)
        if (sample === undefined) continue
        if (result.bytes + sample.size > bounds.maxBytes) { result.stoppedBy = 'bytes'; break outer }
        seen.add(job.sha256)
        const bytes = await c.readSample(sample.cid, hexToBytes(sample.contentKey.slice(2)), options)
        result.scanned++
        result.bytes += bytes.length
        const timeoutMs = Math.max(1, Math.min(opts.scanTimeoutMs, bounds.maxMs - (c.now() - started)))
        const outcome = await scanner.match(bytes, { timeoutMs, signal: options.signal })
        if (outcome.status !== 'done') { result.timedOut++; continue }
        const rules = outcome.matches.get(opts.rulesetId)
        if (rules === undefined) continue
        result.matches.push(await c.notifier.notify(c.vendor, { rulesetId: opts.rulesetId, member: c.self, jobId: report.jobId, sha256: job.sha256, membershipBlock: job.membershipBlock, rules, matchedAt: c.now() }))
      }
      if (page.last === undefined || !page.more) break
      cursor = page.last
    }
  } finally {
    await scanner.stop()
  }
  result.ms = c.now() - started
  c.logger.info({ rulesetId: opts.rulesetId, scanned: result.scanned, bytes: result.bytes, matches: result.matches.length, stoppedBy: result.stoppedBy, ms: result.ms }, 'Retrohunt done')
  return result
}
