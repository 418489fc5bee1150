/**
 * anchor-leaf.js, the anchor leaf encoder nodes and epochTree use in place of StandardMerkleTree's,
 * held to OpenZeppelin's StandardMerkleTree (its @metamask/abi-utils encoding and leaf hash) on
 * deterministic varied leaves and at every type's bounds, epochTree to StandardMerkleTree.of and the
 * leaf-hash trees (leavesRoot, leavesProver) to SimpleMerkleTree.of: the same roots, proofs and dumps,
 * so ReportAnchors and light clients verify the same roots.
 */
import tap from 'tap'
import { SimpleMerkleTree, StandardMerkleTree } from '@openzeppelin/merkle-tree'
import { encode } from '@metamask/abi-utils'
import { keccak_256 } from '@noble/hashes/sha3.js'
import { encodeLeaf, leafHash, LeafEncodingError } from '../src/anchor-leaf.js'
import { bytesToHex } from '../src/eip712-hash.js'
import { ANCHOR_LEAF_TYPES, anchorLeafHash, anchorProof, epochTree, leavesProver, leavesRoot, treeLeaves, verifyAnchorProof } from '../src/index.ts'
import type { AnchorLeaf, Hex } from '../src/index.ts'

const TYPES = [...ANCHOR_LEAF_TYPES]
/** deterministic bytes: keccak of a counter, so every run checks the same leaves */
let counter = 0
const bytes = (n: number): Hex => bytesToHex(keccak_256(new TextEncoder().encode(String(counter++)))).slice(0, 2 + 2 * n) as Hex
const below = (max: number): number => Number.parseInt(bytes(6).slice(2), 16) % max
const addresses = (n: number): Hex[] => Array.from({ length: n }, () => bytes(20))
const maxed = (i: number): AnchorLeaf => [
  `0x${'ff'.repeat(32)}`, `0x${'00'.repeat(32)}`, bytes(32), i % 2 === 0 ? 255 : 0, Number.MAX_SAFE_INTEGER, 0,
  `0x${'ff'.repeat(20)}`, `0x${'00'.repeat(20)}`, 65535, 0, [], addresses(1)
]
const varied = (): AnchorLeaf => [
  bytes(32), bytes(32), bytes(32), below(6), below(2 ** 40), 1.7e12 + below(1e9), bytes(20), bytes(20), below(65536), below(65536),
  addresses(below(9)), addresses(below(4))
]
const leaves: AnchorLeaf[] = [maxed(0), maxed(1), ...Array.from({ length: 60 }, varied)]
/** a mixed-case spelling of a leaf (the hex of reports is lowercase; addresses may come checksummed) */
const upper = (leaf: AnchorLeaf): AnchorLeaf => leaf.map(v => typeof v === 'string' ? v.toUpperCase().replace('0X', '0x') : v) as AnchorLeaf

tap.test('encodeLeaf: abi.encode of the leaf types, byte for byte @metamask/abi-utils\'s', async t => {
  let same = 0
  for (const leaf of [...leaves, ...leaves.slice(0, 20).map(upper)]) {
    if (bytesToHex(encodeLeaf(leaf)) === bytesToHex(encode(TYPES, leaf))) same++
  }
  t.equal(same, leaves.length + 20, 'every leaf, in any case')
})

tap.test('anchorLeafHash and leafHash: StandardMerkleTree\'s leaf hash', async t => {
  let same = 0
  for (const leaf of leaves) {
    const theirs = StandardMerkleTree.of([leaf], TYPES).root
    if (anchorLeafHash(leaf) === theirs && bytesToHex(leafHash(leaf, keccak_256)) === theirs) same++
  }
  t.equal(same, leaves.length)
})

tap.test('epochTree: StandardMerkleTree.of\'s tree, proofs and dump', async t => {
  const unique = leaves.map((leaf, i) => [bytesToHex(keccak_256(new Uint8Array([i]))), ...leaf.slice(1)] as AnchorLeaf)
  for (const n of [1, 2, 3, unique.length]) {
    const ours = epochTree(unique.slice(0, n))
    const theirs = StandardMerkleTree.of(unique.slice(0, n), TYPES)
    t.equal(ours.root, theirs.root, `${n} leaves: the root`)
    t.same(ours.dump(), theirs.dump(), `${n} leaves: the dump`)
    const proofs = unique.slice(0, n).map(leaf => anchorProof(ours, leaf[0]))
    t.same(proofs, unique.slice(0, n).map(leaf => theirs.getProof(leaf)), `${n} leaves: every proof`)
    t.ok(unique.slice(0, n).every((leaf, i) => verifyAnchorProof(ours.root as Hex, leaf, proofs[i] ?? []) && StandardMerkleTree.verify(theirs.root, TYPES, leaf, proofs[i] ?? [])), `${n} leaves: every proof verifies, by either`)
    t.equal(ours.leafHash(unique[0] as AnchorLeaf), theirs.leafHash(unique[0] as AnchorLeaf), `${n} leaves: the tree's leafHash`)
  }
})

tap.test('a value that does not fit its type: MALFORMED_LEAF, and no proof verifies', async t => {
  const good = leaves[2] as AnchorLeaf
  const at = (i: number, v: unknown): AnchorLeaf => good.map((x, j) => j === i ? v : x) as AnchorLeaf
  const bad: Array<[string, unknown]> = [
    ['eleven values', good.slice(0, 11)], ['thirteen values', [...good, 1]], ['not an array', 'leaf'], ['null', null],
    ['a short bytes32', at(0, '0x1234')], ['a long bytes32', at(1, `0x${'ab'.repeat(33)}`)], ['bytes32 not hex', at(2, `0x${'zz'.repeat(32)}`)],
    ['bytes32 without 0x', at(0, 'ab'.repeat(32))], ['bytes32 as bytes', at(0, new Uint8Array(32))],
    ['uint8 256', at(3, 256)], ['uint8 negative', at(3, -1)], ['uint8 fraction', at(3, 1.5)], ['uint8 NaN', at(3, Number.NaN)], ['uint8 as text', at(3, '1')],
    ['uint64 beyond safe', at(4, 2 ** 64)], ['uint64 2^64 as bigint', at(5, 2n ** 64n)], ['uint16 65536', at(8, 65536)], ['uint16 Infinity', at(9, Infinity)],
    ['a short address', at(6, '0x1234')], ['an address of 21 bytes', at(7, `0x${'11'.repeat(21)}`)], ['an address list with a number', at(10, [1])],
    ['an address list that is text', at(11, '0x')], ['an address list with a bad entry', at(10, [bytes(20), '0xnope'])]
  ]
  for (const [name, leaf] of bad) {
    t.throws(() => encodeLeaf(leaf as AnchorLeaf), { name: 'LeafEncodingError', code: 'MALFORMED_LEAF' }, name)
    t.notOk(verifyAnchorProof(anchorLeafHash(good), leaf as AnchorLeaf, []), `${name}: verifies nothing`)
  }
  t.ok(new LeafEncodingError('x') instanceof Error)
  t.equal(bytesToHex(encodeLeaf(at(4, 2n ** 64n - 1n))), bytesToHex(encode(TYPES, at(4, 2n ** 64n - 1n))), 'the largest uint64, as a bigint')
})

tap.test('leavesRoot and leavesProver: SimpleMerkleTree.of\'s root and proofs over the leaf hashes', async t => {
  const unique = leaves.map((leaf, i) => [bytesToHex(keccak_256(new Uint8Array([i, 1]))), ...leaf.slice(1)] as AnchorLeaf)
  for (const n of [1, 2, 3, unique.length]) {
    const hashes = treeLeaves(epochTree(unique.slice(0, n)))
    const theirs = SimpleMerkleTree.of(hashes)
    t.equal(leavesRoot(hashes), theirs.root, `${n} leaves: the root`)
    t.equal(leavesRoot(hashes.map(h => h.toUpperCase().replace('0X', '0x') as Hex)), theirs.root, `${n} leaves in upper case: the root`)
    const prove = leavesProver(hashes)
    t.same(hashes.map(h => prove(h)), hashes.map(h => theirs.getProof(h)), `${n} leaves: every proof`)
  }
  for (const [name, bad] of [['a short hash', '0x1234'], ['a long hash', `0x${'ab'.repeat(33)}`], ['not hex', `0x${'zz'.repeat(32)}`], ['a number', 7]] as const) {
    t.throws(() => leavesRoot([bad as Hex]), { name: 'AnchorError', code: 'ANCHOR_MALFORMED_LEAF' }, name)
  }
})
