/** The submission deposit of the economy model: what each refund rule forfeits, per report, on any number of wallets. */
import tap from 'tap'
import { ZERO_ADDRESS } from '#protocol/messages.ts'
import type { Hex } from '#protocol/messages.ts'
import { DEFAULT_REWARD_PARAMS } from '#protocol/rewards/index.ts'
import type { ItemOutcome, ItemReward, RewardClass } from '#protocol/rewards/index.ts'
import { settleDeposits } from '../src/economy/deposit.ts'
import { runEconomy } from '../src/economy/economy-run.ts'
import { toWei } from '../src/economy/market.ts'
import { DEFAULT_ECONOMY } from '../src/economy/params.ts'

const wallet = (i: number): Hex => `0x${i.toString(16).padStart(40, '0')}` as Hex

function report (submitter: Hex, cls: RewardClass, outcome: ItemOutcome, amountVmt: number): ItemReward {
  return {
    jobId: `0x${'11'.repeat(32)}` as Hex, item: `0x${'22'.repeat(32)}` as Hex, submitter, class: cls, outcome, family: 'f', listed: false,
    confirmedLater: false, duplicateIndex: 0, precision: [1, 1], raw: toWei(amountVmt), amount: toWei(amountVmt)
  }
}

tap.test('shortfall: a report keeps its deposit up to what it earned', async (t) => {
  const a = wallet(1)
  const items = [report(a, 'malicious', 'paid', 100), report(a, 'malicious', 'paid', 3), report(a, 'none', 'unconfirmed', 0), report(a, 'malicious', 'not-first', 0)]
  const s = settleDeposits(items, new Map(), { amount: 8, refund: 'shortfall', stakePerFreeReport: 0 })
  t.equal(s.lost.get(a), toWei(5 + 8 + 8), 'paid 100: nothing lost; paid 3: 5 lost; unconfirmed and not first: 8 each')
  t.equal(s.held.get(a), 4)
})

tap.test('confirmed: only an item the quorum did not confirm forfeits', async (t) => {
  const a = wallet(1)
  const items = [report(a, 'malicious', 'not-first', 0), report(a, 'suspicious', 'paid', 1), report(a, 'none', 'unconfirmed', 0)]
  t.equal(settleDeposits(items, new Map(), { amount: 8, refund: 'confirmed', stakePerFreeReport: 0 }).lost.get(a), toWei(8))
})

tap.test('a staked wallet\'s first stake / stakePerFreeReport reports lock nothing; unsigned reports never do', async (t) => {
  const staked = wallet(1)
  const items = [...Array.from({ length: 3 }, () => report(staked, 'none', 'unconfirmed', 0)), report(ZERO_ADDRESS, 'none', 'unsigned', 0)]
  const s = settleDeposits(items, new Map([[staked, toWei(2500)]]), { amount: 8, refund: 'shortfall', stakePerFreeReport: 1000 })
  t.equal(s.lost.get(staked), toWei(8), 'two free, the third pays')
  t.equal(s.held.get(staked), 1)
  t.notOk(s.lost.has(ZERO_ADDRESS))
  t.equal(settleDeposits(items, new Map(), { amount: 0, refund: 'shortfall', stakePerFreeReport: 0 }).lost.size, 0, 'no deposit, nothing forfeited')
})

function forfeitedOn (wallets: number): bigint {
  const items = Array.from({ length: 30 }, (_, i) => report(wallet(i % wallets), 'malicious', 'paid', i % 10))
  return [...settleDeposits(items, new Map(), { amount: 8, refund: 'shortfall', stakePerFreeReport: 0 }).lost.values()].reduce((x, y) => x + y, 0n)
}

tap.test('the same reports split over more wallets forfeit the same total: the deposit is per report', async (t) => {
  const total = forfeitedOn
  t.equal(total(30), total(1))
  t.ok(total(1) > 0n)
})

tap.test('in a run, a deposit costs the mutator more on 30 wallets than none, and spammers lose their deposits', async (t) => {
  const sybil = { ...DEFAULT_ECONOMY, mutator: { ...DEFAULT_ECONOMY.mutator, wallets: 30 } }
  const run = (amount: number): ReturnType<typeof runEconomy> => runEconomy({ seed: 4, epochs: 8, params: DEFAULT_REWARD_PARAMS, eco: { ...sybil, deposit: { ...sybil.deposit, amount } } })
  const none = run(0)
  const eight = run(8)
  t.ok(eight.cost.mutator > none.cost.mutator, `mutator cost ${eight.cost.mutator} > ${none.cost.mutator}`)
  t.ok(eight.cost.spammer >= none.cost.spammer + 8 * DEFAULT_ECONOMY.spammer.perEpoch * DEFAULT_ECONOMY.spammer.wallets * 6, 'every paid epoch\'s spam forfeits its deposit')
  t.equal(eight.reward.mutator, none.reward.mutator, 'the deposit does not change what the reward function pays')
})
