/** The rewards state's JSON form: byte-identical across members, and hostile JSON refused (SPEC section 17). */
import tap from 'tap'
import { computeEpochRewards, INITIAL_REWARDS_STATE, stateFromJson, stateToJson } from '../../src/index.ts'
import { facts, item, roomy, wallet } from './reward-fixtures.ts'

tap.test('a state round-trips through JSON and serializes independently of insertion order', async (t) => {
  const { state } = computeEpochRewards({ epoch: 0, facts: [facts({ submitter: wallet(2), item: item(2) }), facts({ submitter: wallet(1), item: item(1) })], state: INITIAL_REWARDS_STATE, params: roomy() })
  const json = stateToJson(state)
  t.same(stateToJson(stateFromJson(JSON.parse(JSON.stringify(json)))), json)
  const reversed = { ...state, cumulative: new Map([...state.cumulative].toReversed()), settled: new Map([...state.settled].toReversed()) }
  t.equal(JSON.stringify(stateToJson(reversed)), JSON.stringify(json))
})

tap.test('hostile state JSON is refused with BAD_STATE', async (t) => {
  const good = { epoch: 3, cumulative: { [wallet(1)]: '10' }, settled: { [item(1)]: 2 }, families: { 'file:a': { count: 2, epoch: 1 } }, debts: { [wallet(2)]: '5' } }
  const parsed = stateFromJson(good)
  t.equal(parsed.cumulative.get(wallet(1)), 10n)
  t.equal(parsed.debts?.get(wallet(2)), 5n)
  t.same(stateToJson(parsed), good, 'round trip')
  const legacy = stateFromJson({ epoch: 3, cumulative: {}, settled: [item(1)], families: { 'file:a': 2 } })
  t.equal(legacy.settled.get(item(1)), 3, 'an earlier state\'s settled list: settled as of its epoch')
  t.same(legacy.families.get('file:a'), { count: 2, epoch: 3 }, 'an earlier state\'s bare count')
  t.equal(legacy.debts?.size, 0)
  const fuzzy = `t1${'a'.repeat(70)}`
  const bad: unknown[] = [
    null, 7, [], { ...good, epoch: -2 }, { ...good, epoch: 1.5 }, { ...good, cumulative: [] },
    { ...good, cumulative: { [wallet(1)]: '-1' } }, { ...good, cumulative: { [wallet(1)]: '01' } }, { ...good, cumulative: { [wallet(1)]: 10 } },
    { ...good, cumulative: { [wallet(1)]: '1'.repeat(100) } }, { ...good, cumulative: { '0xABC': '1' } }, { ...good, cumulative: { [wallet(1).toUpperCase()]: '1' } },
    { ...good, settled: ['0x12'] }, { ...good, settled: 'x' }, { ...good, settled: [7] }, { ...good, settled: { [item(1)]: -1 } }, { ...good, settled: { '0x12': 1 } },
    { ...good, families: { a: -1 } }, { ...good, families: { a: '1' } }, { ...good, families: null }, { ...good, families: { a: { count: 1 } } },
    { ...good, families: { a: { count: 1, epoch: 1.5 } } }, { ...good, families: { a: { count: 1, epoch: 1, extra: 1 } } },
    { ...good, families: { a: { count: 1, epoch: 1, fuzzy: fuzzy.toUpperCase() } } }, { ...good, families: { a: { count: 1, epoch: 1, fuzzy: 't1ab' } } },
    { ...good, debts: [] }, { ...good, debts: { [wallet(1)]: '-3' } }, { ...good, debts: { [wallet(1)]: 3 } }, { ...good, debts: { x: '3' } }
  ]
  t.equal(stateFromJson({ ...good, families: { a: { count: 1, epoch: 1, fuzzy } } }).families.get('a')?.fuzzy, fuzzy, 'a fuzzy family keeps its digest')
  for (const b of bad) t.throws(() => stateFromJson(b), { code: 'BAD_STATE' }, JSON.stringify(b)?.slice(0, 80))
  const proto = JSON.parse('{"epoch":1,"cumulative":{},"settled":[],"families":{"__proto__":{"count":1,"epoch":0}}}') as unknown
  t.same(stateFromJson(proto).families.get('__proto__'), { count: 1, epoch: 0 }, '__proto__ is a family name like any other')
})
