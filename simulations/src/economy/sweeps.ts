/**
 * The parameter sweeps: each point changes one reward parameter (or one assumption the parameters act
 * through) from the defaults and is run over the seeds. A point's runs are cached by their inputs, so
 * the default point, shared by every sweep, runs once.
 */
import { DEFAULT_REWARD_PARAMS } from '../../../protocol/src/rewards/index.ts'
import type { RewardParams } from '../../../protocol/src/rewards/index.ts'
import { runEconomy } from './economy-run.ts'
import { WEI } from './market.ts'
import { band, returnOnCost } from './monte-carlo.ts'
import type { Band } from './monte-carlo.ts'
import { AGENT_TYPES, DEFAULT_ECONOMY } from './params.ts'
import type { AgentType, EconomyParams } from './params.ts'

export interface SweepPoint { x: number, params: RewardParams, eco: EconomyParams }

export interface Sweep {
  id: string
  /** what is swept, as the README and the chart name it */
  label: string
  defaultX: number
  points: SweepPoint[]
}

export interface PointStats {
  x: number
  roc: Record<AgentType, Band>
  share: Record<AgentType, Band>
  smallPaid: Band
}

const vmt = (n: number): bigint => BigInt(n) * WEI
const withParams = (p: Partial<RewardParams>): Pick<SweepPoint, 'params' | 'eco'> => ({ params: { ...DEFAULT_REWARD_PARAMS, ...p }, eco: DEFAULT_ECONOMY })
const withEco = (e: Partial<EconomyParams>): Pick<SweepPoint, 'params' | 'eco'> => ({ params: DEFAULT_REWARD_PARAMS, eco: { ...DEFAULT_ECONOMY, ...e } })

export const SWEEPS: Sweep[] = [
  { id: 'family-cap', label: 'familyCap (VMT per family per epoch)', defaultX: 500, points: [50, 100, 200, 500, 2000].map(x => ({ x, ...withParams({ familyCap: vmt(x) }) })) },
  { id: 'wallet-cap', label: 'walletCapBase (VMT per wallet per epoch)', defaultX: 1000, points: [100, 250, 1000, 4000].map(x => ({ x, ...withParams({ walletCapBase: vmt(x) }) })) },
  { id: 'pay-delay', label: 'W = payDelayEpochs', defaultX: 2, points: [0, 1, 2, 4].map(x => ({ x, ...withParams({ payDelayEpochs: x }) })) },
  { id: 'confirmation', label: 'confirmationBps', defaultX: 15_000, points: [10_000, 12_500, 15_000, 20_000].map(x => ({ x, ...withParams({ confirmationBps: BigInt(x) }) })) },
  {
    id: 'variant-stability',
    label: 'label stability of a byte-appended variant (1 = one family key, as a fuzzy hash would give)',
    defaultX: 0.9,
    points: [0.5, 0.9, 0.99, 1].map(x => ({ x, ...withEco({ detection: { ...DEFAULT_ECONOMY.detection, variantStability: x } }) }))
  },
  { id: 'fee', label: 'fee per submission over a free quota of 10 per wallet per epoch (VMT)', defaultX: 0, points: [0, 1, 5, 20].map(x => ({ x, ...withEco({ fees: { freeQuota: 10, fee: x } }) })) },
  { id: 'fee-no-quota', label: 'fee per submission, no free quota (VMT)', defaultX: 0, points: [0, 1, 5, 20].map(x => ({ x, ...withEco({ fees: { freeQuota: 0, fee: x } }) })) },
  { id: 'ring', label: 'colluding members of 7 (f = 2)', defaultX: 2, points: [0, 1, 2, 3].map(x => ({ x, ...withEco({ ring: { ...DEFAULT_ECONOMY.ring, colluders: x } }) })) }
]

const keyOf = (p: SweepPoint, seeds: readonly number[], epochs: number): string =>
  JSON.stringify([p.params, p.eco, seeds, epochs], (_k, v: unknown) => typeof v === 'bigint' ? v.toString() : v)

/** Runs (or recalls) one point over the seeds. */
export function pointStats (p: SweepPoint, seeds: readonly number[], epochs: number, cache: Map<string, PointStats>): PointStats {
  const key = keyOf(p, seeds, epochs)
  const hit = cache.get(key)
  if (hit !== undefined) return { ...hit, x: p.x }
  const runs = seeds.map(seed => runEconomy({ seed, epochs, params: p.params, eco: p.eco }))
  const per = (f: (r: typeof runs[number], t: AgentType) => number): Record<AgentType, Band> =>
    Object.fromEntries(AGENT_TYPES.map(t => [t, band(runs.map(r => f(r, t)))])) as Record<AgentType, Band>
  const total = (r: typeof runs[number]): number => AGENT_TYPES.reduce((s, t) => s + r.reward[t], 0)
  const stats: PointStats = {
    x: p.x,
    roc: per((r, t) => returnOnCost(r.reward[t] + (t === 'member' ? r.marketIncome : 0), r.cost[t])),
    share: per((r, t) => total(r) === 0 ? 0 : r.reward[t] / total(r)),
    smallPaid: band(runs.map(r => r.smallPaid))
  }
  cache.set(key, stats)
  return stats
}
