/**
 * The labelled hosts the reputation model is trained on: each source's hosts (parsed by the node's
 * parseSource) under the source's label, a host two sources label differently dropped.
 */
import { parseSource } from '../../src/intel/reputation/datasets.ts'
import type { SourceFormat } from '../../src/intel/reputation/datasets.ts'
import type { ThreatLabel } from '../../src/intel/reputation/threat-dictionary.ts'

/** One labelled host and where its label came from. */
export interface LabelledHost { host: string, label: ThreatLabel, source: string }

export interface SourceText { name: string, label: ThreatLabel, text: string, format: SourceFormat }

export interface LabelledSet { hosts: LabelledHost[], conflicts: number, perSource: Record<string, number> }

/** All sources together; a host two sources label differently is dropped (counted in conflicts). */
export function labelHosts (sources: readonly SourceText[]): LabelledSet {
  const seen = new Map<string, LabelledHost>()
  const conflicted = new Set<string>()
  const perSource: Record<string, number> = {}
  for (const s of sources) {
    const hosts = parseSource(s.format, s.text)
    perSource[s.name] = hosts.length
    for (const host of hosts) {
      const prior = seen.get(host)
      if (prior === undefined) seen.set(host, { host, label: s.label, source: s.name })
      else if (prior.label !== s.label) conflicted.add(host)
    }
  }
  const hosts = [...seen.values()].filter(h => !conflicted.has(h.host)).toSorted((a, b) => a.host < b.host ? -1 : a.host > b.host ? 1 : 0)
  return { hosts, conflicts: conflicted.size, perSource }
}
