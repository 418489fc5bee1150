// The member engine over wallet guards' reports (issue 15 item 5): each member records the signed
// guard reports its scans carry, one per distinct submitter and subject, and calls a subject
// suspicious once GUARD_REPORT_QUORUM distinct submitters reported it (guard-reports.ts). A job
// that is no guard report is judged on the reports stored before it, so a later plain
// submission of a subject the guards reported comes back suspicious too.
import type { Logger } from 'pino'
import type { EngineResult, IndicatorKind } from '#protocol/messages.ts'
import type { GuardReportRepository } from '../db/guard-report-repository.ts'
import { EngineNotStartedError, ScanAbortedError, type Engine, type ScanInput } from '../scan/engine.ts'
import { GUARD_REPORT_QUORUM, GUARD_REPORT_WINDOW_MS, isGuardReport, judgeGuardReports } from './guard-reports.ts'
import { readSubject, yyyymmdd } from './indicator-subject.ts'
import type { AbortOptions } from '@libp2p/interface'

export const GUARD_REPORTS_ENGINE_NAME = 'VirusMap-GuardReports'
export const GUARD_REPORTS_ENGINE_VERSION = '1.0.0'
/** what --report-to sends: the kinds guard-indicators.ts reports */
const KINDS: readonly IndicatorKind[] = ['wallet', 'domain', 'url', 'script']

export interface GuardReportsEngineOptions {
  reports: GuardReportRepository
  quorum?: number
  windowMs?: number
  logger?: Logger
}

export function createGuardReportsEngine (options: GuardReportsEngineOptions): Engine {
  const quorum = options.quorum ?? GUARD_REPORT_QUORUM
  const windowMs = options.windowMs ?? GUARD_REPORT_WINDOW_MS
  let startedAt: number | undefined
  const result = (category: EngineResult['category'], label = ''): EngineResult => ({
    engine: GUARD_REPORTS_ENGINE_NAME,
    engineVersion: GUARD_REPORTS_ENGINE_VERSION,
    engineUpdate: yyyymmdd(startedAt ?? 0),
    category,
    result: label,
    method: 'blacklist'
  })
  return {
    name: GUARD_REPORTS_ENGINE_NAME,
    version: GUARD_REPORTS_ENGINE_VERSION,
    get signatureDate () { return yyyymmdd(startedAt ?? 0) },
    kinds: KINDS,
    async start () { startedAt ??= Date.now() },
    async stop () { startedAt = undefined },
    async scan (input: ScanInput, scanOptions: AbortOptions = {}) {
      if (startedAt === undefined) throw new EngineNotStartedError(GUARD_REPORTS_ENGINE_NAME)
      const aborted = (): boolean => scanOptions.signal?.aborted === true
      if (aborted()) throw new ScanAbortedError({ cause: scanOptions.signal?.reason })
      const subject = readSubject(input, KINDS)
      // outside a member's scan of a job there is no submitter to count
      if (subject === undefined || input.job === undefined) return result('type-unsupported')
      const { job } = input
      try {
        if (isGuardReport(job)) await options.reports.record(subject.kind, input.sha256, { submitter: job.submitter.toLowerCase() as typeof job.submitter, submittedAt: job.submittedAt }, windowMs, scanOptions)
        const judged = judgeGuardReports(await options.reports.reports(subject.kind, input.sha256, scanOptions), job, { quorum, windowMs })
        return result(judged.category, judged.result)
      } catch (err) {
        if (aborted()) throw new ScanAbortedError({ cause: err })
        options.logger?.warn({ err, kind: subject.kind }, 'guard reports unreadable')
        return result('failure')
      }
    }
  }
}
