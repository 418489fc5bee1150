/**
 * npm run train:reputation — trains the domain reputation model on labelled lists available
 * offline, prints the evaluation, writes node/models/reputation.json, docs/reputation-confusion.svg
 * and docs/reputation-figures.json. Deterministic: the same sources and seed give the same files.
 *
 * Sources (reputation-sources.ts): eth-phishing-detect and third-party-web's tune half (npm),
 * top-sites (vendored in node/data), and four lists shipped by Debian's
 * webext-ublock-origin-firefox (apt-get install webext-ublock-origin-firefox).
 */
import { createHash } from 'node:crypto'
import { writeFileSync } from 'node:fs'
import { parseArgs } from 'node:util'
import { parseSource } from '../src/intel/reputation/datasets.ts'
import { labelHosts } from './reputation/labelled-hosts.ts'
import { confusionSvg } from './reputation/confusion-svg.ts'
import { train } from './reputation/train.ts'
import { decide, loadModel } from '../src/intel/reputation/model.ts'
import { extractFeatures } from '../src/intel/reputation/features.ts'
import { seededRandom, shuffled } from './reputation/random.ts'
import { loadDefaultGuards } from '../src/intel/reputation/guards.ts'
import type { BinaryEvaluation } from './reputation/train.ts'
import { readReputationSources, UBLOCK_ASSETS } from './reputation-sources.ts'

const root = new URL('../../', import.meta.url)
const { values } = parseArgs({
  options: {
    ublock: { type: 'string', default: UBLOCK_ASSETS },
    seed: { type: 'string', default: '20261123' },
    'per-label': { type: 'string', default: '1000' },
    model: { type: 'string', default: new URL('node/models/reputation.json', root).pathname },
    docs: { type: 'string', default: new URL('docs/', root).pathname }
  }
})

const { sources, urlhaus } = readReputationSources(values.ublock)

const labelled = labelHosts(sources)
const updated = /^! Updated: (\d{4})-(\d{2})-(\d{2})/m.exec(urlhaus)
const seed = Number(values.seed)
const { model, report, trainingHosts } = train(labelled.hosts, {
  seed,
  folds: 10,
  k: 5,
  perLabel: Number(values['per-label']),
  dataDate: updated === null ? '20250101' : `${updated[1]}${updated[2]}${updated[3]}`,
  sources: sources.map(s => ({
    name: s.name,
    label: s.label,
    version: s.version,
    sha256: createHash('sha256').update(s.text).digest('hex'),
    hosts: parseSource(s.format, s.text).length
  }))
})

const modelJson = JSON.stringify(model)
writeFileSync(values.model, `${modelJson}\n`)

// the shipped engine's decision (name only, no evidence) on list hosts it was NOT trained on, and
// in-sample on the benign lists (every benign host is a training row): what an operator would see
const shipped = loadModel(modelJson)
const guards = await loadDefaultGuards()
const engineCheck: Record<string, { hosts: number, malicious: number, suspicious: number, guardedFlags: number, inTraining: boolean }> = {}
const checkRandom = seededRandom(seed + 1)
for (const s of sources) {
  const inTraining = s.label === 'benign'
  const own = labelled.hosts.filter(h => h.source === s.name && (inTraining || !trainingHosts.has(h.host)))
  const pool = inTraining ? own : shuffled(own, checkRandom).slice(0, 5000)
  const e = { hosts: 0, malicious: 0, suspicious: 0, guardedFlags: 0, inTraining }
  for (const h of pool) {
    const d = decide(shipped, extractFeatures(h.host))
    e.hosts++
    if (d.category === 'malicious') e.malicious++
    if (d.category === 'suspicious') e.suspicious++
    const rank = guards.ranks.get(h.host)
    const g = decide(shipped, extractFeatures(h.host, rank === undefined ? undefined : { popularityRank: rank }), { allowlisted: guards.allow.has(h.host) })
    if (g.category === 'malicious' || g.category === 'suspicious') e.guardedFlags++
  }
  engineCheck[s.name] = e
}

writeFileSync(`${values.docs}reputation-confusion.svg`, confusionSvg(report.tree.confusion, 'Decision tree, threat label, 20% holdout'))
writeFileSync(`${values.docs}reputation-figures.json`, `${JSON.stringify({ sources: model.sources, conflicts: labelled.conflicts, labelled: labelled.hosts.length, ...report, engineCheck }, null, 1)}\n`)

const pct = (v: number): string => `${(v * 100).toFixed(2)}%`
const mean = (a: number[]): number => a.reduce((s, v) => s + v, 0) / a.length
const line = (name: string, e: Omit<BinaryEvaluation, 'foldAccuracy'> & { foldAccuracy?: number[] }): void => {
  console.log(`${name.padEnd(26)} precision ${pct(e.precision)}  recall ${pct(e.recall)}  F1 ${pct(e.f1)}  accuracy ${pct(e.accuracy)}` +
    (e.foldAccuracy === undefined ? '' : `  (fold accuracy ${pct(Math.min(...e.foldAccuracy))}..${pct(Math.max(...e.foldAccuracy))})`))
}
console.log('sources:')
for (const s of model.sources) console.log(`  ${s.name.padEnd(30)} ${String(s.hosts).padStart(6)} hosts  ${s.label.padEnd(8)} ${s.version}`)
console.log(`labelled hosts ${labelled.hosts.length}, dropped for conflicting labels ${labelled.conflicts}; seed ${seed}`)
console.log(`\nbinary benign/malicious, ${report.knn.rows} rows, stratified 10-fold CV (features live: lexical + threat dictionary only):`)
line('KNN (k=5)', report.knn)
line('decision tree (CART)', report.treeBinary)
line('expert rules (no training)', report.rules)
console.log('KNN confusion [true benign, true malicious] x [pred benign, pred malicious]:', JSON.stringify(report.knn.confusion.matrix))
console.log('out-of-fold KNN flags per source:')
for (const [s, v] of Object.entries(report.perSource)) console.log(`  ${s.padEnd(30)} ${v.flagged}/${v.rows} flagged (${pct(v.flagged / v.rows)})`)
console.log(`\nthreat label, ${Object.values(report.multiComposition).reduce((a, b) => a + b, 0)} rows ${JSON.stringify(report.multiComposition)}:`)
console.log(`decision tree 80/20 holdout: accuracy ${pct(report.tree.accuracy)}  macro precision ${pct(report.tree.precision)}  recall ${pct(report.tree.recall)}  F1 ${pct(report.tree.f1)}  weighted F1 ${pct(report.tree.weightedF1)}  (paper: F1 92.36%)`)
for (const [c, s] of Object.entries(report.tree.perClass)) console.log(`  ${c.padEnd(9)} precision ${pct(s.precision)}  recall ${pct(s.recall)}  F1 ${pct(s.f1)}  n=${s.support}`)
console.log(`10-fold CV accuracy: tree mean ${pct(mean(report.tree.cvAccuracy))}, KNN mean ${pct(mean(report.tree.knnCvAccuracy))}`)
const ps = report.paperStyle
console.log(`paper-style (tree learns the expert rules' own labels, 80/20): accuracy ${pct(ps.accuracy)}  macro precision ${pct(ps.precision)}  recall ${pct(ps.recall)}  F1 ${pct(ps.f1)}  weighted F1 ${pct(ps.weightedF1)}  labels ${JSON.stringify(ps.composition)}`)
console.log('confusion (rows true, cols predicted)', report.tree.confusion.classes.join(','))
for (const r of report.tree.confusion.matrix) console.log(`  ${r.map(v => String(v).padStart(5)).join('')}`)
console.log('\nshipped model, name only (no network evidence): flagged = malicious + suspicious; then with the engine\'s guards (top-sites ranks, eth whitelist)')
for (const [n, e] of Object.entries(engineCheck)) {
  if (e.hosts === 0) continue
  console.log(`  ${n.padEnd(30)} ${e.malicious}+${e.suspicious} of ${e.hosts} (${pct((e.malicious + e.suspicious) / e.hosts)}), guarded ${e.guardedFlags} (${pct(e.guardedFlags / e.hosts)})  ${e.inTraining ? 'in-sample: all are training rows' : 'unseen: none are training rows'}`)
}
console.log(`\nmodel ${values.model}: ${modelJson.length} bytes, sha256 ${createHash('sha256').update(`${modelJson}\n`).digest('hex')}, tree ${report.tree.nodes} nodes, KNN ${model.knn.rows.length} rows`)
