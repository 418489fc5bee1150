/**
 * Reports are a deterministic function of a signed job and the signed verdicts they carry, so any
 * node or light client recomputes them bit for bit (checkReport). Membership of the signers at the
 * job's block is on chain; pass `members` to checkReport to have it checked too.
 */
import { scanJobId, verdictHash } from './eip712.ts'
import { parseMessage } from './encoding.ts'
import { GossipValidationError, ReportInvalidError } from './errors.ts'
import { ENGINE_CATEGORIES } from './messages.ts'
import { quorumThreshold } from './quorum.ts'
import { recoverScanJobSigner, recoverVerdictSigner } from './signing.ts'
import type { ReportCode } from './errors.ts'
import type { EngineCategory, EngineResult, Hex, Report, ReportEngineEntry, ReportStats, SignedScanJob, SignedVerdict } from './messages.ts'

export interface DeriveReportInput {
  job: SignedScanJob
  verdicts: SignedVerdict[]
  /** number of members at the job's membership block */
  memberCount: number
  /** the network's quorumFaultDivisor at the job's membership block (3 when never set) */
  faultDivisor: number
  chainId: number
  registry: Hex
}

/** Throws ReportInvalidError when a signature fails, a verdict is for another job, or there is no quorum. */
export function deriveReport (input: DeriveReportInput): Report {
  const { job, chainId } = input
  checkCarried(input)
  const registry = input.registry.toLowerCase() as Hex
  const jobId = scanJobId(job.job, chainId, registry)
  if (recoverOrFail(() => recoverScanJobSigner(job, chainId, registry)) !== job.job.origin) fail('BAD_SIGNATURE', 'job not signed by its origin')

  const byMember = new Map<Hex, { msg: SignedVerdict, hash: Hex }>()
  for (const msg of input.verdicts) {
    const v = msg.verdict
    if (v.jobId !== jobId || v.sha256 !== job.job.sha256 || v.membershipBlock !== job.job.membershipBlock) {
      fail('JOB_MISMATCH', 'verdict is for another job')
    }
    if (recoverOrFail(() => recoverVerdictSigner(msg, chainId, registry)) !== v.member) fail('BAD_SIGNATURE', 'verdict not signed by its member')
    const hash = verdictHash(v)
    const kept = byMember.get(v.member)
    // Keep one verdict per member; which one must not depend on arrival order.
    if (kept === undefined || hash < kept.hash || (hash === kept.hash && msg.signature < kept.msg.signature)) {
      byMember.set(v.member, { msg, hash })
    }
  }
  const verdicts = [...byMember.keys()].toSorted().map(m => (byMember.get(m) as { msg: SignedVerdict }).msg)

  let quorum: number
  try {
    quorum = quorumThreshold(input.memberCount, input.faultDivisor)
  } catch (err) {
    throw new ReportInvalidError('MALFORMED', 'memberCount must be a positive integer and faultDivisor an integer >= 2', { cause: err })
  }
  if (verdicts.length > input.memberCount) fail('MEMBER_COUNT_MISMATCH', 'more verdicts than members')
  if (verdicts.length < quorum) fail('NO_QUORUM', `${verdicts.length} verdicts, quorum is ${quorum}`)

  const { results, stats } = aggregate(verdicts)
  const date = Math.max(...verdicts.map(v => v.verdict.scannedAt))
  return { jobId, chainId, registry, job, verdicts, memberCount: input.memberCount, faultDivisor: input.faultDivisor, quorum, results, stats, date }
}

/** Reports arrive from untrusted servers: hold what they carry to the gossip schema before reading it. */
function checkCarried (input: DeriveReportInput): void {
  if (!Array.isArray(input.verdicts) || !Number.isSafeInteger(input.chainId) ||
    typeof input.registry !== 'string' || !/^0x[0-9a-fA-F]{40}$/.test(input.registry)) {
    fail('MALFORMED', 'verdicts, chainId or registry malformed')
  }
  try {
    parseMessage('jobs', input.job)
    for (const v of input.verdicts) parseMessage('verdicts', v)
  } catch (err) {
    if (err instanceof GossipValidationError) throw new ReportInvalidError('MALFORMED', 'a carried message is malformed', { cause: err })
    throw err
  }
}

function aggregate (verdicts: SignedVerdict[]): { results: Record<string, ReportEngineEntry>, stats: ReportStats } {
  const perEngine = new Map<string, Array<{ member: Hex, result: EngineResult }>>()
  for (const { verdict } of verdicts) {
    for (const result of verdict.results) {
      const list = perEngine.get(result.engine) ?? []
      list.push({ member: verdict.member, result })
      perEngine.set(result.engine, list)
    }
  }
  const stats = Object.fromEntries(ENGINE_CATEGORIES.map(c => [c, 0])) as unknown as ReportStats
  const entries: Array<[string, ReportEngineEntry]> = []
  for (const engine of [...perEngine.keys()].toSorted()) {
    const votes = perEngine.get(engine) ?? []
    const category = mostCommon(votes.map(v => v.result.category), byCategorySeverity)
    const agreeing = votes.filter(v => v.result.category === category)
    entries.push([engine, {
      engine,
      engineVersion: greatest(agreeing.map(v => v.result.engineVersion)),
      engineUpdate: greatest(agreeing.map(v => v.result.engineUpdate)),
      category,
      result: mostCommon(agreeing.map(v => v.result.result), byString),
      method: greatest(agreeing.map(v => v.result.method)),
      members: agreeing.map(v => v.member)
    }])
    stats[category]++
  }
  // fromEntries defines own properties, so an engine called "constructor" cannot reach the prototype.
  return { results: Object.fromEntries(entries), stats }
}

/** The value most entries hold; among equally common values, the first by `order`. */
function mostCommon<T extends string> (values: T[], order: (a: T, b: T) => number): T {
  const counts = new Map<T, number>()
  for (const v of values) counts.set(v, (counts.get(v) ?? 0) + 1)
  const ranked = [...counts.entries()].toSorted((a, b) => (b[1] - a[1]) || order(a[0], b[0]))
  return (ranked[0] as [T, number])[0]
}

function byCategorySeverity (a: EngineCategory, b: EngineCategory): number {
  return ENGINE_CATEGORIES.indexOf(a) - ENGINE_CATEGORIES.indexOf(b)
}

function byString (a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0
}

function greatest (values: string[]): string {
  return values.reduce((max, v) => (v > max ? v : max))
}

export interface CheckReportOptions {
  /** the members at the job's block, from the chain: checks memberCount and every signer's membership */
  members?: Hex[]
  /** the quorumFaultDivisor at the job's block, from the chain: a report may not claim a smaller quorum */
  faultDivisor?: number
}

/** Recomputes the report from what it carries and throws ReportInvalidError on the first difference. */
export function checkReport (report: Report, options: CheckReportOptions = {}): void {
  if (typeof report !== 'object' || report === null) fail('MALFORMED', 'report is not an object')
  const derived = deriveReport({
    job: report.job, verdicts: report.verdicts, memberCount: report.memberCount, faultDivisor: report.faultDivisor, chainId: report.chainId, registry: report.registry
  })
  if (report.jobId !== derived.jobId) fail('JOB_ID_MISMATCH', 'jobId is not the digest of the carried job')
  if (derived.verdicts.length !== report.verdicts.length) fail('DUPLICATE_MEMBER', 'more than one verdict from a member')
  if (options.members !== undefined) {
    const members = new Set(options.members.map(m => m.toLowerCase()))
    if (members.size !== report.memberCount) fail('MEMBER_COUNT_MISMATCH', 'memberCount differs from the chain')
    if (!members.has(report.job.job.origin)) fail('NOT_MEMBER', 'origin not a member at the job block')
    for (const v of report.verdicts) if (!members.has(v.verdict.member)) fail('NOT_MEMBER', 'signer not a member at the job block')
  }
  if (options.faultDivisor !== undefined && report.faultDivisor !== options.faultDivisor) {
    fail('FAULT_DIVISOR_MISMATCH', `report uses fault divisor ${report.faultDivisor}, the chain says ${options.faultDivisor}`)
  }
  if (canonical(report) !== canonical(derived)) fail('DERIVATION_MISMATCH', 'report differs from its derivation')
}

/** JSON with object keys sorted: compares reports independently of key order. */
function canonical (value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) => {
    if (typeof v !== 'object' || v === null || Array.isArray(v)) return v
    return Object.fromEntries(Object.keys(v).toSorted().map(k => [k, (v as Record<string, unknown>)[k]]))
  })
}

function recoverOrFail (fn: () => Hex): Hex {
  try {
    return fn()
  } catch (err) {
    throw new ReportInvalidError('BAD_SIGNATURE', 'signature does not recover', { cause: err })
  }
}

function fail (code: ReportCode, message: string): never {
  throw new ReportInvalidError(code, message)
}
