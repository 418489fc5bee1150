/** This implementation reproduces test/vectors/rewards.json (written by scripts/make-reward-vectors.ts). */
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import tap from 'tap'
import { recoverRewardsRootSigner, rewardsRootDigest } from '../../src/index.ts'
import type { Hex, RewardFacts, RewardParams } from '../../src/index.ts'
import { epochVector, runScenario } from './reward-scenario.ts'
import type { EpochVector } from './reward-scenario.ts'

interface Vector {
  params: Record<string, unknown>
  facts: RewardFacts[]
  epochs: EpochVector[]
  rewardsRoot: { value: { epoch: number, root: Hex, total: string }, chainId: number, registry: Hex, digest: Hex, signer: Hex, signature: Hex }
}

const vector = JSON.parse(readFileSync(join(import.meta.dirname, '..', 'vectors', 'rewards.json'), 'utf8')) as Vector
const AMOUNTS = new Set(['budget', 'submitterShareBps', 'baseReward', 'suspiciousBps', 'publicListBps', 'confirmationBps', 'walletCapBase', 'walletCapStakeBps', 'familyCap', 'memberRewardPerReveal'])
const params = Object.fromEntries(Object.entries(vector.params).map(([k, v]) => [k, AMOUNTS.has(k) ? BigInt(v as string) : v])) as unknown as RewardParams

tap.test('every epoch\'s items, amounts, state and root match the vector', async (t) => {
  const got = runScenario(vector.facts, params).map(epochVector)
  t.equal(got.length, vector.epochs.length)
  got.forEach((e, i) => { t.same(e, vector.epochs[i], `epoch ${e.epoch}`) })
  // the figures the SPEC's rules give by hand: A = 100 x 1.5 (confirmed) and its sibling 100 / 2, family-capped to 120 as 90 + 30
  const paid = vector.epochs[1]?.items.filter(i => i.outcome === 'paid').map(i => BigInt(i.amount) / 10n ** 18n)
  t.same(paid, [90n, 30n, 25n, 25n])
})

tap.test('the vector\'s RewardsRoot digest and signature', async (t) => {
  const { value, chainId, registry, digest, signer, signature } = vector.rewardsRoot
  const root = { epoch: value.epoch, root: value.root, total: BigInt(value.total) }
  t.equal(rewardsRootDigest(root, chainId, registry), digest)
  t.equal(recoverRewardsRootSigner(root, signature, chainId, registry), signer)
})
