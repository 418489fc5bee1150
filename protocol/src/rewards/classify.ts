/** A report's reward class (SPEC section 17) and the order that decides who was first. */
import type { RewardFacts } from './facts.ts'
import type { RewardParams } from './params.ts'

export type RewardClass = 'malicious' | 'suspicious' | 'test' | 'none'

/** f of the report's own membership: the most faulty members its quorum tolerates. */
export function faultsOf (f: Pick<RewardFacts, 'memberCount' | 'faultDivisor'>): number {
  return Math.floor((f.memberCount - 1) / f.faultDivisor)
}

/** What made a report a test signature: its sha256, or the first label holding a `testLabels` entry; undefined when none. */
export function testSignatureOf (f: RewardFacts, params: RewardParams): string | undefined {
  if (params.testSha256.includes(f.item)) return f.item
  return f.labels.find(label => params.testLabels.some(t => label.includes(t)))
}

export function isTestSignature (f: RewardFacts, params: RewardParams): boolean {
  return testSignatureOf(f, params) !== undefined
}

/** What `classify` read of a report (`virusmap rewards explain`). */
export interface ClassEvidence {
  /** f+1 of the report's own membership: the detecting (flagging) members a class needs */
  needed: number
  detected: number
  flagged: number
  maliciousEngines: string[]
  suspiciousEngines: string[]
  /** the sha256 or label that made it a test signature */
  testSignature?: string
}

export function classEvidence (f: RewardFacts, params: RewardParams): ClassEvidence {
  const test = testSignatureOf(f, params)
  return {
    needed: faultsOf(f) + 1,
    detected: f.detected.length,
    flagged: f.flagged.length,
    maliciousEngines: [...f.maliciousEngines],
    suspiciousEngines: [...f.suspiciousEngines],
    ...(test === undefined ? {} : { testSignature: test })
  }
}

/**
 * malicious: f+1 distinct detecting members and two malicious engines, so one member's own engines never
 * suffice; suspicious: f+1 flagging members and two flagging engines; test signatures are their own class.
 */
export function classify (f: RewardFacts, params: RewardParams): RewardClass {
  if (isTestSignature(f, params)) return 'test'
  const needed = faultsOf(f) + 1
  if (f.detected.length >= needed && f.maliciousEngines.length >= 2) return 'malicious'
  const engines = new Set([...f.maliciousEngines, ...f.suspiciousEngines])
  if (f.flagged.length >= needed && engines.size >= 2) return 'suspicious'
  return 'none'
}

export const isConfirmed = (c: RewardClass): boolean => c === 'malicious' || c === 'suspicious'

/** First by the robust time, then by jobId: the same order on every member. */
export function firstOrder (a: RewardFacts, b: RewardFacts): number {
  if (a.firstSeen !== b.firstSeen) return a.firstSeen - b.firstSeen
  return a.jobId < b.jobId ? -1 : a.jobId > b.jobId ? 1 : 0
}
