/**
 * SPEC 17 for a light client, on anvil: three members elected through governance with two engines each,
 * three signed, detected reports anchored in one epoch, the members' rewards root of the epoch that pays
 * them posted to RewardsDistributor; a light client recomputes a wallet's amount from the reports a node
 * serves (each verified against the chain) and proves its leaf under the posted root. A node that leaves
 * a report out, slips one in, alters one or serves a forged claim is caught, by code.
 */
import { Contract, ContractFactory, encodeBytes32String, hexlify, parseEther, randomBytes, toQuantity, Wallet } from 'ethers'
import tap from 'tap'
import { anchorProof, epochOf, epochRange, epochTree, signEpochRoot } from '#protocol/index.ts'
import { computeEpochRewards, DEFAULT_REWARD_PARAMS, INITIAL_REWARDS_STATE, rewardFactsOf, rewardNetworkParameters, rewardsRootOf, signRewardsRoot } from '#protocol/rewards/index.ts'
import { anchorsArtifact, depositsArtifact, parametersArtifact, rewardsArtifact, vmtArtifact } from '#governance/artifacts.ts'
import { electMembers, registerCandidate } from '#governance/index.ts'
import { blockNumber } from '#governance/anvil-time.ts'
import { chainReaderFor } from '../../src/light-client/index.ts'
import { recomputeAccount } from '../../src/light-client/rewards-recompute.ts'
import type { AnchoredReportsSource, RecomputeTarget } from '../../src/light-client/rewards-recompute.ts'
import { startGovernedChain } from '../fixtures/governed-chain.ts'
import { chainReportAt } from '../fixtures/chain-report.ts'
import type { DepositTotals, Hex, Report } from '#protocol/index.ts'

const E = 8
const VMT = 10n ** 18n
const { provider, signers, deployment, gov, operators, deployer } = await startGovernedChain(tap, 3)
const { contracts, chainId } = deployment
const registry = contracts.registry.toLowerCase() as Hex
const lower = (a: string): Hex => a.toLowerCase() as Hex
async function deploy (artifact: { abi: unknown[], bytecode: string }, args: unknown[]): Promise<Hex> {
  const c = await new ContractFactory(artifact.abi as never, artifact.bytecode, deployer).deploy(...args)
  await c.waitForDeployment()
  return lower(await c.getAddress())
}
// a NetworkParameters of 8-block epochs with the reward parameters a deployment starts with, its ReportAnchors and RewardsDistributor
const initial = Object.entries({ epochBlocks: BigInt(E), quorumFaultDivisor: 3n, maxJobAgeBlocks: 16n, rewardBudgetPerEpoch: 10_000n * VMT, ...rewardNetworkParameters() })
const fromBlock = await blockNumber(provider)
const parameters = await deploy(parametersArtifact, [await deployer.getAddress(), initial.map(([k]) => encodeBytes32String(k)), initial.map(([, v]) => v)])
const anchors = await deploy(anchorsArtifact, [registry, parameters])
const rewards = await deploy(rewardsArtifact, [await deployer.getAddress(), contracts.vmt, anchors, 2])
await (await new Contract(contracts.vmt, vmtArtifact.abi, deployer).getFunction('transfer')(rewards, parseEther('100000'))).wait()

for (const op of signers) {
  await registerCandidate({ registry: contracts.registry, operator: op, peerId: `12D3Koo${await op.getAddress()}`, x25519Key: hexlify(randomBytes(32)) as Hex })
}
const elected = (await electMembers({ ...gov, operators, engines: Object.fromEntries(operators.map((op) => [op, ['YARA', 'ClamAV']])) })).executionBlock
const EPOCH = epochOf(elected, E) + 1
const PAYS = EPOCH + DEFAULT_REWARD_PARAMS.payDelayEpochs
const { start, end } = epochRange(EPOCH, E)
const mineTo = async (block: number): Promise<void> => {
  const head = await blockNumber(provider)
  if (block > head) await provider.send('anvil_mine', [toQuantity(block - head), toQuantity(1)])
}
await mineTo(start + 3)
const target: RecomputeTarget = { provider, registry, chainId, parameters, anchors, rewards, vmt: lower(contracts.vmt), ...(contracts.deposits === undefined ? {} : { deposits: contracts.deposits }), fromBlock }
const now = (): number => Date.now() + 3_600_000
const [alice, bob] = [new Wallet(hexlify(randomBytes(32))), new Wallet(hexlify(randomBytes(32)))]
// rule 0 at the default deposit: the deployer locks one deposit per report for alice (two) and bob (one) in the
// deployment's SubmissionDeposits, which the light client reads
const D = DEFAULT_REWARD_PARAMS.submissionDeposit ?? 0n
const locked = new Map<Hex, DepositTotals>([[lower(alice.address), { deposited: 2n * D, withdrawalsRequested: 0n }], [lower(bob.address), { deposited: D, withdrawalsRequested: 0n }]])
await (await new Contract(contracts.vmt, vmtArtifact.abi, deployer).getFunction('approve')(contracts.deposits, 3n * D)).wait()
for (const [account, { deposited }] of locked) await (await new Contract(contracts.deposits as Hex, depositsArtifact.abi, deployer).getFunction('deposit')(account, deposited)).wait()

const onChain = { provider, signers, operators, chainId, registry }
async function reportAt (text: string, block: number, submitter: Wallet, label: string): Promise<Report> {
  const results = ['YARA', 'ClamAV'].map((engine) => ({ engine, engineVersion: '4.5.2', engineUpdate: '20261101', category: 'malicious' as const, result: label, method: 'blacklist' }))
  return await chainReportAt(onChain, text, block, { submitter, results, registrations: (await chainReaderFor(target).blockState(block))?.registrations ?? {} })
}

const anchored = [await reportAt('alice 1', start + 1, alice, 'fam-one'), await reportAt('alice 2', start + 1, alice, 'fam-two'), await reportAt('bob 1', start + 2, bob, 'fam-three')]
const leftOut = await reportAt('never anchored', start + 2, bob, 'fam-four')
const tree = epochTree(anchored)
await mineTo(end)
const epochRoot = { epoch: EPOCH, root: tree.root as Hex, leafCount: anchored.length }
const sigs = await Promise.all(signers.map(async (s, i) => ({ member: operators[i] as Hex, signature: await signEpochRoot(epochRoot, chainId, registry, s) })))
await (await new Contract(anchors, anchorsArtifact.abi, deployer).getFunction('anchor')(EPOCH, epochRoot.root, anchored.length, sigs.toSorted((a, b) => (a.member < b.member ? -1 : 1)).map((s) => s.signature))).wait()
// the epochs after EPOCH can no longer be anchored; the members compute PAYS from EPOCH's reports and post its root
await mineTo((PAYS + 1) * E + 16 + 2)
const members = computeEpochRewards({
  epoch: PAYS, facts: anchored.map((r) => rewardFactsOf(r, EPOCH)), state: { ...INITIAL_REWARDS_STATE, epoch: PAYS - 1 }, params: { ...DEFAULT_REWARD_PARAMS, budget: 10_000n * VMT }, deposits: locked
})
const posted = rewardsRootOf(PAYS, members.state.cumulative)
if (posted === undefined) throw new Error('the members\' epoch pays nobody')
const rootSigs = await Promise.all(signers.map(async (s, i) => ({ member: operators[i] as Hex, signature: await signRewardsRoot(posted, chainId, registry, s) })))
await (await new Contract(rewards, rewardsArtifact.abi, deployer).getFunction('postRoot')(PAYS, posted.root, posted.total, rootSigs.toSorted((a, b) => (a.member < b.member ? -1 : 1)).map((s) => s.signature))).wait()

const serving = (reports: Report[], anchorOf: (r: Report) => unknown = (r) => ({ epoch: EPOCH, root: tree.root, proof: anchorProof(tree, r.jobId) })): AnchoredReportsSource => ({
  reports: async (epoch) => epoch === EPOCH ? reports.map((report) => ({ report, anchor: anchorOf(report) })) : []
})

tap.test('a light client recomputes a wallet\'s amount from the anchored reports and finds its leaf in the posted root', async (t) => {
  const r = await recomputeAccount(lower(alice.address), PAYS, serving(anchored), target, { now })
  t.equal(r.reports, 3, 'every leaf of the anchor, each verified')
  t.equal(r.cumulative, 200n * VMT + 2n * D, 'two first, confirmed reports of two families, and their deposits back')
  t.equal(r.amount, 200n * VMT + 2n * D)
  t.same(r.posted, { root: posted.root, total: posted.total }, 'the root the members posted')
  t.equal(r.rootMatches, true)
  t.equal(r.root, posted.root)
  const claim = { cumulative: r.cumulative, proof: r.proof ?? [] }
  const checked = await recomputeAccount(lower(bob.address), PAYS, serving(anchored), target, { now, served: claim })
  t.equal(checked.cumulative, 100n * VMT + D)
  t.equal(checked.servedMatches, false, 'alice\'s claim is no leaf of bob\'s')
  const forged = await recomputeAccount(lower(alice.address), PAYS, serving(anchored), target, { now, served: { cumulative: 400n * VMT, proof: claim.proof } })
  t.equal(forged.servedMatches, false, 'a doubled amount is no leaf of the posted tree')
  const honest = await recomputeAccount(lower(alice.address), PAYS, serving(anchored), target, { now, served: claim })
  t.equal(honest.servedMatches, true)
  const member = await recomputeAccount(operators[1] as Hex, PAYS, serving(anchored), target, { now })
  t.equal(member.cumulative, 3n * VMT, 'a member: one agreeing reveal per paid report')
})

tap.test('a node that hides, adds or alters a report, or an epoch not over, is refused by code', async (t) => {
  const account = lower(alice.address)
  await t.rejects(recomputeAccount(account, PAYS, serving(anchored.slice(1)), target, { now }), { code: 'INCOMPLETE_EPOCH' }, 'a report left out')
  await t.rejects(recomputeAccount(account, PAYS, serving([...anchored, leftOut], (r) => ({ epoch: EPOCH, root: tree.root, proof: anchorProof(tree, r === leftOut ? (anchored[0] as Report).jobId : r.jobId) })), target, { now }), { code: 'UNVERIFIED_REPORT' }, 'a report the anchor does not hold')
  const altered = { ...anchored[2], results: { ...anchored[2]?.results, YARA: { ...anchored[2]?.results.YARA, result: 'other' } } } as Report
  await t.rejects(recomputeAccount(account, PAYS, serving([anchored[0] as Report, anchored[1] as Report, altered]), target, { now }), { code: 'UNVERIFIED_REPORT' }, 'an altered report')
  await t.rejects(recomputeAccount(account, PAYS, serving(anchored, () => 'no anchor'), target, { now }), { code: 'UNVERIFIED_REPORT' }, 'a malformed anchor')
  await t.rejects(recomputeAccount(account, 10 ** 9, serving(anchored), target, { now }), { code: 'EPOCH_NOT_OVER' })
  await t.rejects(recomputeAccount(account, PAYS, serving(anchored), { ...target, rewards: registry }, { now }), { code: 'NO_DISTRIBUTOR' })
})
