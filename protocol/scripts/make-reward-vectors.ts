/** Writes test/vectors/rewards.json (SPEC section 17) from the scenario in test/rewards/reward-scenario.ts. */
import { writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { rewardsRootDigest, signRewardsRoot } from '../src/index.ts'
import { CHAIN_ID, member, REGISTRY } from '../test/fixtures.ts'
import { epochVector, itemVector, paramsJson, runScenario, SCENARIO_ITEMS, SCENARIO_PARAMS, scenarioDeposits, scenarioFacts } from '../test/rewards/reward-scenario.ts'

const facts = scenarioFacts()
const deposits = scenarioDeposits()
const epochs = runScenario(facts, SCENARIO_PARAMS, deposits).map(epochVector)
const last = epochs.at(-1)?.root
if (last == null) throw new Error('the scenario pays nobody')
const root = { epoch: last.epoch, root: last.root, total: BigInt(last.total) }
const signer = member(0)
const vector = {
  description: 'SPEC section 17: three epochs with payDelayEpochs 1; amounts in wei as decimal strings; deposits: each wallet\'s SubmissionDeposits totals at every epoch\'s end block (rule 0); items: the reward item of URL and domain jobs (the registrable domain, ICANN section, of tldts as pinned)',
  items: SCENARIO_ITEMS.map(([kind, raw]) => itemVector(kind, raw)),
  params: paramsJson(SCENARIO_PARAMS),
  facts,
  deposits,
  epochs,
  rewardsRoot: { value: last, chainId: CHAIN_ID, registry: REGISTRY, digest: rewardsRootDigest(root, CHAIN_ID, REGISTRY), signer: signer.address, signature: await signRewardsRoot(root, CHAIN_ID, REGISTRY, signer.wallet) }
}
await writeFile(join(import.meta.dirname, '..', 'test', 'vectors', 'rewards.json'), `${JSON.stringify(vector, null, 2)}\n`)
