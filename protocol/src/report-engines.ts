/**
 * Per-engine aggregation of a report (SPEC section 8, steps 5 and 6): an engine's result comes from
 * the members registered for it on chain, and only an engine a quorum of its holders answered counts
 * in the stats. Pure; report.ts has checked every verdict before this runs.
 */
import { ENGINE_CATEGORIES } from './messages.ts'
import { quorumThreshold } from './quorum.ts'
import type { EngineCategory, EngineResult, Hex, SignedVerdict } from './messages.ts'
import type { ReportEngineEntry, ReportStats } from './report-format.ts'

export function aggregateEngines (
  verdicts: SignedVerdict[], registrations: Record<string, Hex[]>, faultDivisor: number
): { results: Record<string, ReportEngineEntry>, stats: ReportStats } {
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
    const registered = registrations[engine]?.length ?? 0
    const category = mostCommon(votes.map(v => v.result.category), byCategorySeverity)
    const agreeing = votes.filter(v => v.result.category === category)
    const attested = votes.length >= quorumThreshold(Math.max(1, registered), faultDivisor)
    entries.push([engine, {
      engine,
      engineVersion: greatest(agreeing.map(v => v.result.engineVersion)),
      engineUpdate: greatest(agreeing.map(v => v.result.engineUpdate)),
      category,
      result: mostCommon(agreeing.map(v => v.result.result), byString),
      method: greatest(agreeing.map(v => v.result.method)),
      members: agreeing.map(v => v.member),
      answered: votes.length,
      registered,
      attested
    }])
    if (attested) stats[category]++
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
