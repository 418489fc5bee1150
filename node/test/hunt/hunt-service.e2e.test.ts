/**
 * Hunting at members, on anvil (SPEC 19): a vendor orders a hunt of its sealed ruleset and registers it
 * at members; each opens its own seal, compiles the rules and, once a new file report is stored, signs a
 * notification for every matching sample: f+1 members' notifications confirm the match. A registration
 * without the order, of another buyer, sealed to others, oversize or malformed rules, or past its paid
 * period is refused by code; a renewal extends the period, a lapse drops the ruleset; Retrohunt walks
 * stored reports within its bounds; a restart reopens the stored (sealed) ruleset.
 */
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import tap from 'tap'
import { flipLastByte } from '../fixtures/tamper.ts'
import type { Counter } from 'prom-client'
import { lower, mined, mineTo } from '../../../contracts/test/market-chain.ts'
import { countHuntMatches } from '#protocol/hunt/index.ts'
import type { SignedHuntMatch } from '#protocol/hunt/index.ts'
import type { Hex } from '#protocol/messages.ts'
import { recoverDeliveredSigner } from '#protocol/delivered.ts'
import { createMarketChain } from '../../src/market/market-chain.ts'
import { startHuntChain } from './hunt-fixture.ts'
import type { HuntMember } from './hunt-fixture.ts'

const h = await startHuntChain(30)
const { c, wallets, vendor, memberKeys, registration, order, submit } = h
/** a counter's values by its one label */
const counts = async (counter: Counter<string>): Promise<Record<string, number>> => Object.fromEntries((await counter.get()).values.map((v) => [Object.values(v.labels)[0] as string, v.value]))
const dir = await mkdtemp(join(tmpdir(), 'virusmap-hunt-'))
const member = async (t: Parameters<typeof h.member>[0], i: number, dbPath?: string): Promise<HuntMember> => await h.member(t, i, dir, dbPath, { retro: { maxSamples: 3 } })
const RULES = 'rule hunt_needle { strings: $a = "NEEDLE-0xC0FFEE" condition: $a }\nrule hunt_any_mz { condition: uint16(0) == 0x5a4d }\n'
const MATCHING = new TextEncoder().encode('MZ......NEEDLE-0xC0FFEE......')

tap.teardown(async () => {
  await c.stop()
  await rm(dir, { recursive: true, force: true })
})

tap.test('Livehunt: f+1 members\' signed notifications confirm a match on a sample stored after the registration', async (t) => {
  const members = [await member(t, 0), await member(t, 1)]
  for (const m of members) await m.service.start()
  await submit(members[0] as HuntMember, new TextEncoder().encode('MZ stored before the hunt NEEDLE-0xC0FFEE'))
  const reg = await registration(RULES)
  for (const m of members) t.match(await m.service.register(reg), { rulesetId: reg.rulesetId, orderId: reg.orderId })
  t.same((members[0] as HuntMember).service.rulesets(vendor).map((r) => r.rulesetId), [reg.rulesetId])
  t.same((members[0] as HuntMember).service.rulesets(lower(wallets[3]?.address as string)), [], 'another vendor sees none')
  const streamed: SignedHuntMatch[] = []
  const unsubscribe = (members[1] as HuntMember).service.subscribe(vendor, (s) => { streamed.push(s.notification) })
  let jobId: Hex | undefined
  for (const m of members) jobId = await submit(m, MATCHING)
  await submit(members[0] as HuntMember, new TextEncoder().encode('harmless text'))
  for (const m of members) await m.service.tick()
  const all = [...await (members[0] as HuntMember).service.matches(vendor, 0, 100), ...await (members[1] as HuntMember).service.matches(vendor, 0, 100)].map((s) => s.notification)
  t.equal(all.length, 2, 'one notification per member: the sample stored before the registration is not Livehunt\'s, the harmless one matches nothing')
  t.same(all.map((n) => n.match.rules), [['hunt_any_mz', 'hunt_needle'], ['hunt_any_mz', 'hunt_needle']])
  t.same(streamed, [all[1]], 'the subscriber got member 1\'s notification as it was stored')
  unsubscribe()
  const members4 = wallets.map((w) => lower(w.address)).toSorted()
  const counted = countHuntMatches(all, { chainId: c.chainId, registry: c.registryAddress, membersAt: () => members4, faultDivisorAt: () => 3 })
  t.same(counted.map((m) => [m.jobId, m.rule, m.members.length, m.confirmed]), [[jobId, 'hunt_any_mz', 2, true], [jobId, 'hunt_needle', 2, true]])
  t.same(countHuntMatches([all[0] as SignedHuntMatch], { chainId: c.chainId, registry: c.registryAddress, membersAt: () => members4, faultDivisorAt: () => 3 }).map((m) => m.confirmed), [false, false], 'one member alone is not enough')
  t.same(await (members[0] as HuntMember).service.matches(vendor, 1, 100), [], 'paged by sequence')
  const m0 = (members[0] as HuntMember).metrics
  t.same(await counts(m0.registrations), { accepted: 1 }, 'virusmap_hunt_registrations_total')
  t.same(await counts(m0.scans), { done: 2 }, 'virusmap_hunt_scans_total: the two samples stored after the registration')
  t.same(await counts(m0.matches), { live: 1 }, 'virusmap_hunt_matches_total')
  t.equal((await m0.rulesets.get()).values[0]?.value, 1, 'virusmap_hunt_rulesets')
})

tap.test('Livehunt follows the storing order: a report stored late with an old date is hunted, one stored again is not hunted twice', async (t) => {
  const m = await member(t, 2, join(dir, 'storing-order'))
  await m.service.start()
  await m.service.register(await registration(RULES))
  await submit(m, new TextEncoder().encode('MZ on time NEEDLE-0xC0FFEE'))
  await m.service.tick()
  const before = await m.service.matches(vendor, 0, 100)
  t.equal(before.length, 1)
  // its members scanned an hour ago; gossip brought it here only now (a date order with a look-back of minutes never saw it)
  const first = await m.reports.get(before[0]?.notification.match.jobId as Hex)
  const late = await submit(m, new TextEncoder().encode('MZ late NEEDLE-0xC0FFEE'), (first?.date ?? 0) - 3_600_000)
  await m.service.tick()
  const after = await m.service.matches(vendor, 0, 100)
  t.same(after.map((s) => s.notification.match.jobId), [before[0]?.notification.match.jobId, late])
  // the same report stored again (late verdicts) comes round at the end of the order: skipped
  const report = await m.reports.get(late)
  if (report === undefined) throw new Error('the late report is stored')
  t.equal(await m.reports.put({ ...report, date: report.date + 1 }), true)
  await m.service.tick()
  t.equal((await m.service.matches(vendor, 0, 100)).length, 2, 'no second notification')
})

tap.test('registrations the member must refuse, by code', async (t) => {
  const m = await member(t, 2)
  await m.service.start()
  const good = await registration('rule ok { condition: true }')
  await t.rejects(m.service.register({ ...good, orderId: '999' }), { code: 'NO_ORDER' })
  await t.rejects(m.service.register({ ...good, vendor: lower(wallets[0]?.address as string) }), { code: 'WRONG_ORDER' }, 'another vendor cannot claim the order')
  const other = await registration('rule other { condition: true }')
  await t.rejects(m.service.register({ ...good, orderId: other.orderId }), { code: 'WRONG_ORDER' }, 'an order of another ruleset')
  await t.rejects(m.service.register(await registration('rule ok { condition: true }', memberKeys.filter((_, i) => i !== 2))), { code: 'NOT_SEALED' })
  await t.rejects(m.service.register(await registration('rule broken { condition: }')), { code: 'RULES_INVALID' })
  await t.rejects(m.service.register(await registration('include "/etc/passwd"\nrule a { condition: true }')), { code: 'RULES_INVALID' })
  await t.rejects(m.service.register(await registration('// no rule here\n')), { code: 'RULES_INVALID' })
  const tampered = { ...good, seals: good.seals.map((s) => ({ ...s, sealedKey: flipLastByte(s.sealedKey) })) }
  await t.rejects(m.service.register(tampered), { code: 'SEAL_DOES_NOT_OPEN' })
  await t.rejects(m.service.register({ ...good, membershipBlock: 2_000_000 }), { code: 'FUTURE_BLOCK' })
  const late = await registration('rule late { condition: true }')
  await mineTo(c, Number(await c.provider.getBlockNumber()) + 31)
  await t.rejects(m.service.register(late), { code: 'EXPIRED' })
  t.same(m.service.rulesets(vendor), [], 'nothing refused was kept')
  t.same(await counts(m.metrics.registrations), { NO_ORDER: 1, WRONG_ORDER: 2, NOT_SEALED: 1, RULES_INVALID: 3, SEAL_DOES_NOT_OPEN: 1, FUTURE_BLOCK: 1, EXPIRED: 1 }, 'refusals counted by code')
})

tap.test('a hunt order is paid like a sample: members that took its ruleset sign Delivered over the rulesetId, and f+1 of them fulfil it', async (t) => {
  const takers = [await member(t, 0, 'paid-0'), await member(t, 1, 'paid-1')]
  const idle = await member(t, 2, 'paid-2')
  for (const m of [...takers, idle]) await m.service.start()
  const reg = await registration('rule paid_hunt { condition: filesize > 1 }\n')
  for (const m of takers) await m.service.register(reg)
  const market = lower(await c.market.getAddress())
  const chain = createMarketChain({ provider: c.provider, address: market })
  const ordered = (await chain.ordered(0, await chain.head())).find((o) => o.orderId === BigInt(reg.orderId))
  if (ordered === undefined) throw new Error('no Ordered event for the hunt')
  const signed = await Promise.all(takers.map(async (m) => ({ member: m.self, sig: await m.service.delivered(ordered) })))
  for (const s of signed) {
    t.equal(s.sig?.wrapHash, reg.rulesetId, 'over the ruleset the order paid for')
    t.equal(recoverDeliveredSigner({ market, orderId: ordered.orderId, wrapHash: reg.rulesetId }, s.sig?.signature as Hex, c.chainId, c.registryAddress), s.member)
  }
  t.same(await takers[0]?.service.delivered(ordered), signed[0]?.sig, 'asking again signs the same bytes')
  t.equal(await idle.service.delivered(ordered), undefined, 'a member that did not take the ruleset signs nothing')
  t.equal(await takers[0]?.service.delivered({ ...ordered, buyer: lower(wallets[3]?.address as string) }), undefined, 'nor for another buyer\'s order of the same id')
  t.equal(await takers[0]?.service.delivered({ ...ordered, product: `0x${'73'.repeat(32)}` }), undefined, 'nor for another product')
  const ascending = signed.toSorted((a, b) => (a.member < b.member ? -1 : 1))
  const pool = await c.rewards.getAddress()
  const before = await c.vmt.getFunction('balanceOf')(pool) as bigint
  await mined(c.market.getFunction('fulfil')(ordered.orderId, ascending.map((s) => s.sig?.wrapHash), ascending.map((s) => s.sig?.signature)))
  t.equal((await c.market.getFunction('orderOf')(ordered.orderId))[3], 2n, 'the hunt order is fulfilled')
  t.ok((await c.vmt.getFunction('balanceOf')(pool) as bigint) > before, 'and its discoverer share credited')
})

tap.test('renewal, lapse, restart and Retrohunt', async (t) => {
  const m = await member(t, 3, 'm3')
  await m.service.start()
  for (let i = 0; i < 5; i++) await submit(m, new TextEncoder().encode(`MZ old sample ${i}`))
  const reg = await registration(RULES)
  const first = await m.service.register(reg)
  const retro = await m.service.retro(vendor, reg.rulesetId)
  t.match(retro, { scanned: 3, stoppedBy: 'samples', timedOut: 0 }, 'bounded by its sample count')
  t.equal(retro.matches.length, 3, 'each old MZ sample matched')
  t.same(await counts(m.metrics.retrohunts), { samples: 1 }, 'virusmap_hunt_retrohunts_total by the bound that stopped it')
  t.same(await counts(m.metrics.matches), { retro: 3 })
  await t.rejects(m.service.retro(lower(wallets[0]?.address as string), reg.rulesetId), { code: 'UNKNOWN_RULESET' }, 'only the vendor')
  await t.rejects(Promise.all([m.service.retro(vendor, reg.rulesetId), m.service.retro(vendor, reg.rulesetId)]), { code: 'RETRO_BUSY' })
  await order(reg.rulesetId)
  await m.service.tick()
  const renewed = m.service.rulesets(vendor)[0]
  t.ok((renewed?.paidUntil ?? 0) > first.paidUntil, 'a second order extends the paid period')
  await m.close()
  const again = await member(t, 3, 'm3')
  await again.service.start()
  t.same(again.service.rulesets(vendor).map((r) => r.rulesetId), [reg.rulesetId], 'a restart reopens the sealed ruleset')
  await mineTo(c, (renewed?.paidUntil ?? 0) + 1)
  await again.service.tick()
  t.same(again.service.rulesets(vendor), [], 'a lapsed ruleset is dropped')
  t.equal((await again.hunts.rulesets()).length, 0)
  t.ok((await again.service.matches(vendor, 0, 100)).length >= 3, 'its matches stay')
})
