/**
 * The rewards vector's scenario (SPEC section 17; test/vectors/rewards.json): three epochs with W = 1
 * covering each rule, computed from the facts alone, and the JSON spelling of the results.
 */
import {
  canonicalizeIndicator, computeEpochRewards, DEFAULT_REWARD_PARAMS, EICAR_SHA256, indicatorSha256, INITIAL_REWARDS_STATE, rewardItemOf, rewardKeyOf, rewardsRootOf, stateToJson
} from '../../src/index.ts'
import type { ClassEvidence, DepositTotals, EpochRewards, Hex, IndicatorKind, RewardFacts, RewardKey, RewardParams, RewardsRoot, RewardsStateJson } from '../../src/index.ts'
import { benign, bytes32, facts, item, MEMBERS4, VMT, wallet, ZERO_ADDRESS } from './reward-fixtures.ts'

export const SCENARIO_PARAMS: RewardParams = {
  ...DEFAULT_REWARD_PARAMS, payDelayEpochs: 1, budget: 1_000n * VMT, familyCap: 120n * VMT, walletCapBase: 160n * VMT, freeSubmissionsPerEpoch: 1, submissionFee: 5n * VMT
}

/** Two TLSH digests 4 apart (a byte-appended variant) and one far from both. */
const BODY = '5f'.repeat(32)
export const SCENARIO_FUZZY = [`t1a0b0c0${BODY}`, `t1a0b0c0${'60'.repeat(2)}${BODY.slice(4)}`, `t1a0b0c0${'a0'.repeat(32)}`]

const job = (i: number): Hex => bytes32(0x0b, i)
const fam = (name: string): string[] => [name]

export interface ItemVector {
  kind: IndicatorKind
  /** as submitted; `subject` is its canonical form, `sha256` the job's */
  raw: string
  subject: string
  sha256: Hex
  key: RewardKey | null
  item: Hex
}

/** The reward item of an indicator job (SPEC 17 rule 1), each step spelled out for the vector. */
export function itemVector (kind: IndicatorKind, raw: string): ItemVector {
  const subject = canonicalizeIndicator(kind, raw)
  const sha256 = indicatorSha256(subject)
  return { kind, raw, subject, sha256, key: rewardKeyOf(kind, subject) ?? null, item: rewardItemOf(kind, sha256, subject) }
}

/** URLs and domains whose item is their registrable domain (ICANN section), an IP, or the host itself. */
export const SCENARIO_ITEMS: ReadonlyArray<[IndicatorKind, string]> = [
  ['url', 'https://login.phish.example/a'], ['url', 'https://phish.example/b?x=1'], ['url', 'http://user@CDN.Phish.Example.:8080/c#f'], ['domain', 'phish.example'],
  ['domain', 'www.phish.example'], ['url', 'http://münchen.de/'], ['url', 'http://evil.co.uk./'], ['url', 'http://co.uk/'], ['url', 'http://localhost:3000/'],
  ['url', 'https://farm.github.io/'], ['url', 'http://0x01.2.3.4:81/'], ['url', 'http://[2001:DB8::1]/'], ['url', 'data:text/html,hi']
]
const phish = (i: number): Hex => itemVector(...(SCENARIO_ITEMS[i] as [IndicatorKind, string])).item

/** Every fact the scenario's anchors hold, by the epoch that anchored it. */
export function scenarioFacts (): RewardFacts[] {
  return [
    facts({ jobId: job(1), epoch: 0, submitter: wallet(1), item: item(1), labels: fam('win.trojan.alpha'), firstSeen: 100 }),
    facts({ jobId: job(2), epoch: 0, submitter: wallet(2), item: item(1), labels: fam('win.trojan.alpha'), firstSeen: 150 }),
    facts({ jobId: job(3), epoch: 0, submitter: wallet(1), item: item(2), labels: fam('win.trojan.alpha'), firstSeen: 160 }),
    facts({ jobId: job(4), epoch: 0, submitter: wallet(3), item: EICAR_SHA256, labels: fam('eicar_test_file'), firstSeen: 170 }),
    benign(wallet(3), item(3), { jobId: job(5), epoch: 0, firstSeen: 180 }),
    facts({ jobId: job(6), epoch: 0, submitter: wallet(4), item: item(4), detected: [], maliciousEngines: [], suspiciousEngines: ['YARA', 'heur'], labels: fam('packed_upx'), firstSeen: 190 }),
    facts({ jobId: job(7), epoch: 0, submitter: ZERO_ADDRESS, item: item(5), labels: fam('win.worm.beta'), firstSeen: 200 }),
    facts({ jobId: job(8), epoch: 0, submitter: wallet(5), item: item(6), maliciousEngines: ['YARA', 'VirusMap-HashList'], labels: fam('win.ransom.gamma'), firstSeen: 210 }),
    facts({ jobId: job(9), epoch: 0, submitter: wallet(6), item: item(7), origin: MEMBERS4[3] as Hex, detected: [MEMBERS4[3] as Hex], flagged: [MEMBERS4[3] as Hex], labels: fam('collusion'), firstSeen: 220 }),
    facts({ jobId: job(10), epoch: 1, submitter: wallet(7), item: item(1), origin: MEMBERS4[2] as Hex, labels: fam('win.trojan.alpha'), firstSeen: 5_000 }),
    facts({ jobId: job(11), epoch: 1, submitter: wallet(1), item: item(8), labels: fam('win.trojan.delta'), firstSeen: 5_100 }),
    facts({ jobId: job(12), epoch: 1, submitter: wallet(1), item: item(9), labels: fam('win.trojan.epsilon'), firstSeen: 5_200 }),
    facts({ jobId: job(13), epoch: 1, submitter: wallet(8), item: item(10), labels: ['win.trojan.zeta', 'zeta.yara'], fuzzy: SCENARIO_FUZZY[0], firstSeen: 5_300 }),
    facts({ jobId: job(14), epoch: 1, submitter: wallet(8), item: item(11), labels: ['zeta.yara'], fuzzy: SCENARIO_FUZZY[1], firstSeen: 5_400 }),
    facts({ jobId: job(15), epoch: 1, submitter: wallet(2), item: item(12), labels: ['win.trojan.zeta'], fuzzy: SCENARIO_FUZZY[2], firstSeen: 5_500 }),
    // three URLs on phish.example and a domain report on it: one item, paid once (the first URL)
    facts({ jobId: job(16), epoch: 1, kind: 'url', submitter: wallet(9), item: phish(0), labels: fam('phish.kit.omega'), firstSeen: 5_600 }),
    facts({ jobId: job(17), epoch: 1, kind: 'url', submitter: wallet(9), item: phish(1), labels: fam('phish.kit.omega'), firstSeen: 5_700 }),
    facts({ jobId: job(18), epoch: 1, kind: 'url', submitter: wallet(9), item: phish(2), labels: fam('phish.kit.omega'), firstSeen: 5_800 }),
    facts({ jobId: job(19), epoch: 1, kind: 'domain', submitter: wallet(10), item: phish(3), labels: fam('phish.kit.omega'), firstSeen: 5_900 })
  ]
}

export interface EpochVector {
  epoch: number
  paidEpoch: number | null
  items: Array<{
    jobId: Hex, class: string, outcome: string, family: string, duplicateIndex: number, precision: [number, number], raw: string, amount: string,
    evidence: ClassEvidence | undefined, steps: Array<{ rule: string, factor: string, amount: string }>
  }>
  members: Record<string, string>
  amounts: Record<string, string>
  charged: Record<string, string>
  paid: string
  state: RewardsStateJson
  root: { epoch: number, root: Hex, total: string } | null
}

const sorted = (m: ReadonlyMap<Hex, bigint>): Record<string, string> => Object.fromEntries([...m].toSorted(([a], [b]) => a < b ? -1 : 1).map(([k, v]) => [k, v.toString()]))
const rootJson = (r: RewardsRoot | undefined): EpochVector['root'] => r === undefined ? null : { epoch: r.epoch, root: r.root, total: r.total.toString() }

export function epochVector (r: EpochRewards): EpochVector {
  return {
    epoch: r.epoch,
    paidEpoch: r.paidEpoch ?? null,
    items: r.items.map(i => ({ jobId: i.jobId, class: i.class, outcome: i.outcome, family: i.family, duplicateIndex: i.duplicateIndex, precision: i.precision, raw: i.raw.toString(), amount: i.amount.toString(),
      evidence: i.evidence, steps: (i.steps ?? []).map(st => ({ ...st, amount: st.amount.toString() }))
    })),
    members: sorted(r.members),
    amounts: sorted(r.amounts),
    charged: sorted(r.charged),
    paid: r.paid.toString(),
    state: stateToJson(r.state),
    root: rootJson(rewardsRootOf(r.epoch, r.state.cumulative))
  }
}

/** A wallet's SubmissionDeposits totals in JSON (wei as decimal strings). */
export type DepositsJson = Record<string, { deposited: string, withdrawalsRequested: string }>

/**
 * The scenario's SubmissionDeposits totals (rule 0, with the default deposit): every signing wallet has
 * deposited for ten reports but wallet 3, whose one deposit backs its EICAR report (forfeited: it earns
 * nothing) and not its later benign one (no-deposit).
 */
export function scenarioDeposits (params: RewardParams = SCENARIO_PARAMS): DepositsJson {
  const per = params.submissionDeposit ?? 0n
  const out: DepositsJson = {}
  for (let i = 1; i <= 10; i++) out[wallet(i)] = { deposited: (per * (i === 3 ? 1n : 10n)).toString(), withdrawalsRequested: '0' }
  return out
}

const depositTotals = (json: DepositsJson): Map<Hex, DepositTotals> =>
  new Map(Object.entries(json).map(([w, t]) => [w as Hex, { deposited: BigInt(t.deposited), withdrawalsRequested: BigInt(t.withdrawalsRequested) }]))

/** Epochs 0..2 over the scenario, each from the state the previous left; the same deposit totals at every end block. */
export function runScenario (all: readonly RewardFacts[], params: RewardParams = SCENARIO_PARAMS, deposits: DepositsJson = scenarioDeposits(params)): EpochRewards[] {
  const out: EpochRewards[] = []
  let state = INITIAL_REWARDS_STATE
  const totals = depositTotals(deposits)
  for (let epoch = 0; epoch <= 2; epoch++) {
    const r = computeEpochRewards({ epoch, facts: all.filter(f => f.epoch >= epoch - params.payDelayEpochs && f.epoch <= epoch), state, params, deposits: totals })
    out.push(r)
    state = r.state
  }
  return out
}

/** The params in JSON (amounts as decimal strings). */
export function paramsJson (p: RewardParams): Record<string, unknown> {
  return Object.fromEntries(Object.entries(p).map(([k, v]) => [k, typeof v === 'bigint' ? v.toString() : v]))
}
