/**
 * The scan outcome as a calibrated stand-in for the members' engines, turned into the RewardFacts the
 * real reward function reads. Engines are deterministic (a sample's hits are drawn once, by
 * engine-hits.ts, and kept); each honest member reports what the engines say unless it misses
 * (memberMiss); colluding members detect the ring's fabrications with their own two engines, which the
 * report then carries as attested.
 */
import type { Hex } from '#protocol/messages.ts'
import { sealFacts } from '#protocol/rewards/index.ts'
import type { RewardFacts } from '#protocol/rewards/index.ts'
import type { Rng } from '../prng.ts'
import type { DetectionParams } from './params.ts'
import { digestOf } from './world.ts'
import type { Sample } from './world.ts'

export interface ScanContext {
  jobId: Hex
  epoch: number
  submitter: Hex
  origin: Hex
  firstSeen: number
  /** every member, ascending */
  members: readonly Hex[]
  ring: ReadonlySet<Hex>
}

/**
 * The report's facts. Labels follow the engines that flagged (ClamAV and YARA name the family, ML says
 * `ml.generic`, the public list its own name); with `fuzzy` the `tlsh` engine adds the sample's digest,
 * which the reward function's near-duplicate rule prefers to the labels.
 */
export function scanFacts (rng: Rng, d: DetectionParams, s: Sample, c: ScanContext): RewardFacts {
  const { hits } = s
  const ringEngines = s.ring && c.ring.size > 0
  const maliciousEngines = [hits.clamav && 'clamav', hits.yara && 'yara', s.listed && 'VirusMap-HashList', ringEngines && 'ring-av', ringEngines && 'ring-yara']
    .filter((e): e is string => typeof e === 'string').toSorted()
  const labels = [hits.clamav && `win.trojan.${s.family}`, hits.yara && `${s.family}.yara`, s.listed && `list.${s.family}`, hits.ml && 'ml.generic', ringEngines && `${s.family}.ring`]
    .filter((l): l is string => typeof l === 'string').toSorted()
  const enginesSayMalicious = hits.clamav || hits.yara || s.listed
  const detected: Hex[] = []
  const flagged: Hex[] = []
  for (const m of c.members) {
    const sees = rng.next() >= d.memberMiss
    const isDetecting = (sees && enginesSayMalicious) || (ringEngines && c.ring.has(m))
    if (isDetecting) detected.push(m)
    if (isDetecting || (sees && hits.ml)) flagged.push(m)
  }
  // sealed: the reward function checks facts once, not in each of the W + 1 windows that hold them
  return sealFacts({
    jobId: c.jobId,
    epoch: c.epoch,
    item: s.item,
    kind: 'file',
    origin: c.origin,
    submitter: c.submitter,
    memberCount: d.members,
    faultDivisor: d.faultDivisor,
    revealed: [...c.members],
    detected,
    flagged,
    maliciousEngines,
    suspiciousEngines: hits.ml ? ['ml'] : [],
    labels,
    firstSeen: c.firstSeen,
    ...(d.fuzzy ? { fuzzy: digestOf(s) } : {})
  })
}
