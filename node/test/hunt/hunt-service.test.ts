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
import type { Test } from 'tap'
import pino from 'pino'
import { bytesToHex } from '@noble/hashes/utils.js'
import { Contract, MaxUint256, parseEther } from 'ethers'
import type { Wallet } from 'ethers'
import { lower, mineTo, mined, operator, startMarketChain } from '../../../contracts/test/market-chain.ts'
import { generateX25519KeyPair } from '../../../protocol/src/index.ts'
import { countHuntMatches, HUNT_PRODUCT, sealRuleset } from '../../../protocol/src/hunt/index.ts'
import type { HuntRegistration, SignedHuntMatch } from '../../../protocol/src/hunt/index.ts'
import type { Hex } from '../../../protocol/src/messages.ts'
import { HuntRepository } from '../../src/db/hunt-repository.ts'
import { openDatabase, ReportRepository, SampleRepository } from '../../src/db/index.ts'
import type { Database } from '../../src/db/index.ts'
import { createHuntService } from '../../src/hunt/hunt-service.ts'
import type { HuntService } from '../../src/hunt/hunt-service.ts'
import { createDurableBlockstore } from '../../src/ipfs/index.ts'
import { createMarketChain } from '../../src/market/market-chain.ts'
import { startSampleStore } from '../fixtures/sample-store.ts'
import { signedReport } from '../fixtures/signed-reports.ts'
import type { SampleStore } from '../../src/ingest/index.ts'

const c = await startMarketChain({ deliveryBlocks: 30 })
const dir = await mkdtemp(join(tmpdir(), 'virusmap-hunt-'))
const logger = pino({ level: 'silent' })
const wallets: Wallet[] = []
for (let i = 0; i < 4; i++) wallets.push(await operator(c))
const keys = wallets.map(() => generateX25519KeyPair())
const marketAddress = lower(await c.market.getAddress())
const vendorSigner = await c.provider.getSigner(1)
const vendor = lower(await vendorSigner.getAddress())
const asVendor = c.market.connect(vendorSigner) as Contract
await mined(c.market.getFunction('setVendor')(vendor, true))
await mined(c.market.getFunction('setPrice')(HUNT_PRODUCT, parseEther('3')))
await mined(c.vmt.getFunction('transfer')(vendor, parseEther('100')))
await mined((c.vmt.connect(vendorSigner) as Contract).getFunction('approve')(marketAddress, MaxUint256))
const binding = { chainId: c.chainId, registry: c.registryAddress }
const memberKeys = wallets.map((w, i) => ({ member: lower(w.address), x25519Key: `0x${bytesToHex(keys[i]?.publicKey as Uint8Array)}` as Hex }))
const RULES = 'rule hunt_needle { strings: $a = "NEEDLE-0xC0FFEE" condition: $a }\nrule hunt_any_mz { condition: uint16(0) == 0x5a4d }\n'
const MATCHING = new TextEncoder().encode('MZ......NEEDLE-0xC0FFEE......')

async function order (rulesetId: Hex): Promise<string> {
  const receipt = await mined(asVendor.getFunction('order')(HUNT_PRODUCT, rulesetId, `0x${'00'.repeat(32)}`, parseEther('3')))
  const log = receipt.logs.map((l) => c.market.interface.parseLog(l)).find((p) => p?.name === 'Ordered')
  if (log == null) throw new Error('no Ordered event')
  return (log.args.getValue('orderId') as bigint).toString()
}

async function registration (rules: string, sealTo = memberKeys): Promise<HuntRegistration> {
  const sealed = sealRuleset(rules, sealTo, binding)
  return { vendor, ...sealed, orderId: await order(sealed.rulesetId), membershipBlock: 1 }
}

interface Member { service: HuntService, db: Database, reports: ReportRepository, store: SampleStore, hunts: HuntRepository, close: () => Promise<void> }
async function member (t: Test, i: number, dbPath = `m${i}`): Promise<Member> {
  const db = await openDatabase({ path: join(dir, dbPath) })
  const blockstore = createDurableBlockstore({ path: join(dir, `${dbPath}-blocks`) })
  await blockstore.open()
  const samples = new SampleRepository(db)
  const store = await startSampleStore(t, { db, blockstore, samples, logger, maxSampleBytes: 1 << 20 })
  const reports = new ReportRepository(db)
  const hunts = new HuntRepository(db)
  const service = createHuntService({ chainId: c.chainId, registry: c.registryAddress, fromBlock: 0, confirmations: 0, pollIntervalMs: 100, compileTimeoutMs: 20_000, retro: { maxSamples: 3 } }, {
    self: lower((wallets[i] as Wallet).address), operator: wallets[i] as Wallet, x25519SecretKey: keys[i]?.secretKey as Uint8Array,
    chain: createMarketChain({ provider: c.provider, address: marketAddress }), follower: { followedBlock: 1_000_000 },
    reports, samples, readSample: async (cid, key, o) => await store.readSample(cid, key, o), hunts, logger
  })
  let closed = false
  const close = async (): Promise<void> => {
    if (closed) return
    closed = true
    await service.stop()
    await store.stop()
    await blockstore.close()
    await db.close()
  }
  t.teardown(close)
  return { service, db, reports, store, hunts, close }
}

async function submit (m: Member, bytes: Uint8Array): Promise<Hex> {
  await m.store.ingest((async function * () { yield bytes })())
  const report = await signedReport(bytes)
  await m.reports.put(report)
  return report.jobId
}

tap.teardown(async () => {
  await c.stop()
  await rm(dir, { recursive: true, force: true })
})

tap.test('Livehunt: f+1 members\' signed notifications confirm a match on a sample stored after the registration', async (t) => {
  const members = [await member(t, 0), await member(t, 1)]
  for (const m of members) await m.service.start()
  await submit(members[0] as Member, new TextEncoder().encode('MZ stored before the hunt NEEDLE-0xC0FFEE'))
  const reg = await registration(RULES)
  for (const m of members) t.match(await m.service.register(reg), { rulesetId: reg.rulesetId, orderId: reg.orderId })
  t.same((members[0] as Member).service.rulesets(vendor).map((r) => r.rulesetId), [reg.rulesetId])
  t.same((members[0] as Member).service.rulesets(lower(wallets[3]?.address as string)), [], 'another vendor sees none')
  const streamed: SignedHuntMatch[] = []
  const unsubscribe = (members[1] as Member).service.subscribe(vendor, (s) => { streamed.push(s.notification) })
  let jobId: Hex | undefined
  for (const m of members) jobId = await submit(m, MATCHING)
  await submit(members[0] as Member, new TextEncoder().encode('harmless text'))
  for (const m of members) await m.service.tick()
  const all = [...await (members[0] as Member).service.matches(vendor, 0, 100), ...await (members[1] as Member).service.matches(vendor, 0, 100)].map((s) => s.notification)
  t.equal(all.length, 2, 'one notification per member: the sample stored before the registration is not Livehunt\'s, the harmless one matches nothing')
  t.same(all.map((n) => n.match.rules), [['hunt_any_mz', 'hunt_needle'], ['hunt_any_mz', 'hunt_needle']])
  t.same(streamed, [all[1]], 'the subscriber got member 1\'s notification as it was stored')
  unsubscribe()
  const members4 = wallets.map((w) => lower(w.address)).toSorted()
  const counted = countHuntMatches(all, { chainId: c.chainId, registry: c.registryAddress, membersAt: () => members4, faultDivisorAt: () => 3 })
  t.same(counted.map((m) => [m.jobId, m.rule, m.members.length, m.confirmed]), [[jobId, 'hunt_any_mz', 2, true], [jobId, 'hunt_needle', 2, true]])
  t.same(countHuntMatches([all[0] as SignedHuntMatch], { chainId: c.chainId, registry: c.registryAddress, membersAt: () => members4, faultDivisorAt: () => 3 }).map((m) => m.confirmed), [false, false], 'one member alone is not enough')
  t.same(await (members[0] as Member).service.matches(vendor, 1, 100), [], 'paged by sequence')
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
  const tampered = { ...good, seals: good.seals.map((s) => ({ ...s, sealedKey: `${s.sealedKey.slice(0, -2)}00` as Hex })) }
  await t.rejects(m.service.register(tampered), { code: 'SEAL_DOES_NOT_OPEN' })
  await t.rejects(m.service.register({ ...good, membershipBlock: 2_000_000 }), { code: 'FUTURE_BLOCK' })
  const late = await registration('rule late { condition: true }')
  await mineTo(c, Number(await c.provider.getBlockNumber()) + 31)
  await t.rejects(m.service.register(late), { code: 'EXPIRED' })
  t.same(m.service.rulesets(vendor), [], 'nothing refused was kept')
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
