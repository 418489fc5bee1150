/** The gaming cases of issue 16, each against the reward function (SPEC section 17). */
import tap from 'tap'
import { computeEpochRewards, DEFAULT_REWARD_PARAMS, EICAR_SHA256, INITIAL_REWARDS_STATE } from '../../src/index.ts'
import type { RewardFacts, RewardParams } from '../../src/index.ts'
import { benign, facts, item, MEMBERS4, roomy, VMT, wallet } from './reward-fixtures.ts'

const run = (list: RewardFacts[], params: RewardParams = roomy()) => computeEpochRewards({ epoch: 0, facts: list, state: INITIAL_REWARDS_STATE, params })

tap.test('100 benign files earn nothing and cut the wallet\'s one real find to 1/101', async (t) => {
  const farmer = wallet(1)
  const junk = Array.from({ length: 100 }, (_, i) => benign(farmer, item(1000 + i)))
  const alone = run(junk)
  t.notOk(alone.amounts.has(farmer), '100 benign files earn their submitter nothing')
  t.equal(alone.paid, 0n, 'nor the members: scanning spam pays nobody')
  const out = run([facts({ submitter: farmer, item: item(1) }), ...junk])
  const real = out.items.find(i => i.item === item(1))
  t.same(real?.precision, [1, 101])
  t.equal(real?.amount, 100n * VMT / 101n, 'base reward times precision 1/101, floored')
  t.ok(out.items.filter(i => i.item !== item(1)).every(i => i.amount === 0n && i.outcome === 'unconfirmed'))
  const honest = run([facts({ submitter: farmer, item: item(1) })])
  t.equal(honest.items[0]?.amount, 100n * VMT, 'without the junk the same find earns the base reward')
})

tap.test('50 byte-appended variants of one sample earn at most twice one sample', async (t) => {
  const label = ['win.trojan.emotet']
  const one = run([facts({ submitter: wallet(2), item: item(1), labels: label })]).paid
  const variants = Array.from({ length: 50 }, (_, i) => facts({ submitter: wallet(2), item: item(100 + i), labels: label }))
  const out = run(variants)
  const submitterPaid = out.items.reduce((s, i) => s + i.amount, 0n)
  t.ok(submitterPaid <= 2n * (one - 4n * VMT), `${submitterPaid} <= 2 x ${one - 4n * VMT}`)
  t.same(out.items.slice(0, 3).map(i => i.duplicateIndex), [0, 1, 2], 'each paid sibling halves the next')
  // spread over epochs the family count carries in the state
  let state = INITIAL_REWARDS_STATE
  let total = 0n
  for (let e = 0; e < 5; e++) {
    const r = computeEpochRewards({ epoch: e, facts: variants.slice(e * 10, e * 10 + 10).map(f => ({ ...f, epoch: e })), state, params: roomy() })
    total += r.items.reduce((s, i) => s + i.amount, 0n)
    state = r.state
  }
  t.ok(total <= 200n * VMT, `over five epochs ${total} <= 200 VMT`)
})

tap.test('EICAR and the project\'s test signatures earn nothing', async (t) => {
  const byHash = run([facts({ submitter: wallet(3), item: EICAR_SHA256, labels: ['foo'] })])
  t.equal(byHash.items[0]?.outcome, 'test')
  t.equal(byHash.items[0]?.amount, 0n)
  for (const label of ['eicar_test_file', 'win.test.eicar_hdb-1', 'clamav_testfile_pe']) {
    const out = run([facts({ submitter: wallet(3), item: item(7), labels: [label] })])
    t.equal(out.items[0]?.amount, 0n, label)
    t.equal(out.items[0]?.class, 'test', label)
  }
  t.ok(DEFAULT_REWARD_PARAMS.testSha256.includes(EICAR_SHA256))
})

tap.test('one colluding member of four cannot make its own submissions earn', async (t) => {
  const colluder = MEMBERS4[3]
  if (colluder === undefined) throw new Error('fixture')
  // its own two engines say malicious; the three honest members see nothing
  const own = facts({ submitter: wallet(4), item: item(9), origin: colluder, detected: [colluder], flagged: [colluder], maliciousEngines: ['ColluderAV', 'ColluderYARA'] })
  const out = run([own])
  t.equal(out.items[0]?.class, 'none')
  t.equal(out.items[0]?.amount, 0n)
  t.notOk(out.members.has(colluder), 'the colluder\'s disagreeing reveal earns no member share either')
  t.equal(out.members.size, 0, 'an item that earns nothing pays no member either')
  // with one honest member also detecting, f+1 = 2 is met: the rule is about distinct members, not engines
  const two = run([{ ...own, jobId: `0x${'77'.repeat(32)}`, detected: [MEMBERS4[0] as `0x${string}`, colluder] }])
  t.equal(two.items[0]?.class, 'malicious')
})

tap.test('only the first submitter earns, by the median scan time', async (t) => {
  const early = facts({ submitter: wallet(5), item: item(11), firstSeen: 100, epoch: 0 })
  const late = facts({ submitter: wallet(6), item: item(11), firstSeen: 200, epoch: 0 })
  const out = run([late, early])
  t.same(out.items.map(i => [i.submitter, i.outcome]), [[wallet(5), 'paid'], [wallet(6), 'not-first']])
  // a settled item earns nothing later
  const next = computeEpochRewards({ epoch: 1, facts: [{ ...late, epoch: 1, jobId: `0x${'66'.repeat(32)}` }], state: out.state, params: roomy() })
  t.equal(next.items[0]?.outcome, 'settled')
})

tap.test('an unsigned upload earns nothing', async (t) => {
  const out = run([facts({ submitter: '0x0000000000000000000000000000000000000000', item: item(12) })])
  t.equal(out.items[0]?.outcome, 'unsigned')
  t.equal(out.items[0]?.amount, 0n)
})
