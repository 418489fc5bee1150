/**
 * Epoch anchors (SPEC section 15): one OpenZeppelin StandardMerkleTree leaf per final report, a tree
 * per epoch whose root a quorum of the members at the epoch's first block signs as an EIP-712
 * EpochRoot, and the proofs a light client checks against the root ReportAnchors holds. Pure.
 */
import { SimpleMerkleTree, StandardMerkleTree } from '@openzeppelin/merkle-tree'
import type { Signer } from 'ethers'
import { LEAF_TYPES, leafHash } from './anchor-leaf.js'
import { bytesToHex, hexToBytes } from './eip712-hash.js'
import { eip712, keccak256, reportDigest } from './eip712.ts'
import { AnchorError } from './errors.ts'
import { MAX_ANCHOR_JOBS, SAMPLE_KINDS } from './messages.ts'
import type { AnchorProposal, EpochRoot, Hex, ScanJob } from './messages.ts'
import type { Report } from './report-format.ts'
import { attestationFor, recoverMember, signTyped } from './signing.ts'

/** The leaf's ABI types, in order (SPEC section 15): what StandardMerkleTree and the contract's leaf hash encode. */
export const ANCHOR_LEAF_TYPES = LEAF_TYPES as readonly [
  'bytes32', 'bytes32', 'bytes32', 'uint8', 'uint64', 'uint64', 'address', 'address', 'uint16', 'uint16', 'address[]', 'address[]'
]

/** One report's leaf values, in ANCHOR_LEAF_TYPES order. */
export type AnchorLeaf = [
  jobId: Hex, reportDigest: Hex, sha256: Hex, kind: number, membershipBlock: number, createdAt: number,
  origin: Hex, submitter: Hex, malicious: number, suspicious: number, revealed: Hex[], detected: Hex[]
]

export type EpochTree = StandardMerkleTree<AnchorLeaf>

const BYTES32 = /^0x[0-9a-fA-F]{64}$/

/**
 * OpenZeppelin's node hash, keccak256 of the pair sorted: on the lowercase hex a tree stores, string order
 * is byte order. Its own standardNodeHash converts and compares each pair as bytes, the most of a tree's cost.
 */
function pairHash (left: string | Uint8Array | readonly number[], right: string | Uint8Array | readonly number[]): string {
  const [a, b] = [left, right].map(v => typeof v === 'string' ? v.toLowerCase() : bytesToHex(Uint8Array.from(v))) as [string, string]
  const pair = new Uint8Array(64)
  pair.set(hexToBytes(a < b ? a : b))
  pair.set(hexToBytes(a < b ? b : a), 32)
  return bytesToHex(keccak256(pair))
}

/**
 * StandardMerkleTree with anchor-leaf.js's leaf hash in place of its generic encoder (which builds error
 * objects for every number: 4 s for a full epoch). The same tree, proofs and dump: anchor-leaf.test.ts
 * holds the hash to StandardMerkleTree's.
 */
class AnchorTree extends StandardMerkleTree<AnchorLeaf> {
  override readonly leafHash = anchorLeafHash
  protected override readonly nodeHash = pairHash

  static build (leaves: AnchorLeaf[]): EpochTree {
    const [tree, values] = StandardMerkleTree.prepare(leaves, {}, anchorLeafHash, pairHash)
    return new AnchorTree(tree, values, [...ANCHOR_LEAF_TYPES])
  }
}

/** The deepest proof a tree of MAX_ANCHOR_JOBS leaves has (OpenZeppelin's trees are complete binary trees). */
export const MAX_ANCHOR_PROOF = Math.ceil(Math.log2(MAX_ANCHOR_JOBS))

/** EIP-712 digest of an EpochRoot (what each member signs for an epoch's anchor). */
export function epochRootDigest (r: EpochRoot, chainId: number, registry: Hex): Hex {
  return eip712.digest('EpochRoot', r, chainId, registry) as Hex
}

/** A member's EpochRoot signature, in the one spelling of SPEC section 4 (v 27|28, low s). */
export async function signEpochRoot (r: EpochRoot, chainId: number, registry: Hex, signer: Signer): Promise<Hex> {
  return await signTyped(signer, 'EpochRoot', r, chainId, registry)
}

/** Who signed the EpochRoot (`claimed`: who the message names); throws SignatureError for any other spelling. */
export function recoverEpochRootSigner (r: EpochRoot, signature: Hex, chainId: number, registry: Hex, claimed?: Hex): Hex {
  return recoverMember(epochRootDigest(r, chainId, registry), signature, claimed)
}

/** What a proposer signs: its EpochRoot and the list of jobs it builds the root from (SPEC section 15). */
export type ProposedRoot = Pick<AnchorProposal, 'epoch' | 'root' | 'leafCount' | 'jobIds'>

/** EIP-712 digest of an AnchorProposal: binds the list, so a relay that changes it makes the signature another's. */
export function anchorProposalDigest (p: ProposedRoot, chainId: number, registry: Hex): Hex {
  return eip712.digest('AnchorProposal', p, chainId, registry) as Hex
}

export async function signAnchorProposal (p: ProposedRoot, chainId: number, registry: Hex, signer: Signer): Promise<Hex> {
  return await signTyped(signer, 'AnchorProposal', p, chainId, registry)
}

/** Who signed the proposal (`claimed`: its proposer); throws SignatureError for any other spelling. */
export function recoverAnchorProposalSigner (p: ProposedRoot, signature: Hex, chainId: number, registry: Hex, claimed?: Hex): Hex {
  return recoverMember(anchorProposalDigest(p, chainId, registry), signature, claimed)
}

/**
 * A final report's leaf: every value recomputed from the report (the caller has checked it, section 8),
 * so a reward function reads per-submitter and per-member facts from anchored leaves alone.
 */
export function leafOf (report: Report): AnchorLeaf {
  const { job } = report.job
  const { kind, revealed, detected } = leafFactsOf(report)
  const digest = reportDigest(attestationFor(report.job, report.commitments, report.verdicts, report.chainId, report.registry), report.chainId, report.registry)
  return [
    report.jobId, digest, job.sha256, kind, job.membershipBlock, job.createdAt, job.origin, job.submitter,
    report.stats.malicious, report.stats.suspicious, revealed, detected
  ]
}

/**
 * The leaf's facts that are not read off the report as they stand: the kind's index and the members that
 * revealed and detected, ascending. Without the report digest, which hashes every verdict: a reward reads these.
 */
export function leafFactsOf (report: Report): { kind: number, revealed: Hex[], detected: Hex[] } {
  const kind = (SAMPLE_KINDS as readonly string[]).indexOf(report.job.job.kind)
  if (kind < 0) throw new TypeError(`not a sample kind: ${String(report.job.job.kind)}`)
  const revealed = report.verdicts.map(v => v.verdict.member).toSorted()
  const detected = report.verdicts.filter(v => v.verdict.results.some(r => r.category === 'malicious')).map(v => v.verdict.member).toSorted()
  return { kind, revealed, detected }
}

/** The leaf hash, keccak256(keccak256(abi.encode(values))): what ReportAnchors.verify takes. */
export function anchorLeafHash (leaf: AnchorLeaf): Hex {
  return bytesToHex(leafHash(leaf, keccak256)) as Hex
}

/**
 * The epoch's tree over these reports (or their leaves), one leaf per job. The root depends on the
 * set only: OpenZeppelin sorts the leaves by hash, so every member that holds the same reports builds it.
 */
export function epochTree (items: readonly Report[] | readonly AnchorLeaf[]): EpochTree {
  if (items.length === 0) throw new AnchorError('ANCHOR_EMPTY', 'an epoch with no report is not anchored')
  if (items.length > MAX_ANCHOR_JOBS) throw new AnchorError('ANCHOR_TOO_MANY', `${items.length} reports, at most ${MAX_ANCHOR_JOBS} in one epoch`)
  const leaves = items.map(item => Array.isArray(item) ? item as AnchorLeaf : leafOf(item as Report))
  if (new Set(leaves.map(l => l[0].toLowerCase())).size !== leaves.length) throw new AnchorError('ANCHOR_DUPLICATE_JOB', 'a job has more than one leaf')
  return AnchorTree.build(leaves)
}

/** A leaf hash as SimpleMerkleTree stores it (its formatLeaf, without @metamask/abi-utils): lowercase 0x-hex of 32 bytes. */
function bytes32Leaf (value: unknown): string {
  if (typeof value !== 'string' || !BYTES32.test(value)) throw new AnchorError('ANCHOR_MALFORMED_LEAF', 'a leaf hash is not 32 bytes of 0x-hex')
  return value.toLowerCase()
}

/** SimpleMerkleTree over leaf hashes given as hex, with bytes32Leaf in place of its generic formatLeaf: the same tree. */
class LeavesTree extends SimpleMerkleTree {
  override readonly leafHash = bytes32Leaf

  static build (leaves: readonly Hex[]): SimpleMerkleTree {
    const [tree, values] = SimpleMerkleTree.prepare([...leaves], {}, bytes32Leaf, pairHash)
    return new LeavesTree(tree, values, bytes32Leaf, pairHash)
  }
}

/** The tree's leaf hashes, ascending: a proposal's `leaves`. */
export function treeLeaves (tree: EpochTree): Hex[] {
  return [...tree.entries()].map(([, leaf]) => tree.leafHash(leaf).toLowerCase() as Hex).toSorted()
}

/**
 * The root of a tree with these leaf hashes: OpenZeppelin's SimpleMerkleTree over them is the
 * StandardMerkleTree of their leaves (the same sorted leaves, the same sorted-pair node hash).
 */
export function leavesRoot (leaves: readonly Hex[]): Hex {
  return LeavesTree.build(leaves).root.toLowerCase() as Hex
}

/**
 * Proofs of reports from a proposal's leaves, for a node that lacks other reports of the epoch (SPEC 15):
 * one tree serves every report of the epoch, so proving all n costs n·log n hashes, not a tree per report.
 * The prover answers undefined for a leaf that is not among them.
 */
export function leavesProver (leaves: readonly Hex[]): (leaf: Hex) => Hex[] | undefined {
  const tree = LeavesTree.build(leaves)
  const index = new Map<string, number>()
  for (const [i, value] of tree.entries()) index.set(String(value).toLowerCase(), i)
  return (leaf) => {
    const i = index.get(leaf.toLowerCase())
    return i === undefined ? undefined : tree.getProof(i) as Hex[]
  }
}

/** The proof of `jobId`'s leaf in the tree; throws ANCHOR_UNKNOWN_JOB when the tree has none. */
export function anchorProof (tree: EpochTree, jobId: Hex): Hex[] {
  const wanted = jobId.toLowerCase()
  for (const [index, leaf] of tree.entries()) {
    if (leaf[0].toLowerCase() === wanted) return tree.getProof(index) as Hex[]
  }
  throw new AnchorError('ANCHOR_UNKNOWN_JOB', `no leaf for job ${jobId}`)
}

/** Whether `proof` leads from the leaf to `root` (false for anything malformed: proofs come from untrusted servers). */
export function verifyAnchorProof (root: Hex, leaf: AnchorLeaf, proof: readonly Hex[]): boolean {
  if (typeof root !== 'string' || !BYTES32.test(root) || !Array.isArray(proof) || proof.length > MAX_ANCHOR_PROOF) return false
  if (!proof.every(p => typeof p === 'string' && BYTES32.test(p))) return false
  try {
    return SimpleMerkleTree.verify(root.toLowerCase(), anchorLeafHash(leaf), [...proof])
  } catch {
    return false
  }
}

/** Epoch `e`'s blocks, [start, end): `end` is the block whose mining ends it. */
export function epochRange (epoch: number, epochBlocks: number): { start: number, end: number } {
  if (!Number.isSafeInteger(epoch) || epoch < 0 || !Number.isSafeInteger(epochBlocks) || epochBlocks < 1 || !Number.isSafeInteger((epoch + 1) * epochBlocks)) {
    throw new RangeError('epoch must be a non-negative integer and epochBlocks a positive one, their product a safe integer')
  }
  return { start: epoch * epochBlocks, end: (epoch + 1) * epochBlocks }
}

/** The epoch a block belongs to. */
export function epochOf (block: number, epochBlocks: number): number {
  return Math.floor(block / epochBlocks)
}

/**
 * Whether a final report's job may be anchored in epoch `e`: its block is before the epoch's end and at
 * most `maxJobAgeBlocks` (the parameter at the epoch's first block) before its start.
 */
export function isEligible (job: Pick<ScanJob, 'membershipBlock'>, epoch: number, epochBlocks: number, maxJobAgeBlocks: number): boolean {
  const { start, end } = epochRange(epoch, epochBlocks)
  return job.membershipBlock < end && start - job.membershipBlock <= maxJobAgeBlocks
}

/** The epoch's proposers by rank: the members at its first block, ascending, rotated by `e mod n`. */
export function epochProposers (members: readonly Hex[], epoch: number): Hex[] {
  const sorted = members.map(m => m.toLowerCase() as Hex).toSorted()
  if (sorted.length === 0) return []
  const shift = epoch % sorted.length
  return [...sorted.slice(shift), ...sorted.slice(0, shift)]
}
