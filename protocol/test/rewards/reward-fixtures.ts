/**
 * Reward facts for the rewards tests and vectors: four members (n = 4, f = 1), wallets and items by
 * index, and a report's facts with what the members and engines said as the only variables.
 */
import { DEFAULT_REWARD_PARAMS, ZERO_ADDRESS } from '../../src/index.ts'
import type { Hex, RewardFacts, RewardParams } from '../../src/index.ts'

export const addr = (tag: number, i: number): Hex => `0x${tag.toString(16).padStart(2, '0')}${i.toString(16).padStart(38, '0')}`
export const bytes32 = (tag: number, i: number): Hex => `0x${tag.toString(16).padStart(2, '0')}${i.toString(16).padStart(62, '0')}`
export const MEMBERS4: Hex[] = [0, 1, 2, 3].map(i => addr(0xaa, i))
export const ORIGIN = MEMBERS4[0] as Hex
export const wallet = (i: number): Hex => addr(0xee, i)
export const item = (i: number): Hex => bytes32(0x5a, i)
export const VMT = 10n ** 18n

let nextJob = 0

/** Facts of one report; by default every member detects it on YARA and ClamAV (malicious, first seen at t). */
export function facts (overrides: Partial<RewardFacts> & { submitter: Hex, item: Hex }): RewardFacts {
  nextJob++
  return {
    jobId: bytes32(0x10, nextJob),
    epoch: 0,
    kind: 'file',
    origin: ORIGIN,
    memberCount: 4,
    faultDivisor: 3,
    revealed: MEMBERS4,
    detected: MEMBERS4,
    flagged: MEMBERS4,
    maliciousEngines: ['ClamAV', 'YARA'],
    suspiciousEngines: [],
    labels: [`win.trojan.sample-${overrides.item.slice(-6)}`],
    firstSeen: 1_000_000 + nextJob,
    ...overrides
  }
}

/** Benign: revealed by all, detected by none. */
export const benign = (submitter: Hex, i: Hex, extra: Partial<RewardFacts> = {}): RewardFacts =>
  facts({ submitter, item: i, detected: [], flagged: [], maliciousEngines: [], labels: [], ...extra })

/** Params with a budget big enough that no cap, pool cut, fee or deposit applies unless a test sets one. */
export const roomy = (extra: Partial<RewardParams> = {}): RewardParams => ({
  ...DEFAULT_REWARD_PARAMS,
  payDelayEpochs: 0,
  budget: 10n ** 30n,
  walletCapBase: 10n ** 30n,
  familyCap: 10n ** 30n,
  submissionFee: 0n,
  submissionDeposit: 0n,
  ...extra
})

export { ZERO_ADDRESS }
