/**
 * What the reward function reads of one anchored final report (SPEC section 17): its anchor leaf's
 * facts plus the per-engine results and the members' scan times, all recomputed from the report.
 */
import { leafFactsOf } from '../anchors.ts'
import type { Hex, SampleKind } from '../messages.ts'
import type { Report } from '../report-format.ts'
import { SAMPLE_KINDS, ZERO_ADDRESS } from '../messages.ts'
import { RewardsError } from './errors.ts'
import { FUZZY_ENGINE, isFuzzy, parseFuzzy } from './fuzzy.ts'
import { rewardItemOf } from './item.ts'

export interface RewardFacts {
  jobId: Hex
  /** the epoch whose anchor holds the report */
  epoch: number
  /** what rule 1 counts per (item.ts rewardItemOf): a file's sha256, a URL's or domain's registrable-domain hash, another indicator's subject hash */
  item: Hex
  kind: SampleKind
  origin: Hex
  /** the zero address when unsigned */
  submitter: Hex
  memberCount: number
  faultDivisor: number
  /** members with a verdict in the report, ascending */
  revealed: Hex[]
  /** members whose verdict has a malicious result, ascending */
  detected: Hex[]
  /** members whose verdict has a malicious or suspicious result, ascending */
  flagged: Hex[]
  /** attested engines whose aggregated category is malicious, ascending */
  maliciousEngines: string[]
  suspiciousEngines: string[]
  /** the labels of those engines, lowercase, unique, ascending */
  labels: string[]
  /** the median of the verdicts' scannedAt (the lower one for an even count) */
  firstSeen: number
  /** the TLSH digest the attested `tlsh` engine reported (lowercase), when it reported one */
  fuzzy?: string
}

const flags = (category: string): boolean => category === 'malicious' || category === 'suspicious'

/** The facts of a final report anchored in `epoch`; the caller has checked the report (section 8). */
export function rewardFactsOf (report: Report, epoch: number): RewardFacts {
  const { kind, revealed, detected } = leafFactsOf(report)
  const { jobId } = report
  const { sha256, origin, submitter } = report.job.job
  const entries = Object.entries(report.results).filter(([, e]) => e.attested).toSorted(([a], [b]) => a < b ? -1 : a > b ? 1 : 0)
  const engines = (category: string): string[] => entries.filter(([, e]) => e.category === category).map(([id]) => id)
  const times = report.verdicts.map(v => v.verdict.scannedAt).toSorted((a, b) => a - b)
  const sampleKind = SAMPLE_KINDS[kind] as SampleKind
  const tlsh = report.results[FUZZY_ENGINE]
  const fuzzy = tlsh?.attested === true ? parseFuzzy(tlsh.result) : undefined
  return {
    jobId,
    epoch,
    item: rewardItemOf(sampleKind, sha256, report.job.job.subject),
    kind: sampleKind,
    origin,
    submitter,
    memberCount: report.memberCount,
    faultDivisor: report.faultDivisor,
    revealed,
    detected,
    flagged: report.verdicts.filter(v => v.verdict.results.some(r => flags(r.category))).map(v => v.verdict.member).toSorted(),
    maliciousEngines: engines('malicious'),
    suspiciousEngines: engines('suspicious'),
    labels: [...new Set(entries.filter(([, e]) => flags(e.category) && e.result !== '').map(([, e]) => e.result.toLowerCase()))].toSorted(),
    firstSeen: times[Math.floor((times.length - 1) / 2)] ?? 0,
    ...(fuzzy === undefined ? {} : { fuzzy })
  }
}

const HEX32 = /^0x[0-9a-f]{64}$/
const ADDRESS = /^0x[0-9a-f]{40}$/
const isInt = (n: unknown, min: number): boolean => Number.isSafeInteger(n) && (n as number) >= min
const isList = (list: unknown, re: RegExp | undefined): boolean => Array.isArray(list) && list.length <= 4096 && list.every(x => typeof x === 'string' && (re === undefined || re.test(x)))

const LISTS = ['revealed', 'detected', 'flagged', 'maliciousEngines', 'suspiciousEngines', 'labels'] as const

/**
 * Facts that passed checkFacts and can no longer change (sealFacts froze them and their lists): an epoch's
 * window holds each report's facts for W + 1 epochs, and the check was a quarter of a simulation's CPU.
 */
const checked = new WeakSet<RewardFacts>()

/** Freezes facts and their lists, so that checkFacts, once passed, need not check them again; returns them. */
export function sealFacts (f: RewardFacts): RewardFacts {
  for (const list of LISTS) if (Array.isArray(f[list])) Object.freeze(f[list])
  return Object.freeze(f)
}

const isSealed = (f: RewardFacts): boolean => Object.isFrozen(f) && LISTS.every(list => Object.isFrozen(f[list]))

/** Facts from a file or a peer (vectors, a reconciliation) are held to their shape before use; throws BAD_FACTS. */
export function checkFacts (f: RewardFacts): void {
  if (typeof f === 'object' && f !== null && checked.has(f)) return
  const ok = typeof f === 'object' && f !== null && HEX32.test(String(f.jobId)) && HEX32.test(String(f.item)) && isInt(f.epoch, 0) &&
    (SAMPLE_KINDS as readonly string[]).includes(f.kind) && ADDRESS.test(String(f.origin)) && ADDRESS.test(String(f.submitter)) &&
    isInt(f.memberCount, 1) && isInt(f.faultDivisor, 2) && isInt(f.firstSeen, 0) &&
    isList(f.revealed, ADDRESS) && isList(f.detected, ADDRESS) && isList(f.flagged, ADDRESS) &&
    isList(f.maliciousEngines, undefined) && isList(f.suspiciousEngines, undefined) && isList(f.labels, undefined) &&
    (f.fuzzy === undefined || isFuzzy(f.fuzzy))
  if (!ok) throw new RewardsError('BAD_FACTS', `malformed reward facts for job ${String((f as Partial<RewardFacts> | null)?.jobId)}`)
  if (isSealed(f)) checked.add(f)
}

export const isSigned = (f: RewardFacts): boolean => f.submitter !== ZERO_ADDRESS

/** The wallets whose stake the computation reads (the window's signed submitters), ascending and unique. */
export const stakedWallets = (facts: readonly RewardFacts[]): Hex[] => [...new Set(facts.filter(isSigned).map(f => f.submitter))].toSorted()
