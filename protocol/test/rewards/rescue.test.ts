/**
 * Rule 1 when the first report of an item was not confirmed (SPEC section 17): engines that timed out on a
 * loaded network leave the first report of a malicious file unconfirmed. A later report of the same bytes
 * in the window that the quorum confirms pays the first submitter; unconfirmed reports never settle an
 * item nor block a later confirmed one, and a URL or domain item is not claimed through another subject.
 */
import tap from 'tap'
import { computeEpochRewards, INITIAL_REWARDS_STATE } from '../../src/index.ts'
import type { Hex, RewardFacts, RewardParams, RewardsState } from '../../src/index.ts'
import { facts, item, MEMBERS4, roomy, VMT, wallet } from './reward-fixtures.ts'

const run = (list: RewardFacts[], params: RewardParams = roomy(), epoch = 0, state: RewardsState = INITIAL_REWARDS_STATE) =>
  computeEpochRewards({ epoch, facts: list, state, params })

/** A report whose YARA, ClamAV and tlsh timed out on three of four members: one member's heuristics detected it. */
const timedOut = (submitter: Hex, i: Hex, extra: Partial<RewardFacts> = {}): RewardFacts =>
  facts({ submitter, item: i, detected: [MEMBERS4[0] as Hex], flagged: [MEMBERS4[0] as Hex], maliciousEngines: ['VirusMap-Heuristics'], labels: ['heur.powershell.download'], ...extra })

tap.test('a rescan of the same file in the same epoch pays the first submitter, once, at full precision', async (t) => {
  const first = timedOut(wallet(1), item(1), { firstSeen: 100 })
  const rescan = facts({ submitter: wallet(1), item: item(1), firstSeen: 200, fuzzy: undefined })
  const r = run([first, rescan])
  t.same(r.items.map(i => [i.jobId, i.outcome, i.class]), [[first.jobId, 'paid', 'malicious'], [rescan.jobId, 'not-first', 'malicious']])
  t.equal(r.items[0]?.amount, 100n * VMT, 'base reward, not halved by the unconfirmed first report')
  t.equal(r.items[0]?.confirmedBy, rescan.jobId, 'the breakdown names the report that confirmed it')
  t.same(r.items[0]?.precision, [2, 2])
  t.same(r.items[0]?.evidence?.maliciousEngines, ['ClamAV', 'YARA'], 'the evidence is the confirming report\'s')
  t.equal(r.state.settled.get(item(1)), 0, 'the item is settled with the first report')
  t.equal(r.amounts.get(wallet(1)), 100n * VMT)
})

tap.test('another wallet\'s later confirmation pays the first submitter, not the confirmer', async (t) => {
  const params = roomy({ payDelayEpochs: 1 })
  const first = timedOut(wallet(1), item(2), { epoch: 0, firstSeen: 100 })
  const later = facts({ submitter: wallet(2), item: item(2), epoch: 1, firstSeen: 900 })
  const s0 = run([first], params, 0).state
  const r1 = run([first, later], params, 1, s0)
  t.same(r1.items.map(i => [i.submitter, i.outcome]), [[wallet(1), 'paid']])
  t.equal(r1.items[0]?.amount, 100n * VMT)
  const r2 = run([later], params, 2, r1.state)
  t.same(r2.items.map(i => [i.submitter, i.outcome]), [[wallet(2), 'settled']], 'the confirmer earns nothing: it was not first')
})

tap.test('an unconfirmed first report with no confirmation in the window earns nothing and does not settle the item', async (t) => {
  const params = roomy({ payDelayEpochs: 1 })
  const first = timedOut(wallet(1), item(3), { epoch: 0 })
  const r1 = run([first], params, 1, run([first], params, 0).state)
  t.same(r1.items.map(i => i.outcome), ['unconfirmed'])
  t.notOk(r1.state.settled.has(item(3)), 'still open')
  // found again after the window: its first confirmed report earns
  const again = facts({ submitter: wallet(3), item: item(3), epoch: 2 })
  const r3 = run([again], params, 3, run([again], params, 2, r1.state).state)
  t.same(r3.items.map(i => [i.submitter, i.outcome]), [[wallet(3), 'paid']])
})

tap.test('an unsigned first report of the same bytes: nobody earns (only the first submitter earns)', async (t) => {
  const first = timedOut('0x0000000000000000000000000000000000000000', item(4), { firstSeen: 100 })
  const later = facts({ submitter: wallet(2), item: item(4), firstSeen: 200 })
  const r = run([first, later])
  t.same(r.items.map(i => i.outcome), ['unsigned', 'not-first'])
  t.ok(r.state.settled.has(item(4)))
})

tap.test('URL and domain items: an unconfirmed URL does not claim another URL\'s confirmation on the same domain, nor block it', async (t) => {
  const benignPage = timedOut(wallet(1), item(5), { kind: 'url', firstSeen: 100, detected: [], flagged: [], maliciousEngines: [], labels: [] })
  const phish = facts({ submitter: wallet(2), item: item(5), kind: 'url', firstSeen: 200 })
  const r = run([benignPage, phish])
  t.same(r.items.map(i => [i.submitter, i.outcome]), [[wallet(1), 'unconfirmed'], [wallet(2), 'paid']])
  const domain = facts({ submitter: wallet(3), item: item(6), kind: 'domain', firstSeen: 300 })
  const early = timedOut(wallet(4), item(6), { kind: 'domain', firstSeen: 50 })
  t.same(run([early, domain]).items.map(i => [i.submitter, i.outcome]), [[wallet(4), 'unconfirmed'], [wallet(3), 'paid']])
})

tap.test('a later test signature does not make an unconfirmed first report earn', async (t) => {
  const first = timedOut(wallet(1), item(7), { firstSeen: 100 })
  const eicar = facts({ submitter: wallet(2), item: item(7), firstSeen: 200, labels: ['eicar-test-signature'] })
  const r = run([first, eicar])
  t.same(r.items.map(i => i.outcome), ['unconfirmed', 'test'])
})
