/** This implementation reproduces test/vectors/rewards.json (written by scripts/make-reward-vectors.ts). */
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import tap from 'tap'
import { recoverRewardsRootSigner, REWARD_AMOUNT_FIELDS, rewardsRootDigest } from '../../src/index.ts'
import type { Hex, RewardFacts, RewardParams } from '../../src/index.ts'
import { epochVector, itemVector, runScenario, scenarioDeposits, scenarioFacts } from './reward-scenario.ts'
import type { DepositsJson, EpochVector, ItemVector } from './reward-scenario.ts'

interface Vector {
  items: ItemVector[]
  params: Record<string, unknown>
  facts: RewardFacts[]
  deposits: DepositsJson
  epochs: EpochVector[]
  rewardsRoot: { value: { epoch: number, root: Hex, total: string }, chainId: number, registry: Hex, digest: Hex, signer: Hex, signature: Hex }
}

const vector = JSON.parse(readFileSync(join(import.meta.dirname, '..', 'vectors', 'rewards.json'), 'utf8')) as Vector
const AMOUNTS = new Set<string>(REWARD_AMOUNT_FIELDS)
const wallet1 = `0xee${'0'.repeat(37)}1`
const params = Object.fromEntries(Object.entries(vector.params).map(([k, v]) => [k, AMOUNTS.has(k) ? BigInt(v as string) : v])) as unknown as RewardParams

tap.test('every epoch\'s items, amounts, state and root match the vector', async (t) => {
  const got = runScenario(vector.facts, params, vector.deposits).map(epochVector)
  t.equal(got.length, vector.epochs.length)
  got.forEach((e, i) => { t.same(e, vector.epochs[i], `epoch ${e.epoch}`) })
  // the figures the SPEC's rules give by hand: A = 100 (its confirmer stakes nothing) and its sibling 100 / 2, family-capped to 120 as 80 + 40
  const paid = vector.epochs[1]?.items.filter(i => i.outcome === 'paid').map(i => BigInt(i.amount) / 10n ** 18n)
  t.same(paid, [80n, 40n, 25n, 10n])
  t.same(vector.epochs[1]?.charged, { [wallet1]: (5n * 10n ** 18n).toString() }, 'two reports, one over the quota of 1: 5 VMT')
  // epoch 2: two TLSH digests 4 apart are one family whatever their labels; a far digest is its own
  t.same(vector.epochs[2]?.items.slice(3, 6).map(i => i.duplicateIndex), [0, 1, 0])
  // epoch 2: three URLs on phish.example and a domain report on www.phish.example are one item, paid once
  const phish = vector.epochs[2]?.items.slice(6)
  t.same(phish?.map(i => i.outcome), ['paid', 'not-first', 'not-first', 'not-first'])
  t.same(phish?.map(i => BigInt(i.amount) / 10n ** 18n), [100n, 0n, 0n, 0n])
  // rule 0 at the default deposit: wallet 3's one deposit backs its EICAR report (which earns nothing, so the
  // deposit is forfeited) and not its benign one
  t.equal(BigInt(params.submissionDeposit ?? 0n), 8n * 10n ** 18n, 'the vector runs the default deposit')
  t.same(vector.epochs[1]?.items.slice(3, 5).map(i => i.outcome), ['test', 'no-deposit'])
  t.same(vector.deposits, scenarioDeposits(params), 'the scenario\'s deposits are the vector\'s')
  t.equal(new Set(vector.facts.slice(-4).map(f => f.item)).size, 1, 'one item')
})

tap.test('the vector\'s URL and domain items: registrable domain (ICANN), IP, or the host itself', async (t) => {
  for (const v of vector.items) t.same(itemVector(v.kind, v.raw), v, `${v.kind} ${v.raw}`)
  const keys = vector.items.map(v => v.key?.subject ?? null)
  t.same(keys, [
    'phish.example', 'phish.example', 'phish.example', 'phish.example', 'phish.example', 'xn--mnchen-3ya.de', 'evil.co.uk', 'co.uk', 'localhost', 'github.io', '1.2.3.4', '2001:db8::1', null
  ])
  t.equal(vector.items.at(-1)?.item, vector.items.at(-1)?.sha256, 'a URL with no host keeps its own hash')
  t.same(scenarioFacts(), vector.facts, 'the scenario\'s facts, items included, are the vector\'s')
})

tap.test('the vector\'s RewardsRoot digest and signature', async (t) => {
  const { value, chainId, registry, digest, signer, signature } = vector.rewardsRoot
  const root = { epoch: value.epoch, root: value.root, total: BigInt(value.total) }
  t.equal(rewardsRootDigest(root, chainId, registry), digest)
  t.equal(recoverRewardsRootSigner(root, signature, chainId, registry), signer)
})
