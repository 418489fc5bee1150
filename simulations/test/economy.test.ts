/** Invariants of the token-economy model (issue 18 part 3): conservation, determinism, zero for zero detections. */
import tap from 'tap'
import { classify, DEFAULT_REWARD_PARAMS, fuzzyDistance, rewardsTotal } from '#protocol/rewards/index.ts'
import type { Hex } from '#protocol/messages.ts'
import { scanFacts } from '../src/economy/detection.ts'
import { runEconomy } from '../src/economy/economy-run.ts'
import { marketEpoch, toWei } from '../src/economy/market.ts'
import { DEFAULT_ECONOMY } from '../src/economy/params.ts'
import type { EconomyParams } from '../src/economy/params.ts'
import { newLedger, supplyView } from '../src/economy/supply.ts'
import { World } from '../src/economy/world.ts'
import { createRng } from '../src/prng.ts'

const eco = (e: Partial<EconomyParams>): EconomyParams => ({ ...DEFAULT_ECONOMY, ...e })

tap.test('every epoch pays at most its budget, the amounts sum to the payout exactly, and the supply is conserved', async (t) => {
  let epochs = 0
  let cumulative = 0n
  const total = toWei(DEFAULT_ECONOMY.supply.total)
  runEconomy({
    seed: 3,
    epochs: 60,
    params: { ...DEFAULT_REWARD_PARAMS, budget: 3000n * 10n ** 18n },
    eco: DEFAULT_ECONOMY,
    schedule: { kind: 'halving', years: 0.5 },
    onEpoch: (out, budget, view) => {
      epochs++
      // the tree also pays deposits back (rule 0): never rewards, never more than a deposit per backed report
      const returned = [...out.deposits.values()].reduce((s, d) => s + d.refunded + d.withdrawn, 0n)
      const backed = [...out.deposits.values()].reduce((s, d) => s + BigInt(d.backed), 0n)
      const sum = [...out.amounts.values()].reduce((s, a) => s + a, 0n) - returned
      const charged = [...out.charged.values()].reduce((s, a) => s + a, 0n)
      const items = out.items.reduce((s, i) => s + i.amount, 0n) + [...out.members.values()].reduce((s, a) => s + a, 0n) - charged
      if (out.paid > budget || sum !== out.paid || items !== out.paid) t.fail(`epoch ${out.epoch}: paid ${out.paid}, budget ${budget}, sum ${sum}, items - fees ${items}`)
      if (returned > backed * (DEFAULT_REWARD_PARAMS.submissionDeposit ?? 0n)) t.fail(`epoch ${out.epoch}: ${returned} paid back for ${backed} deposits`)
      cumulative += out.paid + returned
      if (rewardsTotal(out.state.cumulative) !== cumulative) t.fail(`epoch ${out.epoch}: the tree total moved by other than the payout and the deposits paid back`)
      if (view.pool + view.circulating + view.burned + view.locked !== total) t.fail(`epoch ${out.epoch}: supply not conserved`)
      if (view.pool < 0n) t.fail('the pool went negative')
    }
  })
  t.equal(epochs, 62, '60 epochs and W = 2 drain epochs, all checked')
  t.ok(cumulative > 0n, 'something was paid')
})

const shortRun = (seed: number): string => JSON.stringify(runEconomy({ seed, epochs: 12, params: DEFAULT_REWARD_PARAMS, eco: DEFAULT_ECONOMY }))

tap.test('same seed, byte-identical result; another seed, another result', async (t) => {
  t.equal(shortRun(5), shortRun(5))
  t.not(shortRun(5), shortRun(6))
})

tap.test('attackers without detections earn zero: spammers and a ring of at most f members', async (t) => {
  const noFalsePositives = eco({ detection: { ...DEFAULT_ECONOMY.detection, falsePositive: 0 } })
  for (const colluders of [0, 1, 2]) {
    const r = runEconomy({ seed: 2, epochs: 15, params: DEFAULT_REWARD_PARAMS, eco: { ...noFalsePositives, ring: { ...noFalsePositives.ring, colluders } } })
    t.equal(r.reward.spammer, 0, `spammer, ring of ${colluders}`)
    t.equal(r.reward.ring, 0, `ring of ${colluders} <= f = 2 earns nothing`)
    t.ok(r.cost.spammer > 0 && r.cost.ring > 0, 'and pays its effort')
  }
  const past = runEconomy({ seed: 2, epochs: 15, params: DEFAULT_REWARD_PARAMS, eco: { ...noFalsePositives, ring: { ...noFalsePositives.ring, colluders: 3 } } })
  t.ok(past.reward.ring > 0, 'f + 1 colluding members make their fabrications earn: the reward function cannot stop that')
})

tap.test('pruning the settled set is result-neutral over a run longer than the pruning period', async (t) => {
  // a small old-sample pool evicts items within the run, so pruning drops settled items that did exist
  const small = eco({ honest: { ...DEFAULT_ECONOMY.honest, wildPerEpoch: 40 } })
  const run = (pruneEvery: number): string => JSON.stringify(runEconomy({ seed: 9, epochs: 60, params: DEFAULT_REWARD_PARAMS, eco: small, pruneEvery }))
  t.equal(run(1), run(0))
})

tap.test('detection model: the protocol classifies its facts as the parameters say', async (t) => {
  const rng = createRng(1)
  const members = Array.from({ length: 7 }, (_, i) => `0xaa${i.toString(16).padStart(38, '0')}` as Hex)
  const ctx = { jobId: `0x${'10'.repeat(32)}` as Hex, epoch: 0, submitter: `0xee${'0'.repeat(38)}` as Hex, origin: members[0] as Hex, firstSeen: 1, members, ring: new Set<Hex>() }
  const sure = { ...DEFAULT_ECONOMY.detection, clamav: 1, yara: 1, ml: 1, memberMiss: 0, detectabilitySigma: 0, falsePositive: 0 }
  const world = new World(createRng(2), { ...DEFAULT_ECONOMY, detection: sure })
  const malware = world.newFamily('x')
  t.equal(classify(scanFacts(rng, sure, malware, ctx), DEFAULT_REWARD_PARAMS), 'malicious')
  t.equal(classify(scanFacts(rng, sure, world.benign(), ctx), DEFAULT_REWARD_PARAMS), 'none')
  const variant = world.variantOf(malware)
  t.not(variant.item, malware.item, 'a variant has its own hash')
  const digest = (f: { fuzzy?: string }): string => f.fuzzy ?? t.fail('no digest') as never
  const near = fuzzyDistance(digest(scanFacts(rng, sure, variant, ctx)), digest(scanFacts(rng, sure, malware, ctx)))
  t.ok(near >= 1 && near <= DEFAULT_ECONOMY.detection.variantSpread, `a variant's digest is ${near} from its source's: one family`)
  const sibling = fuzzyDistance(digest(scanFacts(rng, sure, world.newFamily('y'), ctx)), digest(scanFacts(rng, sure, malware, ctx)))
  t.ok(sibling > DEFAULT_REWARD_PARAMS.fuzzyThreshold, `another family's digest is ${sibling} away`)
  const ring = world.ringFabrication()
  const twoColluders = new Set(members.slice(0, 2))
  t.equal(classify(scanFacts(rng, sure, ring, { ...ctx, ring: twoColluders }), DEFAULT_REWARD_PARAMS), 'none', 'f = 2 colluders: not malicious')
  t.equal(classify(scanFacts(rng, sure, ring, { ...ctx, ring: new Set(members.slice(0, 3)) }), DEFAULT_REWARD_PARAMS), 'malicious', 'f + 1: malicious')
})

const world = (d: Partial<EconomyParams['detection']>): World => new World(createRng(3), { ...DEFAULT_ECONOMY, detection: { ...DEFAULT_ECONOMY.detection, ...d } })
/** the share of 200 variants of one source the list engine flags */
function listedShare (w: World, listed: boolean): number {
  const source = { ...w.newFamily('z'), listed }
  return Array.from({ length: 200 }, () => w.variantOf(source)).filter((v) => v.listed).length / 200
}

tap.test('a variant is listed only as the node\'s hash list would: its source listed with a TLSH within the list\'s distance', async (t) => {
  t.equal(listedShare(world({ listTlshShare: 1 }), true), 1, 'every TLSH-listed source: each variant (1-12 codes away) is within 30')
  t.equal(listedShare(world({ listTlshShare: 1 }), false), 0, 'an unlisted source lists no variant')
  t.equal(listedShare(world({ listTlshShare: 0 }), true), 0, 'plain hash lists: no variant')
  t.equal(listedShare(world({ listTlshShare: 1, listTlshThreshold: 0 }), true), 0, 'distance 0: no variant is within it')
  const share = listedShare(world({ listTlshShare: 0.5 }), true)
  t.ok(share > 0.35 && share < 0.65, `half the sources carry a TLSH: ${share} of variants listed`)
})

tap.test('the market splits each price exactly and demand rises as the price falls', async (t) => {
  const m = DEFAULT_ECONOMY.market
  const early = marketEpoch(createRng(4), m, 0)
  t.equal(early.members + early.pool + early.burned, early.revenue)
  const late = Array.from({ length: 20 }, (_, i) => marketEpoch(createRng(i), m, 10).purchases).reduce((s, n) => s + n, 0)
  const first = Array.from({ length: 20 }, (_, i) => marketEpoch(createRng(i), m, 0).purchases).reduce((s, n) => s + n, 0)
  t.ok(late > first, `${late} purchases at year 10 > ${first} at year 0`)
  const ledger = newLedger(DEFAULT_ECONOMY.supply)
  const v = supplyView(ledger, 0, DEFAULT_ECONOMY.supply)
  t.equal(v.pool + v.circulating + v.burned + v.locked, toWei(DEFAULT_ECONOMY.supply.total))
})
