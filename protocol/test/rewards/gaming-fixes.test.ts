/**
 * The reward function's answers to the gaming the token-economy simulation found (issue 18, SPEC section 17):
 * a free second-wallet confirmation, members paid for spam, family counts that never reset, family keys
 * varied by label, an ever-growing settled set, and floods of submissions without a fee.
 */
import tap from 'tap'
import { computeEpochRewards, fuzzyDistance, INITIAL_REWARDS_STATE, parseFuzzy } from '../../src/index.ts'
import type { EpochRewards, Hex, RewardFacts, RewardParams, RewardsState } from '../../src/index.ts'
import { benign, facts, item, MEMBERS4, roomy, VMT, wallet } from './reward-fixtures.ts'

/** Runs epochs 0..n-1, each from the last's state, with the facts anchored in each epoch (W = 0). */
function epochs (perEpoch: RewardFacts[][], params: RewardParams, stakes?: ReadonlyMap<Hex, bigint>): EpochRewards[] {
  let state: RewardsState = INITIAL_REWARDS_STATE
  return perEpoch.map((list, epoch) => {
    const out = computeEpochRewards({ epoch, facts: list.map(f => ({ ...f, epoch })), state, params, ...(stakes === undefined ? {} : { stakes }) })
    state = out.state
    return out
  })
}

/** A TLSH T1 digest whose body is `body` (32 bytes); header bytes fixed. */
const tlsh = (body: Uint8Array): string => `t1${'0a1b2c'}${Buffer.from(body).toString('hex')}`
const base = Uint8Array.from({ length: 32 }, (_, i) => (i * 37) & 0xff)
/** `base` with the low 2-bit code of the first `n` bytes moved by one: TLSH body distance n. */
const near = (n: number): string => tlsh(base.map((b, i) => i < n ? (b & 3) === 3 ? b - 1 : b + 1 : b))

tap.test('fuzzy hashes: TLSH digests parse strictly and the body distance is TLSH\'s', async (t) => {
  t.equal(parseFuzzy(tlsh(base).toUpperCase()), tlsh(base), 'canonical lowercase')
  for (const bad of ['', 't1', `t2${'0'.repeat(70)}`, `t1${'0'.repeat(69)}`, `t1${'0'.repeat(71)}`, `t1${'g'.repeat(70)}`, `${'0'.repeat(72)}`]) t.equal(parseFuzzy(bad), undefined, JSON.stringify(bad))
  t.equal(fuzzyDistance(tlsh(base), tlsh(base)), 0)
  t.equal(fuzzyDistance(tlsh(base), near(7)), 7)
  t.equal(fuzzyDistance(tlsh(new Uint8Array(32)), tlsh(new Uint8Array(32).fill(0xff))), 32 * 4 * 6, 'a code 3 apart counts 6')
  t.throws(() => computeEpochRewards({ epoch: 0, facts: [{ ...facts({ submitter: wallet(1), item: item(1) }), fuzzy: 'T1ZZ' }], state: INITIAL_REWARDS_STATE, params: roomy() }), { code: 'BAD_FACTS' }, 'a malformed digest in facts')
})

tap.test('(a) a confirmation from a second wallet costs stake: free wallets add nothing, each staked one confirms stake / confirmerMinStake items', async (t) => {
  const params = roomy({ payDelayEpochs: 1 })
  const originals = [1, 2, 3].map(i => facts({ submitter: wallet(1), item: item(i), epoch: 0, firstSeen: i, labels: [`fam${i}`] }))
  const confirmations = originals.map((f, i) => facts({ submitter: wallet(9), item: f.item, epoch: 1, firstSeen: 100 + i, origin: MEMBERS4[1] as Hex, labels: f.labels }))
  const state = computeEpochRewards({ epoch: 0, facts: originals, state: INITIAL_REWARDS_STATE, params }).state
  const run = (stake: bigint): bigint[] => computeEpochRewards({ epoch: 1, facts: [...originals, ...confirmations], state, params, stakes: new Map([[wallet(9), stake]]) }).items.map(i => i.amount)
  t.same(run(0n), [100n * VMT, 100n * VMT, 100n * VMT], 'an unstaked second wallet: no bonus')
  t.same(run(2_000n * VMT), [150n * VMT, 150n * VMT, 100n * VMT], 'twice the minimum stake confirms two items, in first-seen order')
  t.same(computeEpochRewards({ epoch: 1, facts: [...originals, ...confirmations], state, params: { ...params, confirmerMinStake: 0n } }).items.map(i => i.amount), [150n * VMT, 150n * VMT, 150n * VMT], 'confirmerMinStake 0: the old, free rule')
})

tap.test('(b) members are paid only for the first confirmed report of an unsettled item: spam, tests and repeats pay no member', async (t) => {
  const spam = Array.from({ length: 20 }, (_, i) => benign(wallet(2), item(100 + i)))
  const repeat = facts({ submitter: wallet(3), item: item(1), firstSeen: 9_000_000 })
  const out = computeEpochRewards({ epoch: 0, facts: [facts({ submitter: wallet(1), item: item(1) }), repeat, ...spam, benign(wallet(2), item(200), { labels: ['eicar_test_file'] })], state: INITIAL_REWARDS_STATE, params: roomy() })
  t.same([...out.members.values()], [VMT, VMT, VMT, VMT], 'one agreeing reveal each: the one paid item')
  const sus = computeEpochRewards({ epoch: 0, facts: [facts({ submitter: wallet(1), item: item(2), detected: [], flagged: MEMBERS4.slice(0, 3), maliciousEngines: [], suspiciousEngines: ['a', 'b'] })], state: INITIAL_REWARDS_STATE, params: roomy() })
  t.same([...sus.members.keys()], MEMBERS4.slice(0, 3), 'a suspicious item pays the members that flagged it')
})

tap.test('(c) a family\'s count halves every familyHalfLifeEpochs, so a popular family pays new finds again', async (t) => {
  const labels = ['win.trojan.popular']
  const find = (i: number): RewardFacts => facts({ submitter: wallet(i % 5), item: item(500 + i), labels })
  const params = roomy({ familyHalfLifeEpochs: 4 })
  const plan = [[0, 1, 2, 3, 4, 5, 6].map(find), [], [], [], [], [], [], [], [], [], [], [], [find(7)]]
  const out = epochs(plan, params)
  t.equal(out[0]?.state.families.get('file:label:win.trojan.popular')?.count, 7)
  t.equal(out[12]?.items[0]?.duplicateIndex, 0, '12 epochs = 3 half-lives later, 7 siblings have decayed to 0')
  t.equal(out[12]?.items[0]?.amount, 100n * VMT)
  const never = epochs(plan, roomy({ familyHalfLifeEpochs: 0 }))
  t.equal(never[12]?.items[0]?.duplicateIndex, 7, 'familyHalfLifeEpochs 0: the count never resets')
  const at = epochs([[0, 1, 2, 3].map(find), [], [], [], [], [], [find(8)]], params)
  t.equal(at[6]?.items[0]?.duplicateIndex, 2, '6 epochs later: one half-life, 4 -> 2')
  const gone = epochs([[find(9)], [], [], [], [], []], params)
  t.notOk(gone[5]?.state.families.has('file:label:win.trojan.popular'), 'a family whose count decayed to 0 leaves the state')
})

tap.test('(d) variants whose engines name them differently stay one family: by fuzzy hash, else by their least-paid label', async (t) => {
  const digest = tlsh(base)
  // the same byte-appended sample, each engine subset giving another label list
  const labelSets = [['a.trojan', 'b.trojan', 'ml.generic'], ['a.trojan'], ['b.trojan', 'ml.generic'], ['a.trojan', 'ml.generic'], ['b.trojan']]
  const variants = labelSets.map((labels, i) => facts({ submitter: wallet(1), item: item(600 + i), labels, fuzzy: near(i * 3) }))
  const fuzzyOut = computeEpochRewards({ epoch: 0, facts: variants, state: INITIAL_REWARDS_STATE, params: roomy({ fuzzyThreshold: 20 }) })
  t.same(fuzzyOut.items.map(i => i.duplicateIndex), [0, 1, 2, 3, 4], 'within the threshold of the first digest: one family')
  t.ok(fuzzyOut.items.every(i => i.family === `file:fuzzy:${item(600)}`))
  const strict = computeEpochRewards({ epoch: 0, facts: variants, state: INITIAL_REWARDS_STATE, params: roomy({ fuzzyThreshold: 5 }) })
  t.same(strict.items.map(i => i.duplicateIndex), [0, 1, 0, 1, 0], 'threshold 5: digests 0 and 3 apart join, 6 founds a family that 9 joins, 12 founds another')
  const far = tlsh(base.map(b => b ^ 0xff))
  t.ok(fuzzyDistance(digest, far) > 300)
  const unrelated = computeEpochRewards({ epoch: 0, facts: [variants[0] as RewardFacts, facts({ submitter: wallet(2), item: item(700), labels: ['a.trojan'], fuzzy: far })], state: INITIAL_REWARDS_STATE, params: roomy() })
  t.same(unrelated.items.map(i => i.duplicateIndex), [0, 0], 'a distant digest is its own family even under the same label')
  const byLabel = computeEpochRewards({ epoch: 0, facts: variants.map(({ fuzzy: _f, ...f }) => f), state: INITIAL_REWARDS_STATE, params: roomy() })
  t.same(byLabel.items.map(i => i.duplicateIndex), [0, 1, 1, 2, 2], 'no digest: each shares a label with what came before, so no label list starts afresh')
  const fifty = Array.from({ length: 50 }, (_, i) => facts({ submitter: wallet(1), item: item(1000 + i), labels: labelSets[i % labelSets.length] as string[] }))
  const total = computeEpochRewards({ epoch: 0, facts: fifty, state: INITIAL_REWARDS_STATE, params: roomy() }).items.reduce((s, i) => s + i.amount, 0n)
  // keyed by the joined label list, each of the five lists was a family of its own: up to 5 x 200
  t.ok(total < 300n * VMT, `fifty label-varied variants earn ${total / VMT} VMT < three times one sample`)
})

tap.test('(e) settled items are forgotten after settledRetentionEpochs, so the state stops growing', async (t) => {
  const params = roomy({ settledRetentionEpochs: 3 })
  const plan = Array.from({ length: 8 }, (_, e) => [facts({ submitter: wallet(1), item: item(800 + e), labels: [`f${e}`] })])
  const out = epochs(plan, params)
  t.same(out.map(o => o.state.settled.size), [1, 2, 3, 3, 3, 3, 3, 3], 'at most three epochs of settled items')
  const again = epochs([...plan.slice(0, 4), [facts({ submitter: wallet(2), item: item(800), labels: ['f0'] })]], params)
  t.equal(again[4]?.items[0]?.outcome, 'paid', 'an item forgotten may earn again (public lists hold it by then: publicListBps)')
  const kept = epochs([...plan.slice(0, 4), [facts({ submitter: wallet(2), item: item(800), labels: ['f0'] })]], roomy({ settledRetentionEpochs: 0 }))
  t.equal(kept[4]?.items[0]?.outcome, 'settled', 'settledRetentionEpochs 0: kept forever')
})

tap.test('fee: reports over the free quota are charged from the wallet\'s rewards, the rest is a debt its later rewards pay', async (t) => {
  const params = roomy({ freeSubmissionsPerEpoch: 2, submissionFee: 30n * VMT })
  const flood = [facts({ submitter: wallet(1), item: item(900), labels: ['x'] }), ...Array.from({ length: 9 }, (_, i) => benign(wallet(1), item(901 + i)))]
  const out = epochs([flood, [facts({ submitter: wallet(1), item: item(950), labels: ['y'] })], [facts({ submitter: wallet(1), item: item(960), labels: ['z'] })]], params)
  const [e0, e1, e2] = out
  t.equal(e0?.items[0]?.amount, 10n * VMT, 'earned 100 x 1/10 precision')
  t.equal(e0?.charged.get(wallet(1)), 10n * VMT, '8 over the quota owe 240; the 10 earned are taken')
  t.notOk(e0?.amounts.has(wallet(1)), 'nothing paid')
  t.equal(e0?.state.debts?.get(wallet(1)), 230n * VMT, 'the rest is a debt')
  t.equal(e1?.charged.get(wallet(1)), 100n * VMT)
  t.equal(e1?.state.debts?.get(wallet(1)), 130n * VMT)
  t.equal(e2?.state.debts?.get(wallet(1)), 30n * VMT)
  for (const e of out) {
    const earned = e.items.reduce((s, i) => s + i.amount, 0n) + [...e.members.values()].reduce((s, a) => s + a, 0n)
    const charged = [...e.charged.values()].reduce((s, a) => s + a, 0n)
    t.equal(e.paid, earned - charged, `epoch ${e.epoch}: paid = earned - charged, the charge stays in the pool`)
  }
  const quiet = epochs([flood.slice(0, 2)], params)
  t.equal(quiet[0]?.charged.size, 0, 'within the quota: no fee')
  const members = epochs([[facts({ submitter: MEMBERS4[0] as Hex, item: item(970), labels: ['m'] }), ...Array.from({ length: 3 }, (_, i) => benign(MEMBERS4[0] as Hex, item(971 + i)))]], params)
  t.equal(members[0]?.charged.get(MEMBERS4[0] as Hex), 26n * VMT, 'a member submitting pays from its member share too: 25 earned as submitter + 1 as member')
  t.equal(members[0]?.state.debts?.get(MEMBERS4[0] as Hex), 34n * VMT)
})
