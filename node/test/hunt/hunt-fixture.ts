// A DataMarket on anvil that sells hunts, four admitted members with X25519 keys, an approved vendor with
// VMT, and members running the hunt service over their own database and sample store (SPEC 19).
import { join } from 'node:path'
import pino from 'pino'
import { bytesToHex } from '@noble/hashes/utils.js'
import { Contract, MaxUint256, Wallet, hexlify, parseEther, randomBytes } from 'ethers'
import type { Test } from 'tap'
import { lower, mined, startMarketChain } from '../../../contracts/test/market-chain.ts'
import { setBalance } from '#governance/anvil-time.ts'
import type { MarketChain } from '../../../contracts/test/market-chain.ts'
import { generateX25519KeyPair } from '#protocol/index.ts'
import { HUNT_PRODUCT, sealRuleset } from '#protocol/hunt/index.ts'
import type { HuntRegistration } from '#protocol/hunt/index.ts'
import type { X25519KeyPair } from '#protocol/key-wrap.ts'
import type { Hex } from '#protocol/messages.ts'
import { HuntRepository } from '../../src/db/hunt-repository.ts'
import { openDatabase, ReportRepository, SampleRepository } from '../../src/db/index.ts'
import { createHuntService } from '../../src/hunt/hunt-service.ts'
import type { HuntService, HuntServiceOptions } from '../../src/hunt/hunt-service.ts'
import type { SampleStore } from '../../src/ingest/index.ts'
import { createDurableBlockstore } from '../../src/ipfs/index.ts'
import { createMarketChain } from '../../src/market/market-chain.ts'
import { createNodeMetrics } from '../../src/metrics/registry.ts'
import type { HuntMetrics } from '../../src/metrics/registry.ts'
import { startSampleStore } from '../fixtures/sample-store.ts'
import { signedReport } from '../fixtures/signed-reports.ts'

export const HUNT_PRICE = parseEther('3')
export const logger = pino({ level: 'silent' })

export interface HuntMember { service: HuntService, reports: ReportRepository, store: SampleStore, hunts: HuntRepository, self: Hex, metrics: HuntMetrics, close: () => Promise<void> }

export interface HuntChain {
  c: MarketChain
  wallets: Wallet[]
  keys: X25519KeyPair[]
  vendorSigner: Wallet
  vendor: Hex
  memberKeys: Array<{ member: Hex, x25519Key: Hex }>
  /** orders a hunt of `rulesetId` as the vendor; the order id */
  order(rulesetId: Hex): Promise<string>
  /** seals `rules` (to `sealTo`, default every member) and orders its hunt */
  registration(rules: string, sealTo?: Array<{ member: Hex, x25519Key: Hex }>): Promise<HuntRegistration>
  /** member `i`'s hunt service over the database at `dir/dbPath` (not started) */
  member(t: Test, i: number, dir: string, dbPath?: string, options?: Partial<HuntServiceOptions>): Promise<HuntMember>
  /** stores `bytes` as a sample and its final report at `m`, as a scan would; the report's jobId */
  /** stores `bytes` and a final report on them at `m`, dated `date` (default: the fixture's) */
  submit(m: HuntMember, bytes: Uint8Array, date?: number): Promise<Hex>
}

export async function startHuntChain (deliveryBlocks = 30): Promise<HuntChain> {
  const c = await startMarketChain({ deliveryBlocks })
  // members registered with the X25519 keys they hold, as a vendor reads them from the registry
  const wallets: Wallet[] = []
  const keys = [0, 1, 2, 3].map(() => generateX25519KeyPair())
  for (const key of keys) {
    const w = new Wallet(hexlify(randomBytes(32)), c.provider)
    await setBalance(c.provider, w.address, parseEther('1'))
    await mined((c.registry.connect(w) as Contract).getFunction('register')('12D3KooWHunt', `0x${bytesToHex(key.publicKey)}`, ''))
    await mined(c.registry.getFunction('admit')(w.address))
    wallets.push(w)
  }
  const membersBlock = await c.provider.getBlockNumber()
  const marketAddress = lower(await c.market.getAddress())
  const vendorSigner = new Wallet(hexlify(randomBytes(32)), c.provider)
  await setBalance(c.provider, vendorSigner.address, parseEther('10'))
  const vendor = lower(vendorSigner.address)
  const asVendor = c.market.connect(vendorSigner) as Contract
  await mined(c.market.getFunction('setVendor')(vendor, true))
  await mined(c.market.getFunction('setPrice')(HUNT_PRODUCT, HUNT_PRICE))
  await mined(c.vmt.getFunction('transfer')(vendor, parseEther('1000')))
  await mined((c.vmt.connect(vendorSigner) as Contract).getFunction('approve')(marketAddress, MaxUint256))
  const binding = { chainId: c.chainId, registry: c.registryAddress }
  const memberKeys = wallets.map((w, i) => ({ member: lower(w.address), x25519Key: `0x${bytesToHex(keys[i]?.publicKey as Uint8Array)}` as Hex }))

  async function order (rulesetId: Hex): Promise<string> {
    const receipt = await mined(asVendor.getFunction('order')(HUNT_PRODUCT, rulesetId, `0x${'00'.repeat(32)}`, HUNT_PRICE))
    const log = receipt.logs.map((l) => c.market.interface.parseLog(l)).find((p) => p?.name === 'Ordered')
    if (log == null) throw new Error('no Ordered event')
    return (log.args.getValue('orderId') as bigint).toString()
  }

  return {
    c,
    wallets,
    keys,
    vendorSigner,
    vendor,
    memberKeys,
    order,
    async registration (rules, sealTo = memberKeys) {
      const sealed = sealRuleset(rules, sealTo, binding)
      return { vendor, ...sealed, orderId: await order(sealed.rulesetId), membershipBlock: 1 }
    },
    async member (t, i, dir, dbPath = `m${i}`, options = {}) {
      const db = await openDatabase({ path: join(dir, dbPath) })
      const blockstore = createDurableBlockstore({ path: join(dir, `${dbPath}-blocks`) })
      await blockstore.open()
      const samples = new SampleRepository(db)
      const store = await startSampleStore(t, { db, blockstore, samples, logger, maxSampleBytes: 1 << 20 })
      const reports = new ReportRepository(db)
      const hunts = new HuntRepository(db)
      const wallet = wallets[i] as Wallet
      const metrics = createNodeMetrics().hunt
      const service = createHuntService({ chainId: c.chainId, registry: c.registryAddress, market: marketAddress, fromBlock: 0, confirmations: 0, pollIntervalMs: 100, compileTimeoutMs: 20_000, ...options }, {
        self: lower(wallet.address), operator: wallet, x25519SecretKey: keys[i]?.secretKey as Uint8Array,
        chain: createMarketChain({ provider: c.provider, address: marketAddress }), follower: { followedBlock: 1_000_000 },
        reports, samples, readSample: async (cid, key, o) => await store.readSample(cid, key, o), hunts, logger, metrics
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
      return { service, reports, store, hunts, self: lower(wallet.address), metrics, close }
    },
    async submit (m, bytes, date) {
      await m.store.ingest((async function * () { yield bytes })())
      // the fixture's report names its own fixed block; its job here names a block where these members are
      // members, as a real job does (the hunt reads the block, it does not re-check the report's signatures)
      const signed = await signedReport(bytes)
      const report = { ...signed, ...(date === undefined ? {} : { date }), job: { ...signed.job, job: { ...signed.job.job, membershipBlock: membersBlock } } }
      await m.reports.put(report)
      return report.jobId
    }
  }
}
