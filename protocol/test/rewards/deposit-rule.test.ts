/**
 * Rule 0 in the reward function (SPEC 17): a signed report earns only when its wallet's submission deposit
 * covers it at the paid epoch's end block, and a sybil mutator's variants forfeit more than they earn on any
 * number of wallets (issue 18's 30-wallet mutator). Deposits paid back are in the tree's amounts, never in
 * what the budget pays.
 */
import tap from 'tap'
import { computeEpochRewards, INITIAL_REWARDS_STATE } from '../../src/index.ts'
import type { DepositTotals, Hex, RewardFacts, RewardParams } from '../../src/index.ts'
import { facts, item, roomy, VMT, wallet } from './reward-fixtures.ts'

const D = 8n * VMT
const withDeposit = (extra: Partial<RewardParams> = {}): RewardParams => roomy({ submissionDeposit: D, ...extra })
const locked = (wallets: readonly Hex[], each: bigint): Map<Hex, DepositTotals> => new Map(wallets.map(w => [w, { deposited: each, withdrawalsRequested: 0n }]))
const run = (list: RewardFacts[], params: RewardParams, deposits?: Map<Hex, DepositTotals>) =>
  computeEpochRewards({ epoch: 0, facts: list, state: INITIAL_REWARDS_STATE, params, ...(deposits === undefined ? {} : { deposits }) })

/** `count` byte-appended variants of one sample (one family by label), spread over `wallets` fresh wallets. */
const mutants = (count: number, wallets: number): RewardFacts[] =>
  Array.from({ length: count }, (_, i) => facts({ submitter: wallet(100 + (i % wallets)), item: item(5000 + i), labels: ['win.trojan.mutated'] }))
const walletsOf = (list: readonly RewardFacts[]): Hex[] => [...new Set(list.map(f => f.submitter))]

tap.test('a signed report without a deposit earns nothing and says so; with one it earns and gets the deposit back', async (t) => {
  const f = facts({ submitter: wallet(1), item: item(1) })
  const none = run([f], withDeposit())
  t.equal(none.items[0]?.outcome, 'no-deposit')
  t.equal(none.paid, 4n * VMT, 'only the members, for four agreeing reveals of a real find (as for an unsigned one)')
  t.notOk(none.amounts.has(wallet(1)))
  t.same(none.deposits.get(wallet(1)), { backed: 0, unbacked: 1, refunded: 0n, forfeited: 0n, withdrawn: 0n })
  const short = run([f], withDeposit(), locked([wallet(1)], D - 1n))
  t.equal(short.items[0]?.outcome, 'no-deposit', 'one wei short')
  const covered = run([f], withDeposit(), locked([wallet(1)], D))
  t.equal(covered.items[0]?.outcome, 'paid')
  t.equal(covered.paid, 100n * VMT + 4n * VMT, 'rewards only: the base reward and four agreeing reveals')
  t.equal(covered.amounts.get(wallet(1)), 100n * VMT + D, 'the tree pays the reward plus the deposit back')
  t.equal(covered.state.cumulative.get(wallet(1)), 100n * VMT + D)
  t.same(covered.state.deposits?.get(wallet(1)), { used: D, returned: 0n })
  t.same(run([f], roomy()).items[0]?.outcome, 'paid', 'deposit 0: the rule is off')
})

tap.test('an unbacked report takes no family slot: the wallet that deposited is paid as the first of the family', async (t) => {
  const free = facts({ submitter: wallet(1), item: item(1), labels: ['win.trojan.x'] })
  const paid = facts({ submitter: wallet(2), item: item(2), labels: ['win.trojan.x'] })
  const out = run([free, paid], withDeposit(), locked([wallet(2)], D))
  t.same(out.items.map(i => [i.outcome, i.duplicateIndex]), [['no-deposit', 0], ['paid', 0]])
  t.equal(out.items[1]?.amount, 100n * VMT)
})

tap.test('the sybil mutator: without deposits its 30 wallets earn nothing, with them the variants forfeit more than they earn', async (t) => {
  const spread = mutants(50, 30)
  const noRule = run(spread, roomy())
  const earnedWithoutRule = noRule.items.reduce((s, i) => s + i.amount, 0n)
  t.ok(earnedWithoutRule > 0n, `without rule 0 the 30 wallets earn ${earnedWithoutRule}`)
  const bare = run(spread, withDeposit())
  t.equal(bare.items.filter(i => i.outcome === 'no-deposit').length, 50, 'fresh wallets with no deposit: every report unbacked')
  t.ok(walletsOf(spread).every(w => !bare.amounts.has(w)), 'no mutator wallet is paid')
  const net = (wallets: number): bigint => {
    const list = mutants(50, wallets)
    const out = run(list, withDeposit(), locked(walletsOf(list), 50n * D))
    const rewards = out.items.reduce((s, i) => s + i.amount, 0n)
    const forfeited = [...out.deposits.values()].reduce((s, d) => s + d.forfeited, 0n)
    t.equal(rewards, earnedWithoutRule, `on ${wallets} wallets: the deposits change no reward`)
    return rewards - forfeited
  }
  const on30 = net(30)
  t.ok(on30 < 0n, `50 variants on 30 wallets: rewards minus forfeits ${on30} < 0`)
  t.equal(net(1), on30, 'the same on one wallet: the deposit is per report')
})

tap.test('deposits carry over epochs: a report uses its deposit until paid, then a withdrawal is paid back', async (t) => {
  const a = wallet(1)
  const params = withDeposit({ payDelayEpochs: 1 })
  const e0 = facts({ submitter: a, item: item(1), epoch: 0 })
  const e1 = facts({ submitter: a, item: item(2), epoch: 1 })
  const one = locked([a], D)
  const r0 = computeEpochRewards({ epoch: 0, facts: [e0], state: INITIAL_REWARDS_STATE, params, deposits: one })
  t.equal(r0.paidEpoch, undefined)
  const r1 = computeEpochRewards({ epoch: 1, facts: [e0, e1], state: r0.state, params, deposits: one })
  t.equal(r1.items[0]?.outcome, 'paid')
  const r2 = computeEpochRewards({ epoch: 2, facts: [e1], state: r1.state, params, deposits: new Map([[a, { deposited: D, withdrawalsRequested: 0n }]]) })
  t.equal(r2.items[0]?.outcome, 'no-deposit', 'its one deposit was used by epoch 0\'s report')
  // a wallet that deposited twice and asked one back: its report is backed by one, the other is paid back
  const b = wallet(2)
  const f = facts({ submitter: b, item: item(3), epoch: 0 })
  const out = computeEpochRewards({ epoch: 0, facts: [f], state: INITIAL_REWARDS_STATE, params: withDeposit(), deposits: new Map([[b, { deposited: 2n * D, withdrawalsRequested: D }]]) })
  t.same(out.deposits.get(b), { backed: 1, unbacked: 0, refunded: D, forfeited: 0n, withdrawn: D })
  t.equal(out.amounts.get(b), 100n * VMT + 2n * D)
  t.same(out.state.deposits?.get(b), { used: D, returned: D })
})

tap.test('hostile deposit totals stop the epoch with BAD_DEPOSITS', async (t) => {
  const f = facts({ submitter: wallet(1), item: item(1) })
  t.throws(() => run([f], withDeposit(), new Map([[wallet(1), { deposited: 1n, withdrawalsRequested: 2n }]])), { code: 'BAD_DEPOSITS' })
  t.throws(() => run([f], withDeposit({ submissionDeposit: -1n })), { code: 'BAD_PARAMS' })
})
