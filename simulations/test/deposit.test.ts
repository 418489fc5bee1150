/**
 * The agents' submission deposits in the economy model: the book answers what SubmissionDeposits would at
 * each epoch's end, and in a run the reward function's own rule 0 backs every agent's report and settles
 * the deposits (protocol/test/rewards/deposit*.test.ts hold the rule itself).
 */
import tap from 'tap'
import type { Hex } from '#protocol/messages.ts'
import { DEFAULT_REWARD_PARAMS } from '#protocol/rewards/index.ts'
import type { EpochRewards } from '#protocol/rewards/index.ts'
import { DepositBook } from '../src/economy/deposit.ts'
import { runEconomy } from '../src/economy/economy-run.ts'
import { toWei } from '../src/economy/market.ts'
import { DEFAULT_ECONOMY } from '../src/economy/params.ts'

const wallet = (i: number): Hex => `0x${i.toString(16).padStart(40, '0')}` as Hex

tap.test('the book: one deposit per report, cumulative, snapshotted at each epoch\'s end and forgotten after W', async (t) => {
  const book = new DepositBook(toWei(8), 2)
  book.lock(0, [wallet(1), wallet(1), wallet(2)])
  book.lock(1, [wallet(2)])
  t.same(book.at(0), new Map([[wallet(1), { deposited: toWei(16), withdrawalsRequested: 0n }], [wallet(2), { deposited: toWei(8), withdrawalsRequested: 0n }]]))
  t.same(book.at(1)?.get(wallet(2)), { deposited: toWei(16), withdrawalsRequested: 0n })
  book.lock(2, [])
  book.lock(3, [])
  t.equal(book.at(0), undefined, 'epoch 0 is paid by epoch 2: not asked for after')
  t.ok(book.at(1) !== undefined)
  const none = new DepositBook(0n, 0)
  none.lock(0, [wallet(1)])
  t.equal(none.at(0)?.size, 0, 'no deposit: nothing locked')
})

tap.test('in a run every report is backed, the mutator on 30 wallets forfeits, spammers lose every deposit', async (t) => {
  const sybil = { ...DEFAULT_ECONOMY, mutator: { ...DEFAULT_ECONOMY.mutator, wallets: 30 } }
  const outs: EpochRewards[] = []
  const run = (amount: number, onEpoch?: (out: EpochRewards) => void): ReturnType<typeof runEconomy> =>
    runEconomy({ seed: 4, epochs: 8, params: { ...DEFAULT_REWARD_PARAMS, submissionDeposit: toWei(amount) }, eco: sybil, ...(onEpoch === undefined ? {} : { onEpoch }) })
  const none = run(0)
  const eight = run(8, out => { outs.push(out) })
  t.ok(outs.every(o => o.items.every(i => i.outcome !== 'no-deposit')), 'the agents lock a deposit for every report')
  t.ok(outs.some(o => [...o.deposits.values()].some(d => d.forfeited > 0n)), 'and some is forfeited')
  t.ok(eight.cost.mutator > none.cost.mutator, `mutator cost ${eight.cost.mutator} > ${none.cost.mutator}`)
  t.ok(eight.cost.spammer >= none.cost.spammer + 8 * DEFAULT_ECONOMY.spammer.perEpoch * DEFAULT_ECONOMY.spammer.wallets * 6, 'every paid epoch\'s spam forfeits its deposit')
  t.equal(eight.reward.mutator, none.reward.mutator, 'the deposit does not change what the reward function pays')
})

/** what each backed report of a short default economy locked: refunded + forfeited per report */
function settledPerReport (params: typeof DEFAULT_REWARD_PARAMS): bigint[] {
  const per: bigint[] = []
  runEconomy({
    seed: 5,
    epochs: 4,
    params,
    eco: DEFAULT_ECONOMY,
    onEpoch: (out) => { for (const d of out.deposits.values()) if (d.backed > 0) per.push((d.refunded + d.forfeited) / BigInt(d.backed)) }
  })
  return per
}

tap.test('the deposit each report locks is the reward parameters\' submissionDeposit: the economy overrides no protocol default', async (t) => {
  const three = settledPerReport({ ...DEFAULT_REWARD_PARAMS, submissionDeposit: toWei(3) })
  t.ok(three.length > 0, 'reports were backed and settled')
  t.ok(three.every(d => d === toWei(3)), 'a sweep\'s 3 VMT is what every backed report locked')
  const defaults = settledPerReport(DEFAULT_REWARD_PARAMS)
  const deposit = DEFAULT_REWARD_PARAMS.submissionDeposit ?? 0n
  t.ok(deposit === 0n ? defaults.length === 0 : defaults.length > 0 && defaults.every(d => d === deposit), `at the protocol's defaults every report locked its ${deposit} wei`)
})
