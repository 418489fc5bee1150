/**
 * SPEC 15 on anvil: three members elected through governance, two final reports of theirs in one epoch,
 * the epoch's root posted to ReportAnchors with the members' EpochRoot signatures, and a light client
 * that proves each report against the root it reads on chain, and refuses an anchor that does not hold;
 * the page's chain reads (web/chain-reads.js) read the same anchor.
 */
import { keccak_256 } from '@noble/hashes/sha3.js'
import { Contract, ContractFactory, encodeBytes32String, hexlify, randomBytes, toQuantity } from 'ethers'
import tap from 'tap'
import { anchorProof, epochOf, epochRange, epochTree, signEpochRoot } from '#protocol/index.ts'
import { anchorsArtifact, parametersArtifact } from '#governance/artifacts.ts'
import { electMembers, registerCandidate } from '#governance/index.ts'
import { blockNumber } from '#governance/anvil-time.ts'
import { ANCHORS_READ_ABI, chainReaderFor, createAnchorsView, verifyReport } from '../../src/light-client/index.ts'
import { createChainReads } from '../../src/web/chain-reads.js'
import type { VerifyTarget } from '../../src/light-client/index.ts'
import { startGovernedChain } from '../fixtures/governed-chain.ts'
import { chainReportAt } from '../fixtures/chain-report.ts'
import type { Hex, Report } from '#protocol/index.ts'

const { provider, rpcUrl, signers, deployment, gov, operators, deployer } = await startGovernedChain(tap, 3)
const { contracts, chainId } = deployment
const registry = contracts.registry.toLowerCase() as Hex
const parameters = (contracts.parameters as string).toLowerCase() as Hex
/** ReportAnchors over the deployment's registry with epochs of 8 blocks (the deployment's are 7,200: too many to mine here) */
async function deployAnchors (epochBlocks: number): Promise<Hex> {
  const params = await new ContractFactory(parametersArtifact.abi, parametersArtifact.bytecode, deployer)
    .deploy(await deployer.getAddress(), [encodeBytes32String('epochBlocks')], [epochBlocks])
  await params.waitForDeployment()
  const deployed = await new ContractFactory(anchorsArtifact.abi, anchorsArtifact.bytecode, deployer).deploy(registry, await params.getAddress())
  await deployed.waitForDeployment()
  return (await deployed.getAddress()).toLowerCase() as Hex
}
const anchors = await deployAnchors(8)
for (const op of signers) {
  await registerCandidate({ registry: contracts.registry, operator: op, peerId: `12D3Koo${await op.getAddress()}`, x25519Key: hexlify(randomBytes(32)) as Hex })
}
const elected = (await electMembers({ ...gov, operators })).executionBlock
const E = await createAnchorsView(provider, anchors).epochBlocks()
// the first epoch whose first block has the three members
const EPOCH = epochOf(elected, E) + 1
const { start, end } = epochRange(EPOCH, E)
const mineTo = async (block: number): Promise<void> => {
  const head = await blockNumber(provider)
  if (block > head) await provider.send('anvil_mine', [toQuantity(block - head), toQuantity(1)])
}
await mineTo(start + 2)

const reportAt = async (text: string, block: number): Promise<Report> => await chainReportAt({ provider, signers, operators, chainId, registry }, text, block)

const first = await reportAt('first anchored file', start + 1)
const second = await reportAt('second anchored file', start + 2)
const leftOut = await reportAt('a file left out of the epoch', start + 2)
const tree = epochTree([first, second])
const root = tree.root as Hex
await mineTo(end)
const epochRoot = { epoch: EPOCH, root, leafCount: 2 }
const bySigner = await Promise.all(signers.map(async (s, i) => ({ member: operators[i] as Hex, signature: await signEpochRoot(epochRoot, chainId, registry, s) })))
const contract = new Contract(anchors, anchorsArtifact.abi, deployer)
const tx = await contract.getFunction('anchor')(EPOCH, root, 2, bySigner.toSorted((a, b) => (a.member < b.member ? -1 : 1)).map((s) => s.signature))
const anchoredAt = (await tx.wait())?.blockNumber as number

tap.comment(`epoch ${EPOCH} of ${E} blocks, anchored at block ${anchoredAt}`)
const target: VerifyTarget = { provider, registry, chainId, parameters, anchors }
const served = (report: Report, overrides: Record<string, unknown> = {}): Record<string, unknown> => ({ epoch: EPOCH, root, proof: anchorProof(tree, report.jobId), ...overrides })
const verify = async (report: Report, anchor: unknown, to: VerifyTarget = target): ReturnType<typeof verifyReport> =>
  await verifyReport(report, { hash: report.job.job.sha256 }, to, { now: () => Date.now() + 3_600_000, anchor })
const codes = (r: { problems: Array<{ code: string }> }): string[] => r.problems.map((p) => p.code)

tap.test('the contract holds the root the members signed', async (t) => {
  const view = new Contract(anchors, ANCHORS_READ_ABI, provider)
  const [onChainRoot, leafCount, at] = await view.getFunction('anchorOf').staticCall(EPOCH) as [string, bigint, bigint]
  t.same([onChainRoot, Number(leafCount), Number(at)], [root, 2, anchoredAt])
  t.same(await createAnchorsView(provider, anchors).anchorOf(EPOCH + 1), undefined, 'the next epoch has none')
})

tap.test('each anchored report verifies as anchored in its epoch, at the block its root was posted', async (t) => {
  for (const report of [first, second]) {
    const r = await verify(report, served(report))
    t.same(r.problems, [])
    t.equal(r.verified, true)
    t.same(r.anchor, { status: 'anchored', epoch: EPOCH, block: anchoredAt, root })
  }
})

tap.test('pending: no anchor served, or a deployment without ReportAnchors', async (t) => {
  const plain = await verify(first, undefined)
  t.same([plain.verified, plain.anchor], [true, { status: 'pending', reason: 'not-served' }])
  const { anchors: _unused, ...withoutAnchors } = target
  const unchecked = await verify(first, served(first), withoutAnchors)
  t.same([unchecked.verified, unchecked.anchor], [true, { status: 'pending', reason: 'no-anchors-contract' }])
})

tap.test('an anchor the chain does not bear out is ANCHOR_MISMATCH', async (t) => {
  const cases: Array<[string, Report, unknown]> = [
    ['another report\'s proof', first, served(second)],
    ['a report the epoch does not hold', leftOut, served(first)],
    ['an epoch with no root on chain', first, served(first, { epoch: EPOCH + 1 })],
    ['an epoch far past any block', first, served(first, { epoch: Number.MAX_SAFE_INTEGER })],
    ['a root the chain does not hold', first, served(first, { root: `0x${'ab'.repeat(32)}` })],
    ['a malformed proof', first, served(first, { proof: ['0x1234'] })]
  ]
  for (const [name, report, anchor] of cases) {
    const r = await verify(report, anchor)
    t.same([r.verified, r.anchor.status, codes(r)], [false, 'failed', ['ANCHOR_MISMATCH']], name)
  }
})

tap.test('the page reads the same anchor from the chain as the light client', async (t) => {
  const reads = createChainReads({ rpcUrl, registry, parameters, anchors }, keccak_256)
  const light = await chainReaderFor(target).epochAnchor(EPOCH)
  t.same(await reads.epochAnchor(EPOCH), light)
  t.same(await reads.epochAnchor(EPOCH + 1), { epochBlocks: E }, 'an epoch without a root')
  t.equal(await createChainReads({ rpcUrl, registry, parameters }, keccak_256).epochAnchor(EPOCH), undefined, 'a deployment without ReportAnchors')
})
