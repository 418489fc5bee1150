import { archiveFormat } from './archive.ts'
import { ScanAbortedError } from './engine.ts'
import { detectFileType } from './file-type.ts'
import { hasSessions } from './scan-session.ts'
import type { ArchiveEngine } from './archive-engine.ts'
import type { ArchiveLimit, Expansion } from './archive.ts'
import type { Engine, ScanInput } from './engine.ts'
import type { SessionScan } from './scan-session.ts'
import type { EngineCategory, EngineResult, Hex } from '#protocol/messages.ts'
import type { Logger } from 'pino'
import type { AbortOptions } from '@libp2p/interface'

/** What one archive's members may cost an engine, so a large archive gets a verdict from what fits. */
export interface MemberBudget {
  /** members scanned at most */
  maxMembers: number
  /** member bytes scanned at most; a member that does not fit is skipped and the next tried */
  maxBytes: number
  /** wall-clock time for the members; the member scan in flight at the end is cut short */
  maxMs: number
}

/** within the default 5 s commit window, after the container's own scan and its expansion */
export const DEFAULT_MEMBER_BUDGET: MemberBudget = { maxMembers: 2000, maxBytes: 128 * 1024 * 1024, maxMs: 2000 }

/** How much of an archive an engine judged: the scan detail's `archive`. */
export interface ArchiveCoverage {
  /** members the expansion produced */
  members: number
  scanned: number
  scannedBytes: number
  /** scanned members whose scan ended in timeout or failure */
  failed: number
  /** why members were left unscanned: a malicious one ended the scan, or a budget ran out */
  stoppedBy?: 'detection' | 'members' | 'bytes' | 'time'
  /** the expansion's own limit, when it did not produce every member */
  expansionLimit?: ArchiveLimit
  /** e.g. "scanned 1000 of 1500 members (members budget)" */
  summary: string
}

export interface ArchiveMembersOptions {
  budget?: Partial<MemberBudget>
  logger?: Logger
}

const SEVERITY: Record<EngineCategory, number> = { malicious: 0, suspicious: 1, undetected: 2, harmless: 3, timeout: 4, failure: 5, 'type-unsupported': 6 }
const NO_HASH = `0x${'00'.repeat(32)}` as Hex

const summarize = (c: Omit<ArchiveCoverage, 'summary'>): string =>
  `scanned ${c.scanned} of ${c.members} members` +
  (c.stoppedBy === undefined ? '' : c.stoppedBy === 'detection' ? ' (stopped at a detection)' : ` (${c.stoppedBy} budget)`) +
  (c.expansionLimit === undefined ? '' : `; expansion stopped at its ${c.expansionLimit} limit`)

/**
 * Wraps an engine that sees raw bytes only (YARA, hash lists, heuristics) so an archive sample
 * is also judged by its members: the container is scanned as itself, then each member, within
 * one budget per archive; the most severe detection wins. An engine with sessions scans every
 * member of an archive on one warm scanner. Engines that unpack on their own (ClamAV) are not
 * wrapped.
 */
export function withArchiveMembers (engine: Engine, archives: ArchiveEngine, options: ArchiveMembersOptions = {}): Engine {
  const { logger } = options
  const budget: MemberBudget = { ...DEFAULT_MEMBER_BUDGET, ...options.budget }
  return {
    get name () { return engine.name },
    get version () { return engine.version },
    get signatureDate () { return engine.signatureDate },
    get kinds () { return engine.kinds },
    start: async () => { await engine.start() },
    stop: async () => { await engine.stop() },
    async scan (input, scanOptions) {
      return (await scanDetailed(input, scanOptions)).result
    },
    scanDetailed
  }

  /** the container's own scan keeps its detail; detections inside it can only raise the verdict */
  async function scanDetailed (input: ScanInput, scanOptions: AbortOptions = {}): Promise<{ result: EngineResult, detail?: unknown }> {
    const own = engine.scanDetailed === undefined ? { result: await engine.scan(input, scanOptions) } : await engine.scanDetailed(input, scanOptions)
    if (own.result.category === 'malicious' || archiveFormat(input.bytes) === undefined || !engine.kinds.includes(input.kind)) return own
    let expansion: Expansion | undefined
    try {
      expansion = (await archives.expand(input, scanOptions)).detail
    } catch (err) {
      if (err instanceof ScanAbortedError) throw err
      logger?.warn({ engine: engine.name, err }, 'archive expansion failed; container scanned alone')
      return own
    }
    if (expansion === undefined) return own
    const { best, coverage } = await scanMembers(own.result, expansion, input, { signal: scanOptions.signal })
    if (coverage.stoppedBy !== undefined && coverage.stoppedBy !== 'detection') logger?.info({ engine: engine.name, sha256: input.sha256, ...coverage }, 'archive members scanned within budget')
    const detail = typeof own.detail === 'object' && own.detail !== null ? { ...own.detail, archive: coverage } : { archive: coverage }
    return { result: best, detail }
  }

  async function scanMembers (own: EngineResult, expansion: Expansion, input: ScanInput, { signal }: AbortOptions = {}): Promise<{ best: EngineResult, coverage: ArchiveCoverage }> {
    const deadline = AbortSignal.timeout(budget.maxMs)
    const memberSignal = signal === undefined ? deadline : AbortSignal.any([signal, deadline])
    const c: Omit<ArchiveCoverage, 'summary'> = {
      members: expansion.members.length, scanned: 0, scannedBytes: 0, failed: 0, ...(expansion.limit !== undefined ? { expansionLimit: expansion.limit } : {})
    }
    let best = own
    const run = async (scan: SessionScan): Promise<void> => {
      for (const member of expansion.members) {
        if (c.scanned >= budget.maxMembers) { c.stoppedBy = 'members'; return }
        if (deadline.aborted) { c.stoppedBy = 'time'; return }
        if (c.scannedBytes + member.bytes.length > budget.maxBytes) { c.stoppedBy ??= 'bytes'; continue }
        let r: EngineResult
        try {
          r = await scan({ bytes: member.bytes, sha256: NO_HASH, fileType: member.fileType || detectFileType(member.bytes), kind: input.kind }, { signal: memberSignal })
        } catch (err) {
          if (err instanceof ScanAbortedError && deadline.aborted && signal?.aborted !== true) { c.stoppedBy = 'time'; return }
          throw err
        }
        c.scanned++
        c.scannedBytes += member.bytes.length
        if (r.category === 'timeout' || r.category === 'failure') c.failed++
        if ((r.category === 'malicious' || r.category === 'suspicious') && SEVERITY[r.category] < SEVERITY[best.category]) {
          best = r
          logger?.debug({ engine: engine.name, member: member.path, result: r.result }, 'detection inside an archive')
          if (r.category === 'malicious') {
            if (c.scanned < c.members) c.stoppedBy ??= 'detection'
            return
          }
        }
      }
    }
    if (hasSessions(engine)) await engine.withSession(run, { signal })
    else await run(async (member, scanOptions) => await engine.scan(member, scanOptions))
    return { best, coverage: { ...c, summary: summarize(c) } }
  }
}
