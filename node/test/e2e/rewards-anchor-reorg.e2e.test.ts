// A reorg under anchors and rewards together, on anvil with the real contracts (SPEC 15 and 17): four members
// (the fixtures' keys, registered and admitted on chain) follow the registry with a real follower, anchor the
// epoch holding two signed, confirmed-malicious reports through ReportAnchors and post the rewards root
// computed over that anchor to RewardsDistributor. evm_revert then takes back the anchor and the root (a
// reorg deeper than both posts) and a longer chain is mined: the follower reports the reorg, every member
// forgets the anchor and recomputes the epochs over it, the anchor is posted again and the members settle
// the same rewards root.
import tap from 'tap'
import pino from 'pino'
import { DEFAULT_REWARD_PARAMS } from '#protocol/rewards/index.ts'
import { createAnchorChain } from '../../src/anchors/anchor-chain.ts'
import { createAnchorService } from '../../src/anchors/anchor-service.ts'
import { createRegistryFollower } from '../../src/chain/registry-follower.ts'
import { createRepositories, openDatabase } from '../../src/db/index.ts'
import { createNodeMetrics } from '../../src/metrics/registry.ts'
import { createRewardsChain } from '../../src/rewards/rewards-chain.ts'
import { createRewardsService } from '../../src/rewards/rewards-service.ts'
import { createStakeChain } from '../../src/rewards/stake-chain.ts'
import { setBalance } from '#governance/anvil-time.ts'
import { head, key, lower, mined, mineTo, rand32, startMarketChain } from '../../../contracts/test/market-chain.ts'
import { createMemoryGossipBus } from '../fixtures/memory-network.ts'
import { submittedReport, submitterWallet } from '../fixtures/rewarded-reports.ts'
import { MEMBERS, REGISTRY } from '../fixtures/signed-reports.ts'
import type { Contract } from 'ethers'
import type { AnchorService } from '../../src/anchors/anchor-service.ts'
import type { Repositories } from '../../src/db/index.ts'
import type { RewardsService } from '../../src/rewards/rewards-service.ts'

const E = 8
const MAX_AGE = 16
const c = await startMarketChain({ epochBlocks: E, challengeBlocks: 2 })
tap.teardown(async () => { await c.stop() })
// the fixtures' reports name this registry: the first contract the owner deploys
if (c.registryAddress !== REGISTRY) throw new Error(`the registry is at ${c.registryAddress}, the fixtures' reports name ${REGISTRY}`)
// before the members: an epoch with members reads maxJobAgeBlocks at its first block (its late bound)
await mined(c.parameters.getFunction('set')(key('maxJobAgeBlocks'), BigInt(MAX_AGE)))
for (const m of MEMBERS) {
  const w = m.wallet.connect(c.provider)
  await setBalance(c.provider, m.address, 10n ** 18n)
  await mined((c.registry.connect(w) as Contract).getFunction('register')('12D3KooWReorg', rand32(), ''))
  await mined(c.registry.getFunction('admit')(m.address))
}
// the first epoch that starts after every admission holds the two reports
const epoch = Math.floor(await head(c) / E) + 1
await mineTo(c, epoch * E + 2)
const reports = await Promise.all([0, 1].map(async (i) => await submittedReport(new TextEncoder().encode(`reorg sample ${i}`), submitterWallet(i), `reorg-family-${i}`, epoch * E + 1)))
// the epoch is over and the newest ended one: it is what the members propose
await mineTo(c, (epoch + 1) * E + 1)
/** past the late bound of the epoch before `epoch` (ReportAnchors' EpochTooOld), so the rewards of every epoch through it can be computed */
const rewardsComputable = (epoch + 1) * E + MAX_AGE + 1

const NO_ROOT = `0x${'00'.repeat(32)}`
const openRoot = async (): Promise<[bigint, string, bigint]> => await c.rewards.getFunction('openRoot')() as [bigint, string, bigint]
const logger = pino({ level: process.env.REORG_TEST_LOG ?? 'silent' })

interface Member { anchors: AnchorService, rewards: RewardsService, repos: Repositories, metrics: ReturnType<typeof createNodeMetrics> }

tap.test('a reorg takes back an anchor and the rewards root computed over it: the members recompute, anchor again and settle the same root', async (t) => {
  const follower = createRegistryFollower({ provider: c.provider, registry: c.registryAddress, parameters: lower(await c.parameters.getAddress()), fromBlock: 1, confirmations: 0, pollIntervalMs: 50, logger })
  await follower.start()
  t.teardown(async () => { await follower.stop() })
  const bus = createMemoryGossipBus()
  const members: Member[] = []
  for (const [i, m] of MEMBERS.entries()) {
    const db = await openDatabase({ path: `${t.testdir()}/node-${i}` })
    t.teardown(async () => { await db.close() })
    const repos = createRepositories(db)
    for (const report of reports) await repos.reports.put(report)
    const gossip = bus.join()
    await gossip.start()
    const wallet = m.wallet.connect(c.provider)
    const metrics = createNodeMetrics()
    const options = { chainId: c.chainId, registry: c.registryAddress, pollIntervalMs: 60_000 }
    const anchors = createAnchorService({ ...options, anchorTurnMs: 60_000, confirmations: 0, fromBlock: 0 }, {
      self: m.address, operator: wallet, chain: createAnchorChain({ provider: c.provider, address: lower(await c.anchors.getAddress()), signer: wallet }),
      follower, gossip, repos, logger, metrics: metrics.anchors
    })
    const rewards = createRewardsService({ ...options, postTurnMs: 60_000, params: { ...DEFAULT_REWARD_PARAMS, payDelayEpochs: 0, submissionDeposit: 0n } }, {
      self: m.address, operator: wallet, chain: createRewardsChain({ provider: c.provider, address: lower(await c.rewards.getAddress()), signer: wallet }),
      stakes: createStakeChain({ provider: c.provider, vmt: lower(await c.vmt.getAddress()) }), follower, gossip, repos, logger, metrics: metrics.rewards
    })
    members.push({ anchors, rewards, repos, metrics })
  }
  for (const m of members) { await m.anchors.start(); await m.rewards.start() }
  t.teardown(async () => { for (const m of members) { await m.rewards.stop(); await m.anchors.stop() } })

  /** passes of every member (anchors, then rewards) until `done` holds, at most 100 */
  const until = async (what: string, done: () => Promise<boolean>): Promise<void> => {
    for (let i = 0; i < 100 && !await done(); i++) {
      for (const m of members) await m.anchors.tick()
      for (const m of members) await m.rewards.tick()
      await new Promise((resolve) => setTimeout(resolve, 50))
    }
    t.ok(await done(), what)
  }
  const anchoredEverywhere = async (): Promise<boolean> => (await Promise.all(members.map(async (m) => (await m.repos.anchors.epoch(epoch))?.missing?.length === 0))).every(Boolean)

  const beforeAnchor = await c.provider.send('evm_snapshot', []) as string
  await until('the epoch is anchored and matched on every member', anchoredEverywhere)
  const anchor = await members[0]?.repos.anchors.epoch(epoch)
  await mineTo(c, rewardsComputable)
  await until('a rewards root is posted', async () => (await openRoot())[1] !== NO_ROOT)
  const [posted, root, total] = await openRoot()
  t.ok(posted >= BigInt(epoch), 'the root pays the anchored epoch')
  for (const [i, m] of members.entries()) t.equal((await m.repos.rewards.epoch(Number(posted)))?.root, root, `member ${i} computed the posted root`)

  // the reorg: back to before the anchor (neither post on the new chain), still within the epoch's anchoring window
  t.ok(await c.provider.send('evm_revert', [beforeAnchor]), 'reverted to before the anchor')
  await mineTo(c, (epoch + 1) * E + 4)
  t.equal((await openRoot())[1], NO_ROOT, 'the rewards root is gone')
  const recomputed = async (): Promise<boolean> => (await Promise.all(members.map(async (m) => /_total [1-9]/.test(await m.metrics.registry.getSingleMetricAsString('virusmap_rewards_recomputed_epochs_total'))))).every(Boolean)
  await until('every member recomputed the epochs over the anchor it lost', recomputed)
  await until('the epoch is anchored again', anchoredEverywhere)
  const again = await members[0]?.repos.anchors.epoch(epoch)
  t.equal(again?.root, anchor?.root, 'the same anchor root')
  t.not(again?.tx, anchor?.tx, 'in another transaction')
  await mineTo(c, rewardsComputable + 4)
  await until('a rewards root is posted again', async () => (await openRoot())[1] !== NO_ROOT)
  t.same(await openRoot().then((r) => r.slice(0, 3)), [posted, root, total], 'the same epoch, root and total')

  await mineTo(c, await head(c) + 3)
  const [settledEpoch, settledRoot] = await c.rewards.getFunction('settledRoot')() as [bigint, string]
  t.same([settledEpoch, settledRoot], [posted, root], 'settled after its challenge period')
})
