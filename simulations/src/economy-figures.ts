/**
 * The token-economy figures (issue 18 part 3): attacker and honest return on cost across each sweep,
 * the small submitters paid, each type's reward share and the supply over ten years. A pure function of
 * the plan: the same seed gives byte-identical JSON.
 */
import type { Figure, Series } from './chart/figure.ts'
import { seedsOf } from './economy/monte-carlo.ts'
import type { Band } from './economy/monte-carlo.ts'
import { DEFAULT_REWARD_PARAMS } from '#protocol/rewards/index.ts'
import { WEI } from './economy/market.ts'
import { AGENT_TYPES, ATTACKERS, DEFAULT_ECONOMY } from './economy/params.ts'
import type { AgentType } from './economy/params.ts'
import { pointStats, SWEEPS } from './economy/sweeps.ts'
import type { PointStats, Sweep } from './economy/sweeps.ts'
import { SCHEDULES, tenYears } from './economy/ten-years.ts'
import type { ScheduleStats } from './economy/ten-years.ts'

export interface EconomyPlan {
  seed: number
  /** seeds per sweep point, and epochs with submissions in each run */
  seeds: number
  epochs: number
  /** seeds per budget schedule of the ten-year runs */
  supplySeeds: number
  years: number
  /** the sweeps to run, by id (absent: all) */
  sweeps?: readonly string[]
  /** how many of the budget schedules to run, from the first (absent: all) */
  schedules?: number
}

export const QUICK_ECONOMY: Omit<EconomyPlan, 'seed'> = { seeds: 5, epochs: 20, supplySeeds: 2, years: 10 }
/** 50 seeds everywhere; half a year of submissions per sweep point keeps the full run within an hour of one core */
export const FULL_ECONOMY: Omit<EconomyPlan, 'seed'> = { seeds: 50, epochs: 26, supplySeeds: 50, years: 10 }


const ROC_TYPES: AgentType[] = [...ATTACKERS, 'honest-small', 'honest-large']

const line = (name: string, rows: Array<[number, Band]>, scale: (v: number) => number = v => v): Series => ({
  name, points: rows.map(([x, b]) => [x, scale(b.median)]), band: rows.map(([x, b]) => [x, scale(b.p10), scale(b.p90)])
})

/**
 * Returns span -1 to ~100, so the chart draws log2(reward / cost) (0: break-even, -1: half the cost back,
 * floored at -6) and the attackers near zero stay visible beside a farming one; the JSON keeps the returns.
 */
const ROC_FLOOR = -6
const log2Back = (roc: number): number => Math.round(Math.max(ROC_FLOOR, Math.log2(Math.max(2 ** ROC_FLOOR, roc + 1))) * 1000) / 1000

/** The sweep points where an attacker's median return turns negative, named for the recommendation. */
function fixesOf (sweeps: Array<{ sweep: Sweep, rows: PointStats[] }>, type: AgentType): string[] {
  return sweeps.flatMap(({ sweep, rows }) => rows.filter(r => r.roc[type].median < 0 && r.x !== sweep.defaultX)
    .map(r => `${sweep.id} = ${r.x} (small honest return ${r.roc['honest-small'].median}, paid ${r.smallPaid.median})`))
}

function sweepFigure (sweep: Sweep, rows: PointStats[], fixes: Map<AgentType, string[]>): Figure {
  const def = rows.find(r => r.x === sweep.defaultX)
  const profiting = def === undefined ? [] : ATTACKERS.filter(t => def.roc[t].median >= 0)
  return {
    id: `economy-sweep-${sweep.id}`,
    title: `Return on cost against ${sweep.id}`,
    xLabel: sweep.label,
    yLabel: 'log2(reward / cost), floored at -6',
    series: ROC_TYPES.map(t => line(t, rows.map(r => [r.x, r.roc[t]]), log2Back)),
    threshold: { y: 0, label: 'break-even' },
    note: `Median and 10-90% band over the seeds; default ${sweep.defaultX}. Return on cost, (reward - cost) / cost: ${rows.map(r => `At ${r.x}: ${ROC_TYPES.map(t => `${t} ${r.roc[t].median}`).join(', ')}; small honest paid ${r.smallPaid.median}`).join('. ')}.`,
    recommends: def === undefined
      ? 'No point of this sweep is the default economy; read it against the others.'
      : profiting.length === 0
        ? 'Every attacker loses at the default here.'
      : profiting.map(t => `${t} profits at the default; it loses at ${(fixes.get(t) ?? []).filter(f => f.startsWith(sweep.id)).join('; ') || 'no point of this sweep'}`).join('. ')
  }
}

function smallHonestFigure (byId: Map<string, PointStats[]>): Figure {
  const quota = byId.get('free-quota') ?? []
  const fee = DEFAULT_REWARD_PARAMS.submissionFee / WEI
  return {
    id: 'economy-small-paid',
    title: `Honest submitters against the free quota (fee ${fee} VMT over it)`,
    xLabel: 'freeSubmissionsPerEpoch (per wallet)',
    yLabel: 'share paid / return on cost',
    series: [
      line('small: share paid at least once', quota.map(r => [r.x, r.smallPaid])),
      line('small: return on cost', quota.map(r => [r.x, r.roc['honest-small']])),
      line('large: return on cost', quota.map(r => [r.x, r.roc['honest-large']])),
      line('mutator: return on cost', quota.map(r => [r.x, r.roc.mutator]))
    ],
    threshold: { y: 0, label: 'break-even' },
    note: `The bottom ${Math.round((1 - DEFAULT_ECONOMY.honest.largeShare) * 100)}% of honest wallets by volume (median ${DEFAULT_ECONOMY.honest.medianVolume} submissions per epoch) are small: the share of those that submitted and were paid at least once, and the return on cost of small and large honest wallets and of the mutator (${DEFAULT_ECONOMY.mutator.perEpoch} variants an epoch over ${DEFAULT_ECONOMY.mutator.wallets} wallets). ${quota.map(r => `Quota ${r.x}: small paid ${r.smallPaid.median}, small ${r.roc['honest-small'].median}, large ${r.roc['honest-large'].median}, mutator ${r.roc.mutator.median}`).join('; ')}.`,
    recommends: 'A quota above a small submitter\'s volume keeps the fee off them; below a large submitter\'s volume it costs them a little; a farm on few wallets pays it.'
  }
}

const runway = (s: ScheduleStats): string => s.runwayYears === null ? 'not depleting' : `${s.runwayYears.median} years`

function supplyFigures (schedules: ScheduleStats[]): Figure[] {
  const base = schedules[0] as ScheduleStats
  const price = base.years.map(y => `${y.price} in year ${y.year}`).filter((_, i) => i % 3 === 0).join(', ')
  return [
    {
      id: 'economy-supply',
      title: `VMT over ten years (${base.name})`,
      xLabel: 'year',
      yLabel: 'million VMT',
      series: [line('rewards pool', base.years.map(y => [y.year, y.pool])), line('circulating', base.years.map(y => [y.year, y.circulating])), line('burned', base.years.map(y => [y.year, y.burned]))],
      note: `Network scale: each simulated agent stands for ${DEFAULT_ECONOMY.supply.weight}. Pool 600M of 1e9 (governance EXAMPLE_PLAN); vendor price per purchase ${price} VMT (falling ${DEFAULT_ECONOMY.market.priceDeclinePerYear * 100}%/year, demand elasticity ${DEFAULT_ECONOMY.market.elasticity}); circulating = vested contributors + rewards - burned - market refills of the pool. Runway ${runway(base)}.`,
      recommends: `At the default reward amounts the pool pays well under its budget: runway ${runway(base)}. Raise baseReward (not the budget) to pay miners the intended share sooner.`
    },
    {
      id: 'economy-budget-schedules',
      title: 'Rewards pool under each budget schedule',
      xLabel: 'year',
      yLabel: 'million VMT in the pool',
      series: schedules.map(s => line(s.name, s.years.map(y => [y.year, y.pool]))),
      note: `Runway: ${schedules.map(s => `${s.name}: ${runway(s)}`).join('; ')}.`,
      recommends: 'A budget tied to a fraction of the pool never runs dry; pick the fraction that pays the intended share over the intended horizon.'
    },
    {
      id: 'economy-reward-share',
      title: `Share of rewards paid by agent type (${base.name})`,
      xLabel: 'year',
      yLabel: 'cumulative share of rewards',
      series: AGENT_TYPES.filter(t => t !== 'spammer').map(t => line(t, base.years.map(y => [y.year, y.share[t]]))),
      note: `Cumulative share of everything the reward function paid by each year's end (spammers: ${base.years.at(-1)?.share.spammer.median ?? 0}). Return on cost over the ten years: ${AGENT_TYPES.map(t => `${t} ${base.roc[t].median}`).join(', ')}. Members are paid per agreeing reveal (memberRewardPerReveal) from their 20% pool.`,
      recommends: 'Watch the mutator line: its share is farmed novelty, paid from the same pool as honest finds.'
    }
  ]
}

export interface EconomyResults {
  figures: Figure[]
  sweeps: Array<{ id: string, label: string, defaultX: number, rows: PointStats[] }>
  schedules: ScheduleStats[]
  /**
   * atDefaults: 90% of listed samples come with their TLSH (feeds such as MalwareBazaar's export);
   * withExactList: the same economy where members hold plain hash lists only, so no variant is listed
   */
  headline: { atDefaults: PointStats, withExactList: PointStats, fixes: Record<string, string[]>, runwayYears: Record<string, Band | null> }
}

export function economyFigures (plan: EconomyPlan, log: (line: string) => void = () => {}): EconomyResults {
  const seeds = seedsOf(plan.seed, plan.seeds)
  const cache = new Map<string, PointStats>()
  // the default point first: every sweep's default point is the same run, recalled from the cache
  const atDefaults = pointStats({ x: 0, params: DEFAULT_REWARD_PARAMS, eco: DEFAULT_ECONOMY }, seeds, plan.epochs, cache)
  const withExactList = pointStats({ x: 0, params: DEFAULT_REWARD_PARAMS, eco: { ...DEFAULT_ECONOMY, detection: { ...DEFAULT_ECONOMY.detection, listTlshShare: 0 } } }, seeds, plan.epochs, cache)
  const sweeps = SWEEPS.filter(s => plan.sweeps === undefined || plan.sweeps.includes(s.id)).map(sweep => {
    log(`economy: sweep ${sweep.id}`)
    return { sweep, rows: sweep.points.map(p => pointStats(p, seeds, plan.epochs, cache)) }
  })
  // only the attackers that profit at the defaults need a fix
  const fixes = new Map(ATTACKERS.filter(t => atDefaults.roc[t].median >= 0).map(t => [t, fixesOf(sweeps, t)]))
  const byId = new Map(sweeps.map(s => [s.sweep.id, s.rows]))
  log('economy: ten years')
  const schedules = SCHEDULES.slice(0, plan.schedules).map(s => tenYears(s.schedule, s.name, seedsOf(plan.seed, plan.supplySeeds), plan.years))
  return {
    figures: [
      ...sweeps.map(s => sweepFigure(s.sweep, s.rows, fixes)),
      ...(byId.has('free-quota') ? [smallHonestFigure(byId)] : []),
      ...(schedules.length > 0 ? supplyFigures(schedules) : [])
    ],
    sweeps: sweeps.map(s => ({ id: s.sweep.id, label: s.sweep.label, defaultX: s.sweep.defaultX, rows: s.rows })),
    schedules,
    headline: { atDefaults, withExactList, fixes: Object.fromEntries(fixes), runwayYears: Object.fromEntries(schedules.map(s => [s.name, s.runwayYears])) }
  }
}
