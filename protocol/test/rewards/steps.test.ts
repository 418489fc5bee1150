/** Each paid report's steps (SPEC section 17, `virusmap rewards explain`) replay its amount exactly, rule by rule. */
import tap from 'tap'
import type { Test } from 'tap'
import { computeEpochRewards, DEFAULT_REWARD_PARAMS, INITIAL_REWARDS_STATE } from '../../src/index.ts'
import type { ItemReward } from '../../src/index.ts'
import { facts, item, VMT, wallet } from './reward-fixtures.ts'
import { runScenario, scenarioFacts } from './reward-scenario.ts'

const CAPS = new Set(['family-cap', 'wallet-cap', 'pool'])

/** Replays the steps from the base: each amount is the previous × factor, floored; raw is the amount before the caps. */
function replay (t: Test, i: ItemReward): void {
  const steps = i.steps ?? []
  if (i.outcome !== 'paid') {
    t.same(steps, [], `${i.jobId.slice(0, 10)} (${i.outcome}) has no steps`)
    return
  }
  t.equal(steps[0]?.rule, 'base')
  let a = steps[0]?.amount ?? -1n
  let raw = a
  for (const s of steps.slice(1)) {
    const [num, den] = s.factor.split('/').map(BigInt) as [bigint, bigint]
    a = a * num / den
    t.equal(s.amount, a, `${s.rule} ${s.factor}`)
    if (!CAPS.has(s.rule)) raw = a
  }
  t.equal(raw, i.raw, 'raw is the amount before the caps')
  t.equal(a, i.amount, 'the last step is the amount')
}

tap.test('the vector scenario\'s items replay', async (t) => {
  for (const epoch of runScenario(scenarioFacts())) for (const i of epoch.items) replay(t, i)
})

tap.test('the wallet cap (with stake) and the pool appear as steps', async (t) => {
  const params = { ...DEFAULT_REWARD_PARAMS, payDelayEpochs: 0, submissionDeposit: 0n, walletCapBase: 150n * VMT, walletCapStakeBps: 10_000n, budget: 250n * VMT, submitterShareBps: 10_000n }
  const reports = [
    facts({ submitter: wallet(1), item: item(1), labels: ['a'] }), facts({ submitter: wallet(1), item: item(2), labels: ['b'] }),
    facts({ submitter: wallet(2), item: item(3), labels: ['c'] }), facts({ submitter: wallet(2), item: item(4), labels: ['d'] }),
    facts({ submitter: wallet(3), item: item(5), labels: ['e'] })
  ]
  const r = computeEpochRewards({ epoch: 0, facts: reports, state: INITIAL_REWARDS_STATE, params, stakes: new Map([[wallet(2), 20n * VMT]]) })
  for (const i of r.items) replay(t, i)
  const rules = (w: number): string[] => (r.items.find((i) => i.submitter === wallet(w))?.steps ?? []).map((s) => s.rule)
  t.same(rules(1), ['base', 'wallet-cap', 'pool'], '200 over a cap of 150, then the pool')
  t.equal(r.items.find((i) => i.submitter === wallet(2))?.steps?.[1]?.factor, `${170n * VMT}/${200n * VMT}`, 'the cap holds the stake: 150 + 20')
  t.same(rules(3), ['base', 'pool'])
  t.ok(r.paid <= params.budget)
})
