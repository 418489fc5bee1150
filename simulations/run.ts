/**
 * npm run simulate [-- --quick] [-- --seed N] [-- --no-real] [-- --no-model] [-- --no-economy] [-- --sweeps id,id] [-- --schedules N]
 *   [-- --real-sizes 10,25,50] [-- --real-jobs N] [-- --real-from real-code.json,other.json] [-- --real-window-ms MS]
 * Writes simulations/results/: model.json, model-*.json/svg, economy.json and economy-*.json/svg are a
 * pure function of the seed (byte-identical across runs); real-code.json and real-*.json/svg are
 * wall-clock measurements.
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { parseArgs } from 'node:util'
import { lineChartSvg } from './src/chart/svg-chart.ts'
import { economyFigures, FULL_ECONOMY, QUICK_ECONOMY } from './src/economy-figures.ts'
import { FULL_PLAN, modelFigures, QUICK_PLAN } from './src/model-figures.ts'
import { realFigures, realResults } from './src/real-figures.ts'
import { DEFAULT_ECONOMY } from './src/economy/params.ts'
import { bigintsAsStrings } from './src/economy/sweeps.ts'
import { DEFAULT_REWARD_PARAMS } from '#protocol/rewards/index.ts'
import type { Figure } from './src/chart/figure.ts'
import type { RealRunResult } from './src/real/real-run.ts'

const { values } = parseArgs({ options: { quick: { type: 'boolean', default: false }, seed: { type: 'string', default: '1' }, 'no-real': { type: 'boolean', default: false }, 'no-model': { type: 'boolean', default: false }, 'no-economy': { type: 'boolean', default: false }, out: { type: 'string' }, sweeps: { type: 'string' }, schedules: { type: 'string' }, 'real-sizes': { type: 'string' }, 'real-jobs': { type: 'string' }, 'real-from': { type: 'string' }, 'real-window-ms': { type: 'string' } } })
const seed = Number(values.seed)
const outDir = values.out ?? join(import.meta.dirname, 'results')
mkdirSync(outDir, { recursive: true })
const log = (line: string): void => { process.stderr.write(`${line}\n`) }

function writeFigures (figures: Figure[]): void {
  for (const f of figures) {
    writeFileSync(join(outDir, `${f.id}.json`), `${JSON.stringify(f, null, 2)}\n`)
    writeFileSync(join(outDir, `${f.id}.svg`), lineChartSvg(f))
  }
}

if (values['no-model'] !== true) {
  const plan = { seed, ...(values.quick === true ? QUICK_PLAN : FULL_PLAN) }
  const model = modelFigures(plan, log)
  writeFigures(model.figures)
  writeFileSync(join(outDir, 'model.json'), `${JSON.stringify({ seed, quick: values.quick, plan, headline: model.headline, figures: model.figures.map(f => f.id) }, null, 2)}\n`)
  log(`model: largest member count with p95 under 5 s: ${model.headline.largestMembersP95Under5s}`)
}

if (values['no-economy'] !== true) {
  const plan = {
    seed,
    ...(values.quick === true ? QUICK_ECONOMY : FULL_ECONOMY),
    ...(values.sweeps === undefined ? {} : { sweeps: values.sweeps === 'none' ? [] : values.sweeps.split(',') }),
    ...(values.schedules === undefined ? {} : { schedules: Number(values.schedules) })
  }
  const economy = economyFigures(plan, log)
  writeFigures(economy.figures)
  const { figures, ...rest } = economy
  // rewardParams: the protocol's DEFAULT_REWARD_PARAMS, the default point of every sweep
  writeFileSync(join(outDir, 'economy.json'), `${JSON.stringify({ seed, quick: values.quick, plan, rewardParams: DEFAULT_REWARD_PARAMS, assumptions: DEFAULT_ECONOMY, ...rest, figures: figures.map(f => f.id) }, bigintsAsStrings, 2)}\n`)
  for (const [name, d] of [['the defaults (listed samples with their TLSH)', economy.headline.atDefaults], ['plain hash lists only', economy.headline.withExactList]] as const) {
    log(`economy: return on cost at ${name}: ${Object.entries(d.roc).map(([t, b]) => `${t} ${b.median}`).join(', ')}; small honest paid ${d.smallPaid.median}`)
  }
}

if (values['no-real'] !== true) {
  const sizes = values['real-sizes']?.split(',').map(Number) ?? (values.quick === true ? [10, 25] : [10, 25, 50])
  const jobs = values['real-jobs'] === undefined ? (values.quick === true ? 3 : 5) : Number(values['real-jobs'])
  // --real-from a.json,b.json: the runs of earlier real-code.json files, calibrated and drawn again (a run at n = 100 takes long)
  const real = values['real-from'] === undefined
    ? await realFigures({ seed, sizes, jobs, ...(values['real-window-ms'] === undefined ? {} : { windowMs: Number(values['real-window-ms']) }) }, log)
    : realResults(values['real-from'].split(',').flatMap(f => (JSON.parse(readFileSync(f, 'utf8')) as { runs: RealRunResult[] }).runs).toSorted((a, b) => a.members - b.members), seed)
  writeFigures(real.figures)
  writeFileSync(join(outDir, 'real-code.json'), `${JSON.stringify({ seed, quick: values.quick, runs: real.runs, calibration: real.calibration }, null, 2)}\n`)
  for (const c of real.calibration) log(`calibration n=${c.members}: real p95 ${c.real.p95} ms, model ${c.model.p95} ms (${c.p95Error}), at the run's CPU share ${c.modelAtShare.p95} ms (${c.p95ErrorAtShare})`)
}
