/**
 * The parameter sweeps: each point changes one reward parameter (or one assumption the parameters act
 * through) from the defaults and is run over the seeds. A point's runs are cached by their inputs, so
 * the default point, shared by every sweep, runs once.
 */
import { DEFAULT_REWARD_PARAMS } from '#protocol/rewards/index.ts'
import type { RewardParams } from '#protocol/rewards/index.ts'
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

const detection = (d: Partial<EconomyParams['detection']>): Pick<SweepPoint, 'params' | 'eco'> => withEco({ detection: { ...DEFAULT_ECONOMY.detection, ...d } })
const D = DEFAULT_REWARD_PARAMS
/** a mutator farming through as many wallets as it has variants an epoch: no per-wallet quota binds */
const SYBIL_WALLETS = 30
const DEPOSITS = [0, 4, 8, 12, 20]
const sybilMutator = (deposit: number, listTlshShare: number): Pick<SweepPoint, 'params' | 'eco'> => ({
  params: { ...D, submissionDeposit: vmt(deposit) },
  eco: { ...DEFAULT_ECONOMY, detection: { ...DEFAULT_ECONOMY.detection, listTlshShare }, mutator: { ...DEFAULT_ECONOMY.mutator, wallets: SYBIL_WALLETS } }
})

export const SWEEPS: Sweep[] = [
  { id: 'fuzzy-threshold', label: 'fuzzyThreshold (TLSH body distance)', defaultX: D.fuzzyThreshold, points: [0, 10, 30, 60, 120].map(x => ({ x, ...withParams({ fuzzyThreshold: x }) })) },
  { id: 'fee', label: `submissionFee (VMT) over a free quota of ${D.freeSubmissionsPerEpoch} per wallet per epoch`, defaultX: Number(D.submissionFee / WEI), points: [0, 2, 10, 15, 20, 30].map(x => ({ x, ...withParams({ submissionFee: vmt(x) }) })) },
  { id: 'free-quota', label: `freeSubmissionsPerEpoch (fee ${D.submissionFee / WEI} VMT over it)`, defaultX: D.freeSubmissionsPerEpoch, points: [0, 2, 5, 10, 20].map(x => ({ x, ...withParams({ freeSubmissionsPerEpoch: x }) })) },
  { id: 'family-cap', label: 'familyCap (VMT per family per epoch)', defaultX: Number(D.familyCap / WEI), points: [50, 100, 200, 500, 2000].map(x => ({ x, ...withParams({ familyCap: vmt(x) }) })) },
  { id: 'wallet-cap', label: 'walletCapBase (VMT per wallet per epoch)', defaultX: Number(D.walletCapBase / WEI), points: [100, 250, 1000, 4000].map(x => ({ x, ...withParams({ walletCapBase: vmt(x) }) })) },
  { id: 'pay-delay', label: 'W = payDelayEpochs', defaultX: D.payDelayEpochs, points: [0, 1, 2, 4].map(x => ({ x, ...withParams({ payDelayEpochs: x }) })) },
  { id: 'public-list', label: 'publicListBps (share of the reward when a public list knew the item)', defaultX: Number(D.publicListBps), points: [0, 1_000, 2_500, 5_000].map(x => ({ x, ...withParams({ publicListBps: BigInt(x) }) })) },
  { id: 'half-life', label: 'familyHalfLifeEpochs (0: counts never decay)', defaultX: D.familyHalfLifeEpochs, points: [0, 13, 26, 52].map(x => ({ x, ...withParams({ familyHalfLifeEpochs: x }) })) },
  { id: 'confirmer-stake', label: 'confirmerMinStake (VMT; 0: a second wallet confirms for free)', defaultX: Number(D.confirmerMinStake / WEI), points: [0, 1000].map(x => ({ x, ...withParams({ confirmerMinStake: vmt(x) }) })) },
  { id: 'list-tlsh-share', label: 'share of listed samples whose feed entry carries a TLSH digest (0: plain hash lists only)', defaultX: DEFAULT_ECONOMY.detection.listTlshShare, points: [0, 0.5, 0.9, 1].map(x => ({ x, ...detection({ listTlshShare: x }) })) },
  {
    id: 'variant-stability',
    label: 'without a tlsh engine (label families): label stability of a byte-appended variant',
    // no point of this sweep is the default economy, which has a tlsh engine
    defaultX: -1,
    points: [0.5, 0.9, 1].map(x => ({ x, ...detection({ fuzzy: false, variantStability: x }) }))
  },
  { id: 'mutator-wallets', label: 'wallets the mutator splits its 30 variants an epoch over (sybils)', defaultX: DEFAULT_ECONOMY.mutator.wallets, points: [2, 4, 6, 15, 30].map(x => ({ x, ...withEco({ mutator: { ...DEFAULT_ECONOMY.mutator, wallets: x } }) })) },
  { id: 'deposit', label: `deposit per report (VMT, kept up to what it earned), the mutator on ${SYBIL_WALLETS} wallets`, defaultX: Number((D.submissionDeposit ?? 0n) / WEI), points: DEPOSITS.map(x => ({ x, ...sybilMutator(x, DEFAULT_ECONOMY.detection.listTlshShare) })) },
  { id: 'deposit-exact-list', label: `deposit per report (VMT), the mutator on ${SYBIL_WALLETS} wallets, members holding plain hash lists only (no TLSH)`, defaultX: -1, points: DEPOSITS.map(x => ({ x, ...sybilMutator(x, 0) })) },
  { id: 'ring', label: 'colluding members of 7 (f = 2)', defaultX: 2, points: [0, 1, 2, 3].map(x => ({ x, ...withEco({ ring: { ...DEFAULT_ECONOMY.ring, colluders: x } }) })) }
]

/** JSON.stringify's replacer for reward parameters: wei and bps as decimal strings */
export const bigintsAsStrings = (_k: string, v: unknown): unknown => typeof v === 'bigint' ? v.toString() : v

const keyOf = (p: SweepPoint, seeds: readonly number[], epochs: number): string => JSON.stringify([p.params, p.eco, seeds, epochs], bigintsAsStrings)

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
