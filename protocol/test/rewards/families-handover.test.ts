/**
 * A FamilyIndex hands its fuzzy index on to the next epoch's (families.ts) instead of the next one
 * measuring every family's digest again. The handover must change no result: a chain of epochs computed
 * from each returned state gives what the same chain gives from states read back from JSON (which
 * never carry an index), and a second computation from one state is not touched by the first.
 */
import { createHash } from 'node:crypto'
import tap from 'tap'
import { computeEpochRewards, INITIAL_REWARDS_STATE, stateFromJson, stateToJson } from '../../src/index.ts'
import type { EpochRewards, RewardFacts, RewardsState } from '../../src/index.ts'
import { facts, item, roomy, wallet } from './reward-fixtures.ts'

const bytes = (seed: string): Buffer => createHash('sha256').update(seed).digest()

/** A digest a few 2-bit codes from one of 40 centres, or (one in three) anywhere: reports join, found and outlive families. */
function digest (i: number): string {
  const r = bytes(`pick-${i}`)
  const body = Buffer.from(bytes(i % 3 === 1 ? `anywhere-${i}` : `centre-${(r[0] as number) % 40}`))
  for (let k = 0; k < (r[1] as number) % 24; k++) {
    const code = (r[2 + k] as number) % 128
    body[code >> 2] = (body[code >> 2] as number) ^ (1 << (2 * (code % 4)))
  }
  return `t1000000${body.toString('hex')}`
}

const EPOCHS = 40
const params = roomy({ payDelayEpochs: 2, familyHalfLifeEpochs: 2, fuzzyThreshold: 30, familyCap: 300n * 10n ** 18n })
const byEpoch: RewardFacts[][] = Array.from({ length: EPOCHS }, (_e, e) => Array.from({ length: 12 }, (_k, k) => {
  const i = e * 12 + k
  // every fifth report repeats an earlier item (settled or not-first); a few carry no digest (label families)
  const it = item(i % 5 === 4 && i >= 7 ? i - 7 : i)
  const f = facts({ submitter: wallet(i % 7), item: it, epoch: e, firstSeen: 1_000 * e + k })
  return i % 11 === 0 ? f : { ...f, fuzzy: digest(i) }
}))

const windowAt = (e: number): RewardFacts[] => byEpoch.slice(Math.max(0, e - params.payDelayEpochs), e + 1).flat()
const view = (out: EpochRewards): string => JSON.stringify({ items: out.items, amounts: [...out.amounts], state: stateToJson(out.state) }, (_k, v: unknown) => typeof v === 'bigint' ? v.toString() : v)

tap.test('a chain of epochs from the returned states equals the chain from states read back from JSON', async (t) => {
  let handed: RewardsState = INITIAL_REWARDS_STATE
  let readBack: RewardsState = INITIAL_REWARDS_STATE
  let families = 0
  let dropped = 0
  for (let e = 0; e < EPOCHS; e++) {
    const a = computeEpochRewards({ epoch: e, facts: windowAt(e), state: handed, params })
    const b = computeEpochRewards({ epoch: e, facts: windowAt(e), state: readBack, params })
    if (view(a) !== view(b)) t.fail(`epoch ${e} differs`)
    dropped += [...handed.families.keys()].filter(k => !a.state.families.has(k)).length
    handed = a.state
    readBack = stateFromJson(JSON.parse(JSON.stringify(stateToJson(b.state))))
    families = Math.max(families, handed.families.size)
  }
  // past 64 dropped the handed-on index compacts itself
  t.ok(families > 15 && dropped > 100, `families live (up to ${families}) and decay away (${dropped} dropped)`)
  t.ok([...handed.families.keys()].some(k => k.includes(':fuzzy:')) && [...handed.families.keys()].some(k => k.includes(':label:')), 'fuzzy and label families')
  t.pass('every epoch equal')
})

tap.test('a computation from a state another computation already started from gives what a fresh state gives', async (t) => {
  let state: RewardsState = INITIAL_REWARDS_STATE
  for (let e = 0; e < EPOCHS; e++) {
    // the first computation takes the handed-on index and founds other families in it (other digests)
    const other = windowAt(e).map((f, k) => f.fuzzy === undefined ? f : { ...f, fuzzy: digest(10_000 + e * 100 + k) })
    const before = computeEpochRewards({ epoch: e, facts: other, state, params })
    const again = computeEpochRewards({ epoch: e, facts: windowAt(e), state, params })
    const fresh = computeEpochRewards({ epoch: e, facts: windowAt(e), state: stateFromJson(JSON.parse(JSON.stringify(stateToJson(state)))), params })
    if (view(again) !== view(fresh)) t.fail(`epoch ${e}: the second computation differs`)
    if (e >= params.payDelayEpochs && view(before) === view(again)) t.fail(`epoch ${e}: the other digests changed nothing`)
    // go on from either: each hands on its own index
    state = e % 2 === 0 ? again.state : before.state
  }
  t.pass('every epoch equal')
})
