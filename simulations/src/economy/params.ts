/**
 * The token-economy model's assumptions (issue 18 part 3), all in one place so the README and the JSON
 * state them. One simulated epoch is one protocol epoch; amounts are VMT. The reward rules and their
 * parameters (the fee, the deposit, the caps) are not here: they are protocol/src/rewards' RewardParams,
 * DEFAULT_REWARD_PARAMS unless a sweep changes one, so the default point is the protocol's.
 */
import { DEFAULT_REWARD_PARAMS } from '#protocol/rewards/params.ts'

export const AGENT_TYPES = ['honest-small', 'honest-large', 'spammer', 'mutator', 'author', 'ring', 'member'] as const
export type AgentType = typeof AGENT_TYPES[number]
export const ATTACKERS: readonly AgentType[] = ['spammer', 'mutator', 'author', 'ring']

export interface DetectionParams {
  members: number
  faultDivisor: number
  /** an honest member's chance to miss what its engines flag (timeouts, stale signatures) */
  memberMiss: number
  /** per-engine detection rate of a malicious sample of average detectability */
  clamav: number
  yara: number
  /** a suspicious-category engine with one generic label */
  ml: number
  /** per-engine false positive rate on benign files */
  falsePositive: number
  /** sigma of the log-normal detectability of a sample (median 1) */
  detectabilitySigma: number
  /** chance that an engine's result on a byte-appended variant equals its result on the source */
  variantStability: number
  /** an attested `tlsh` engine reports each file's TLSH digest (false: the label-family fallback) */
  fuzzy: boolean
  /** TLSH body codes a byte-append moves: uniform in 1..variantSpread */
  variantSpread: number
  /** codes a sample of a family lies from the family's centre: uniform in [low, high] */
  siblingSpread: [low: number, high: number]
  /**
   * share of listed samples whose feed entry carries the sample's TLSH digest: the node's hash-list engine then
   * flags a variant within listTlshThreshold of it (MalwareBazaar's CSV exports give one per sample; plain
   * hash lists none: 0 is an operator who holds only those)
   */
  listTlshShare: number
  /** the hash-list engine's TLSH distance (the node's hashListTlshThreshold, default the rewards' fuzzyThreshold) */
  listTlshThreshold: number
}

export interface EconomyParams {
  detection: DetectionParams
  honest: {
    wallets: number
    /** submissions per epoch per wallet: log-normal median and sigma (many small, few large) */
    medianVolume: number
    volumeSigma: number
    /** precision (malicious / submitted) uniform in [low, high] */
    precisionLow: number
    precisionHigh: number
    /** the top share by volume are the large submitters; they stake */
    largeShare: number
    largeStake: number
    /** effort per submission (finding, triage) */
    effort: number
    /** chance a malicious find is this epoch's fresh sample, else an older, often public one */
    fresh: number
    /** fresh wild samples per epoch the honest submitters draw from (collisions: only the first earns) */
    wildPerEpoch: number
    families: number
    zipf: number
    /** chance a public-list engine knows an old / a fresh sample */
    listedOld: number
    listedFresh: number
  }
  spammer: { wallets: number, perEpoch: number, effort: number }
  /** perEpoch variants, perSource of them from each public sample */
  mutator: { wallets: number, perEpoch: number, perSource: number, effort: number }
  author: { count: number, familyProbability: number, variants: number, familyCost: number, variantEffort: number }
  ring: { colluders: number, wallets: number, perEpoch: number, effort: number }
  /**
   * attackers resubmit each item the next epoch from a second, unstaked wallet through another node, when
   * such a confirmation can count (confirmerMinStake 0): a rational attacker sends none that cannot
   */
  selfConfirm: boolean
  member: { operatingCost: number }
  /** opportunity cost of staked VMT per epoch */
  stakeRatePerEpoch: number
  market: { price0: number, demand0: number, elasticity: number, priceDeclinePerYear: number, memberBps: number, discovererBps: number }
  supply: { total: number, pool: number, contributors: number, vestingYears: number, weight: number, epochsPerYear: number }
}

/** One epoch is 7 days (epochBlocks 50,400 at 12 s): 52 epochs a year. */
export const DEFAULT_ECONOMY: EconomyParams = {
  detection: {
    members: 7, faultDivisor: 3, memberMiss: 0.02, clamav: 0.55, yara: 0.45, ml: 0.8, falsePositive: 0.002, detectabilitySigma: 0.35, variantStability: 0.9,
    fuzzy: true, variantSpread: 12, siblingSpread: [10, 70], listTlshShare: 0.9, listTlshThreshold: DEFAULT_REWARD_PARAMS.fuzzyThreshold
  },
  honest: {
    wallets: 60, medianVolume: 0.6, volumeSigma: 1.2, precisionLow: 0.6, precisionHigh: 0.98, largeShare: 0.2, largeStake: 5000, effort: 5,
    fresh: 0.5, wildPerEpoch: 120, families: 300, zipf: 1.1, listedOld: 0.6, listedFresh: 0.05
  },
  spammer: { wallets: 2, perEpoch: 25, effort: 0.05 },
  mutator: { wallets: 4, perEpoch: 30, perSource: 5, effort: 0.1 },
  author: { count: 2, familyProbability: 0.5, variants: 5, familyCost: 1000, variantEffort: 0.1 },
  ring: { colluders: 2, wallets: 2, perEpoch: 10, effort: 0.05 },
  selfConfirm: true,
  member: { operatingCost: 100 },
  stakeRatePerEpoch: 0.1 / 52,
  // governance/src/deploy.ts DEFAULT_MARKET_TERMS: members 50%, discoverer (the pool) 25%, the rest burned
  market: { price0: 50, demand0: 20, elasticity: 1.5, priceDeclinePerYear: 0.15, memberBps: 5000, discovererBps: 2500 },
  // governance/src/plan.ts EXAMPLE_PLAN: 1e9 supply, 600M rewards pool, 150M contributors over 4 years
  supply: { total: 1e9, pool: 6e8, contributors: 1.5e8, vestingYears: 4, weight: 100, epochsPerYear: 52 }
}
