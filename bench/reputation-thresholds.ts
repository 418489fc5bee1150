/**
 * How the reputation engine's name-only thresholds (NAME_ONLY_SHARE, NAME_ONLY_REPUTATION in
 * model.ts) are chosen without the held-out popular hosts: the tune half is split again by
 * registered domain (salted), a model is trained with the first part as its popular benign rows,
 * and every (neighbour share, rules reputation) pair is scored on the second part (false
 * positives) beside recall on the blacklist and badware hosts the model was not trained on.
 * Run: npx node bench/reputation-thresholds.ts   (needs webext-ublock-origin-firefox, ~10 s)
 */
import { labelHosts } from '../node/scripts/reputation/labelled-hosts.ts'
import { extractFeatures } from '../node/src/intel/reputation/features.ts'
import { decide, loadModel, NAME_ONLY_REPUTATION, NAME_ONLY_SHARE } from '../node/src/intel/reputation/model.ts'
import { splitPopularHosts } from '../node/src/intel/reputation/popular-hosts.ts'
import { train } from '../node/scripts/reputation/train.ts'
import { POPULAR_SOURCE, readReputationSources } from '../node/scripts/reputation-sources.ts'

const { sources, popular } = readReputationSources()
const inner = splitPopularHosts(popular.tune, { salt: 'thresholds' })
const fitSources = sources.map(s => s.name === POPULAR_SOURCE ? { ...s, text: inner.tune.join('\n') } : s)
const labelled = labelHosts(fitSources)
const { model, trainingHosts } = train(labelled.hosts, { seed: 20261123, folds: 2, k: 5, perLabel: 1000, dataDate: '20250101', sources: [] })
const loaded = loadModel(JSON.stringify(model))
const score = (host: string): { share: number, reputation: number } => {
  const d = decide(loaded, extractFeatures(host))
  return { share: d.maliciousVotes, reputation: d.rules.reputation }
}
const unseen = (source: string): Array<{ share: number, reputation: number }> =>
  labelled.hosts.filter(h => h.source === source && !trainingHosts.has(h.host)).map(h => score(h.host))
const validation = inner.heldOut.map(score)
const blacklist = unseen('eth-phishing-detect blacklist')
const badware = unseen('uBlock badware')
const pct = (n: number, of: number): string => `${(100 * n / of).toFixed(2)}%`

console.log(`popular tune half ${popular.tune.length} hosts: fit on ${inner.tune.length} (${inner.domains.tune} domains), validate on ${inner.heldOut.length} (${inner.domains.heldOut} domains); the held-out half is not read`)
console.log(`recall on hosts the model was not trained on: eth blacklist ${blacklist.length}, uBlock badware ${badware.length}`)
console.log(`${'all neighbours share >=, rules <='.padEnd(36)}${'validation FP'.padStart(20)}${'blacklist recall'.padStart(20)}${'badware recall'.padStart(18)}`)
for (const share of [0.6, 0.8, 1]) {
  for (const reputation of [100, -10, -20, -30, -35, -40, -45, -50, -55]) {
    const flags = (x: { share: number, reputation: number }): boolean => x.share >= share && x.reputation <= reputation
    const fp = validation.filter(flags).length
    const shipped = share === NAME_ONLY_SHARE && reputation === NAME_ONLY_REPUTATION ? '  <- shipped' : ''
    console.log(`${`${share}, ${reputation === 100 ? 'any' : reputation}`.padEnd(36)}${`${fp} (${pct(fp, validation.length)})`.padStart(20)}` +
      `${pct(blacklist.filter(flags).length, blacklist.length).padStart(20)}${pct(badware.filter(flags).length, badware.length).padStart(18)}${shipped}`)
  }
}
const shippedFlags = inner.heldOut.filter((_, i) => validation[i]!.share >= NAME_ONLY_SHARE && validation[i]!.reputation <= NAME_ONLY_REPUTATION)
console.log(`validation hosts the shipped thresholds flag: ${shippedFlags.join(', ') || 'none'}`)
