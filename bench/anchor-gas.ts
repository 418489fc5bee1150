// Gas of anchoring an epoch's reports on chain (ReportAnchors, SPEC section 15) and of checking a report's
// proof against the anchor, on a fresh anvil with the deployment virusmap deploy makes (solc optimizer
// 200 runs, evmVersion cancun; anvil's latest hardfork), epochBlocks set to 100 so that mining to an epoch's
// end is quick (E changes no cost: the members and the divisor are looked up by block, not by epoch):
// - anchor(epoch, root, leafCount, signatures) with the EpochRoot signatures of a quorum of 4, 16 and 64
//   members (3, 11, 43 signers; 64 members all signing too), then with one member count and roots over
//   10, 1,000 and 100,000 reports: the root is one word whatever the tree, so the report count changes nothing;
// - verify(epoch, proof, leaf) for a leaf of each of those trees (proofs of ceil(log2 n) or one fewer words),
//   as the EVM execution a contract calling it pays and as a whole eth_call (intrinsic 21,000 and calldata).
// Trees are OpenZeppelin StandardMerkleTree's over SPEC leaves, built as a SimpleMerkleTree over the leaf
// hashes (the same tree: checked equal to StandardMerkleTree.of at 10 and 1,000 leaves), since the ABI
// encoding of 100,000 leaves one by one takes about a minute; those leaves share every value but the jobId,
// which the hash covers like any other (the protocol caps a proposal at MAX_ANCHOR_JOBS = 4,096 reports, so
// 100,000 shows how the cost would grow, not a size an epoch reaches).
// Run: npx node bench/anchor-gas.ts [--json]
import { printGasRows } from './gas-rows.ts'
import { randomBytes } from 'node:crypto'
import { SimpleMerkleTree, StandardMerkleTree } from '@openzeppelin/merkle-tree'
import { keccak_256 } from '@noble/hashes/sha3.js'
import { AbiCoder, Contract, JsonRpcProvider, Wallet, getBytes, hexlify, keccak256, parseEther } from 'ethers'
import type { ContractTransactionResponse, JsonRpcSigner } from 'ethers'
import { startAnvil } from '../node/src/chain/anvil.ts'
import { blockNumber, mineBlocks, setBalance } from '#governance/anvil-time.ts'
import { anchorsArtifact, registryArtifact } from '#governance/artifacts.ts'
import { deployVirusMap } from '#governance/deploy.ts'
import { ANCHOR_LEAF_TYPES, signEpochRoot } from '#protocol/anchors.ts'
import type { AnchorLeaf } from '#protocol/anchors.ts'
import type { Hex } from '#protocol/messages.ts'
import { quorumThreshold } from '#protocol/quorum.ts'

const anvil = await startAnvil({ port: 0 })
const provider = new JsonRpcProvider(anvil.rpcUrl, anvil.chainId, { staticNetwork: true, cacheTimeout: -1 })
const rows: Array<{ operation: string, gas: bigint, note: string }> = []
const hex = (bytes: number): Hex => `0x${randomBytes(bytes).toString('hex')}`
const sent = async (pending: Promise<ContractTransactionResponse>): Promise<void> => { await (await pending).wait() }

/** A report's leaf in SPEC section 15's shape (its values do not change any cost here: the contract sees its hash). */
const leaf = (i: number, revealed: Hex[]): AnchorLeaf =>
  [hex(32), hex(32), hex(32), i % 6, 1_000 + i, 1_780_000_000_000 + i, hex(20), hex(20), i % 3, 0, revealed, revealed.slice(0, i % 3)]
const coder = AbiCoder.defaultAbiCoder()
/** The deployment's quorum rule (quorumFaultDivisor 3). */
const quorum = (n: number): number => quorumThreshold(n, 3)
/** StandardMerkleTree's leaf hash, keccak256(keccak256(abi.encode(values))). */
const leafHash = (l: AnchorLeaf): Hex => keccak256(keccak256(coder.encode([...ANCHOR_LEAF_TYPES], l))) as Hex
/** The leaf hashes of `size` leaves like `template` with jobIds of their own: the jobId is the encoding's first word. */
function leafHashes (template: AnchorLeaf, size: number): Hex[] {
  const encoded = getBytes(coder.encode([...ANCHOR_LEAF_TYPES], template))
  return Array.from({ length: size }, () => {
    encoded.set(randomBytes(32), 0)
    return hexlify(keccak_256(keccak_256(encoded))) as Hex
  })
}

interface Tree { root: Hex, size: number, leaf: Hex, proof: Hex[] }
function tree (size: number): Tree {
  const revealed = [hex(20), hex(20), hex(20)].toSorted()
  let hashes: Hex[]
  if (size <= 1_000) {
    const values = Array.from({ length: size }, (_, i) => leaf(i, revealed))
    hashes = values.map(leafHash)
    if (StandardMerkleTree.of(values, [...ANCHOR_LEAF_TYPES]).root !== SimpleMerkleTree.of(hashes).root) throw new Error(`the ${size}-leaf trees differ`)
  } else {
    hashes = leafHashes(leaf(0, revealed), size)
  }
  const simple = SimpleMerkleTree.of(hashes)
  // the deepest leaf: OpenZeppelin's trees are complete, so proofs are ceil(log2 n) or one fewer words
  // (most leaves are that deep; a few hundred tried find one)
  let index = 0
  for (let i = 1; i < Math.min(size, 256); i++) if (simple.getProof(i).length > simple.getProof(index).length) index = i
  return { root: simple.root as Hex, size, leaf: hashes[index]!, proof: simple.getProof(index) as Hex[] }
}

/** EVM execution gas of a call (what a contract calling it pays, less the call itself), from its opcode trace. */
async function executionGas (to: string, data: string): Promise<bigint> {
  const trace = await provider.send('debug_traceCall', [{ to, data }, 'latest', { disableStorage: true, disableMemory: true, disableStack: true }]) as
    { structLogs: Array<{ gas: number, gasCost: number, depth: number }> }
  const logs = trace.structLogs
  const first = logs[0]
  const last = logs.at(-1)
  if (first === undefined || last === undefined) throw new Error('empty trace')
  return BigInt(first.gas - last.gas + last.gasCost)
}

try {
  const started = performance.now()
  const trees = [10, 1_000, 100_000].map(tree)
  process.stderr.write(`trees of ${trees.map((t) => t.size).join(', ')} leaves built in ${((performance.now() - started) / 1000).toFixed(1)}s\n`)

  const deployer = await provider.getSigner(0) as JsonRpcSigner
  const poster = await provider.getSigner(1) as JsonRpcSigner
  const { contracts: c } = await deployVirusMap({
    deployer,
    plan: { tokenSupply: parseEther('1000000'), votingDelay: 1, votingPeriod: 10, proposalThreshold: 0n, quorumNumerator: 4, timelockMinDelay: 3600, parameters: { epochBlocks: 100n } }
  })
  const anchors = new Contract(c.anchors!, anchorsArtifact.abi, poster)
  const E = Number(await anchors.getFunction('epochBlocks')())
  const chainId = anvil.chainId
  // Admissions as the timelock sends them (impersonated), without the governor around them.
  await provider.send('anvil_impersonateAccount', [c.timelock])
  await setBalance(provider, c.timelock, parseEther('1'))
  const registry = new Contract(c.registry, registryArtifact.abi, await provider.getSigner(c.timelock))
  const members: Wallet[] = []
  /** member count -> EVM execution gas of registry.membersAt at an epoch's first block */
  const lookups = new Map<number, bigint>()
  async function grow (to: number): Promise<void> {
    while (members.length < to) {
      const w = new Wallet(hex(32), provider)
      await setBalance(provider, w.address, parseEther('1'))
      await sent((registry.connect(w) as Contract).getFunction('register')('12D3KooWAnchorGas', hex(32), ''))
      await sent(registry.getFunction('admit')(w.address))
      members.push(w)
    }
  }
  /** Anchors `t`'s root in the next epoch with the signatures of `signers` of the members (ascending). */
  async function anchorOnce (t: Tree, signers: number, operation: string, note: string): Promise<number> {
    const epoch = Math.floor(await blockNumber(provider) / E) + 1
    await mineBlocks(provider, (epoch + 1) * E - await blockNumber(provider))
    const root = { epoch, root: t.root, leafCount: t.size }
    const chosen = members.toSorted((a, b) => (a.address.toLowerCase() < b.address.toLowerCase() ? -1 : 1)).slice(0, signers)
    const signatures = await Promise.all(chosen.map(async (w) => await signEpochRoot(root, chainId, c.registry, w)))
    const receipt = await (await anchors.getFunction('anchor')(epoch, t.root, t.size, signatures) as ContractTransactionResponse).wait()
    if (receipt === null || receipt.status !== 1) throw new Error(`${operation} failed`)
    rows.push({ operation, gas: receipt.gasUsed, note })
    if (!lookups.has(members.length)) {
      // what anchor() pays the registry to learn who the members were, measured now (before more are admitted);
      // a call of its own reads cold storage, as anchor() does
      const data = registry.interface.encodeFunctionData('membersAt', [epoch * E])
      lookups.set(members.length, await executionGas(c.registry, data))
    }
    return epoch
  }

  const [small, middle, large] = trees as [Tree, Tree, Tree]
  await grow(4)
  await anchorOnce(middle, quorum(4), 'anchor: 4 members, quorum 3', `root over ${middle.size.toLocaleString('en')} reports`)
  await grow(16)
  const epochs = new Map<Tree, number>()
  for (const t of trees) {
    epochs.set(t, await anchorOnce(t, quorum(16), `anchor: 16 members, quorum 11, ${t.size.toLocaleString('en')} reports`, 'same signers; only the root and leafCount differ'))
  }
  await grow(64)
  await anchorOnce(middle, quorum(64), 'anchor: 64 members, quorum 43', `root over ${middle.size.toLocaleString('en')} reports`)
  await anchorOnce(middle, 64, 'anchor: 64 members, all 64 sign', 'more than a quorum is accepted')
  await provider.send('anvil_stopImpersonatingAccount', [c.timelock])

  for (const [n, gas] of lookups) {
    rows.push({ operation: `of which registry.membersAt(e·E), ${n} members`, gas, note: 'EVM execution of the lookup alone: a pass over every operator ever admitted' })
  }
  for (const t of [small, middle, large]) {
    const epoch = epochs.get(t)!
    if (await anchors.getFunction('verify')(epoch, t.proof, t.leaf) !== true) throw new Error(`the ${t.size}-leaf proof does not verify`)
    const data = anchors.interface.encodeFunctionData('verify', [epoch, t.proof, t.leaf])
    const execution = await executionGas(c.anchors!, data)
    const call = await provider.estimateGas({ to: c.anchors!, data })
    rows.push({ operation: `verify: ${t.size.toLocaleString('en')} reports, proof of ${t.proof.length} words`, gas: execution, note: `EVM execution; ${call.toLocaleString('en')} as a whole eth_call` })
  }

  printGasRows(rows)
} finally {
  provider.destroy()
  await anvil.stop()
}
