/**
 * Rule 0, the submission deposit (SPEC 17): which signed reports a wallet's deposits back, what each backed
 * report gets back (min(deposit, earned), the simulations' 'shortfall') and forfeits, how withdrawals are
 * paid out of what the reports left, and the totals and ledger held to their shape.
 */
import tap from 'tap'
import { backedReports, checkDepositTotals, INITIAL_REWARDS_STATE, settleDeposits, stateFromJson, stateToJson } from '../../src/index.ts'
import type { DepositLedger, DepositTotals, Hex, ItemOutcome, ItemReward } from '../../src/index.ts'
import { benign, facts, item, VMT, wallet, ZERO_ADDRESS } from './reward-fixtures.ts'

const D = 8n * VMT
const totals = (entries: Array<[Hex, bigint, bigint?]>): Map<Hex, DepositTotals> => new Map(entries.map(([w, d, r]) => [w, { deposited: d, withdrawalsRequested: r ?? 0n }]))
const reward = (f: { jobId: Hex, item: Hex, submitter: Hex }, amount: bigint, outcome: ItemOutcome = 'paid'): ItemReward => ({
  jobId: f.jobId, item: f.item, submitter: f.submitter, class: 'malicious', outcome, family: '', listed: false, confirmedLater: false, duplicateIndex: 0, precision: [1, 1], raw: amount, amount
})

tap.test('a wallet backs floor((deposited - withdrawals requested - used) / deposit) reports, in the order given', async (t) => {
  const a = wallet(1)
  const b = wallet(2)
  const reports = [facts({ submitter: a, item: item(1) }), facts({ submitter: b, item: item(2) }), facts({ submitter: a, item: item(3) }), facts({ submitter: a, item: item(4) }), benign(ZERO_ADDRESS, item(5))]
  const backed = backedReports(reports, totals([[a, 2n * D + D / 2n], [b, D, 1n]]), new Map(), D)
  t.same([...backed], [reports[0]?.jobId, reports[2]?.jobId], 'a: 2.5 deposits back its first two; b: a wei asked back leaves less than one; unsigned: never')
  const used = new Map<Hex, DepositLedger>([[a, { used: 2n * D, returned: 0n }]])
  t.same(backedReports(reports, totals([[a, 3n * D]]), used, D).size, 1, 'what earlier epochs used backs nothing now')
  t.same(backedReports(reports, undefined, new Map(), D).size, 0, 'no totals read: nothing is backed')
  t.same(backedReports(reports, undefined, new Map(), 0n).size, 4, 'a zero deposit backs every signed report')
})

tap.test('a backed report gets min(deposit, earned) back and forfeits the rest; an unbacked one earned nothing and settles nothing', async (t) => {
  const a = wallet(1)
  const [big, small, none, late] = [1, 2, 3, 4].map(i => facts({ submitter: a, item: item(i) })) as [ReturnType<typeof facts>, ReturnType<typeof facts>, ReturnType<typeof facts>, ReturnType<typeof facts>]
  const items = [reward(big, 100n * VMT), reward(small, 3n * VMT), reward(none, 0n, 'unconfirmed'), reward(late, 0n, 'not-first'), reward({ ...late, submitter: ZERO_ADDRESS }, 0n, 'unsigned')]
  const backed = new Set([big.jobId, small.jobId, none.jobId])
  const { ledger, settled } = settleDeposits(items, backed, totals([[a, 3n * D]]), new Map(), D)
  t.same(settled.get(a), { backed: 3, unbacked: 1, refunded: D + 3n * VMT, forfeited: 5n * VMT + D, withdrawn: 0n }, 'paid 100: all back; paid 3: 5 lost; unconfirmed: 8 lost')
  t.same(ledger.get(a), { used: 3n * D, returned: 0n })
  t.notOk(settled.has(ZERO_ADDRESS))
  t.same(settleDeposits(items, backed, undefined, new Map(), 0n).settled.size, 0, 'no deposit: nothing to settle')
})

/** What 30 reports (paid 0..9 VMT) forfeit when spread over `wallets` wallets, each with 30 deposits. */
function forfeited (wallets: number): bigint {
  const reports = Array.from({ length: 30 }, (_, i) => facts({ submitter: wallet(1 + (i % wallets)), item: item(100 + i) }))
  const all = totals(Array.from({ length: wallets }, (_, i) => [wallet(1 + i), 30n * D] as [Hex, bigint]))
  const backed = backedReports(reports, all, new Map(), D)
  const { settled } = settleDeposits(reports.map((f, i) => reward(f, BigInt(i % 10) * VMT)), backed, all, new Map(), D)
  return [...settled.values()].reduce((s, x) => s + x.forfeited, 0n)
}

tap.test('the forfeit is per report: the same reports on 1 or 30 wallets forfeit the same', async (t) => {
  t.equal(forfeited(30), forfeited(1))
  t.ok(forfeited(1) > 0n)
})

tap.test('a withdrawal request is paid out of what the reports left, once', async (t) => {
  const a = wallet(1)
  const f = facts({ submitter: a, item: item(1) })
  const t1 = totals([[a, 3n * D, 2n * D]])
  const backed = backedReports([f], t1, new Map(), D)
  t.equal(backed.size, 1, '3 deposited, 2 asked back: one report backed')
  const first = settleDeposits([reward(f, 0n, 'unconfirmed')], backed, t1, new Map(), D)
  t.same(first.settled.get(a), { backed: 1, unbacked: 0, refunded: 0n, forfeited: D, withdrawn: 2n * D })
  t.same(first.ledger.get(a), { used: D, returned: 2n * D }, 'all 3 accounted for')
  const again = settleDeposits([], new Set(), t1, first.ledger, D)
  t.equal(again.settled.size, 0, 'paid once')
  // asked for more than the reports left: what is left is paid, the rest never
  const t2 = totals([[a, 2n * D, 2n * D]])
  const short = settleDeposits([], new Set(), t2, new Map([[a, { used: D, returned: 0n }]]), D)
  t.equal(short.settled.get(a)?.withdrawn, D)
  t.equal(settleDeposits([], new Set(), t2, short.ledger, D).settled.size, 0, 'nothing left to pay')
  // a zero deposit (rule off) still pays withdrawals back
  t.equal(settleDeposits([], new Set(), totals([[a, D, D]]), new Map(), 0n).settled.get(a)?.withdrawn, D)
})

tap.test('malformed and hostile totals are refused with BAD_DEPOSITS', async (t) => {
  const a = wallet(1)
  const bad: unknown[] = [
    new Map([['0xABC', { deposited: 1n, withdrawalsRequested: 0n }]]),
    new Map([[a.toUpperCase(), { deposited: 1n, withdrawalsRequested: 0n }]]),
    new Map([[a, { deposited: 1, withdrawalsRequested: 0n }]]),
    new Map([[a, { deposited: -1n, withdrawalsRequested: -2n }]]),
    new Map([[a, { deposited: 1n, withdrawalsRequested: 2n }]]),
    new Map([[a, null]]),
    { [a]: { deposited: 1n, withdrawalsRequested: 0n } },
    [[a, { deposited: 1n, withdrawalsRequested: 0n }]]
  ]
  for (const x of bad) t.throws(() => { checkDepositTotals(x as Map<Hex, DepositTotals>) }, { name: 'RewardsError', code: 'BAD_DEPOSITS' })
  t.doesNotThrow(() => { checkDepositTotals(totals([[a, 2n ** 208n, 2n ** 208n]])) })
  t.doesNotThrow(() => { checkDepositTotals(undefined) })
})

tap.test('the ledger survives the state\'s JSON; a state without deposits writes none; bad ledgers are BAD_STATE', async (t) => {
  const a = wallet(1)
  const state = { ...INITIAL_REWARDS_STATE, epoch: 3, deposits: new Map([[a, { used: 5n, returned: 7n }]]) }
  const json = stateToJson(state)
  t.same(json.deposits, { [a]: { used: '5', returned: '7' } })
  t.same(stateFromJson(JSON.parse(JSON.stringify(json))).deposits, state.deposits)
  t.notOk('deposits' in stateToJson(INITIAL_REWARDS_STATE), 'older states keep their bytes')
  t.same(stateFromJson(stateToJson(INITIAL_REWARDS_STATE)).deposits, new Map())
  const hostile: unknown[] = [[], 'x', { [a]: { used: '5' } }, { [a]: { used: '-1', returned: '0' } }, { [a]: { used: '1', returned: '0', extra: '1' } }, { '0xZZ': { used: '1', returned: '0' } }, { [a]: { used: 1, returned: '0' } }, { [a]: { used: '1'.repeat(100), returned: '0' } }]
  for (const d of hostile) t.throws(() => stateFromJson({ ...json, deposits: d }), { name: 'RewardsError', code: 'BAD_STATE' })
})
