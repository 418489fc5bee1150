/**
 * Ten years of the economy under a budget schedule, over the seeds: the rewards pool, circulating and
 * burned VMT at network scale as vendor prices fall, each type's share of the rewards, and the runway.
 */
import { DEFAULT_REWARD_PARAMS } from '#protocol/rewards/index.ts'
import { runEconomy } from './economy-run.ts'
import type { RunResult } from './economy-run.ts'
import { band, returnOnCost } from './monte-carlo.ts'
import type { Band } from './monte-carlo.ts'
import { AGENT_TYPES, DEFAULT_ECONOMY } from './params.ts'
import type { AgentType } from './params.ts'
import type { BudgetSchedule } from './supply.ts'

export const SCHEDULES: Array<{ name: string, schedule: BudgetSchedule }> = [
  { name: 'constant 1M VMT/epoch', schedule: { kind: 'constant' } },
  { name: 'halving every 2 years', schedule: { kind: 'halving', years: 2 } },
  { name: '10% of the pool a year', schedule: { kind: 'pool-fraction', perYear: 0.1 } }
]

export interface YearStats {
  year: number
  pool: Band
  circulating: Band
  burned: Band
  /** the budget the schedule offered that year, millions of VMT */
  budget: Band
  price: number
  share: Record<AgentType, Band>
}

export interface ScheduleStats {
  name: string
  years: YearStats[]
  /** years until the pool is empty, extrapolating the last year's net outflow; null when it is not falling */
  runwayYears: Band | null
  /** each type's return on cost over the whole ten years (families fill, so novelty farming pays less) */
  roc: Record<AgentType, Band>
}

function runway (r: RunResult): number {
  const last = r.years.at(-1)
  const before = r.years.at(-2)
  if (last === undefined || before === undefined || before.pool <= last.pool) return Number.POSITIVE_INFINITY
  return last.year + last.pool / (before.pool - last.pool)
}

export function tenYears (schedule: BudgetSchedule, name: string, seeds: readonly number[], years: number): ScheduleStats {
  const eco = DEFAULT_ECONOMY
  const runs = seeds.map(seed => runEconomy({ seed, epochs: years * eco.supply.epochsPerYear, params: DEFAULT_REWARD_PARAMS, eco, schedule }))
  const stats = (runs[0]?.years ?? []).map((y, i): YearStats => {
    const at = runs.map(r => r.years[i] ?? y)
    return {
      year: y.year,
      pool: band(at.map(a => a.pool), 2),
      circulating: band(at.map(a => a.circulating), 2),
      burned: band(at.map(a => a.burned), 2),
      budget: band(at.map(a => a.budget), 2),
      price: y.price,
      share: Object.fromEntries(AGENT_TYPES.map(t => [t, band(at.map(a => a.share[t]))])) as Record<AgentType, Band>
    }
  })
  const runways = runs.map(runway)
  const roc = Object.fromEntries(AGENT_TYPES.map(t => [t, band(runs.map(r => returnOnCost(r.reward[t] + (t === 'member' ? r.marketIncome : 0), r.cost[t])))])) as Record<AgentType, Band>
  return { name, years: stats, runwayYears: runways.every(Number.isFinite) ? band(runways, 1) : null, roc }
}
