// Building an epoch's anchor tree (SPEC section 15), as a proposer and every checking member do it, beside
// OpenZeppelin's StandardMerkleTree.of (the old path) in the same run: the tree over n leaves, its sorted leaf
// hashes (a proposal's `leaves`); and a member proving each report it holds from a proposal's leaves
// (anchor-service: leavesProver over the leaves, each report's anchorLeafHash looked up). Both hash leaves
// with protocol/src/anchor-leaf.js now; the baseline encodes them through @metamask/abi-utils.
// Both give the same root (checked here for every size). Leaves as leafOf makes them: 3 to 8 revealed
// members, some detected. Times are CPU milliseconds of this process (process.cpuUsage), the median of 3.
// Run: npx node bench/anchor-tree.ts [--json]
import { randomBytes } from 'node:crypto'
import { StandardMerkleTree } from '@openzeppelin/merkle-tree'
import { ANCHOR_LEAF_TYPES, anchorLeafHash, epochTree, leavesProver, treeLeaves } from '#protocol/anchors.ts'
import type { AnchorLeaf } from '#protocol/anchors.ts'
import type { Hex } from '#protocol/messages.ts'

const hex = (bytes: number): Hex => `0x${randomBytes(bytes).toString('hex')}`
const leaf = (i: number): AnchorLeaf => {
  const revealed = Array.from({ length: 3 + i % 6 }, () => hex(20)).toSorted()
  return [hex(32), hex(32), hex(32), i % 6, 1_000 + i, 1_780_000_000_000 + i, hex(20), hex(20), i % 3, 0, revealed, revealed.slice(0, i % 3)]
}

/** median CPU ms of three runs of `work` */
function cpuMs (work: () => unknown): number {
  const runs = [0, 1, 2].map(() => {
    const start = process.cpuUsage()
    work()
    const used = process.cpuUsage(start)
    return (used.user + used.system) / 1000
  })
  return runs.toSorted((a, b) => a - b)[1] ?? 0
}

const rows = [64, 1024, 4096].map(size => {
  const leaves = Array.from({ length: size }, (_, i) => leaf(i))
  const ours = epochTree(leaves)
  const theirs = StandardMerkleTree.of(leaves, [...ANCHOR_LEAF_TYPES])
  if (ours.root !== theirs.root) throw new Error(`the ${size}-leaf roots differ`)
  const treeOurs = cpuMs(() => treeLeaves(epochTree(leaves)))
  const treeTheirs = cpuMs(() => [...StandardMerkleTree.of(leaves, [...ANCHOR_LEAF_TYPES]).entries()].map(([, l]) => theirs.leafHash(l)).toSorted())
  const hashes = treeLeaves(ours)
  const proofsOurs = cpuMs(() => { const prove = leavesProver(hashes); return leaves.map(l => prove(anchorLeafHash(l))) })
  const proofsTheirs = cpuMs(() => { const prove = leavesProver(hashes); return leaves.map(l => prove(StandardMerkleTree.of([l], [...ANCHOR_LEAF_TYPES]).root as Hex)) })
  return { leaves: size, treeMs: treeOurs, treeBaselineMs: treeTheirs, proofsMs: proofsOurs, proofsBaselineMs: proofsTheirs }
})

if (process.argv.includes('--json')) {
  console.log(JSON.stringify(rows, null, 2))
} else {
  console.log('leaves | tree + leaf list (ms CPU) | baseline | prove every report from the leaves (ms CPU) | baseline')
  for (const r of rows) {
    console.log(`${r.leaves} | ${r.treeMs.toFixed(1)} | ${r.treeBaselineMs.toFixed(1)} | ${r.proofsMs.toFixed(1)} | ${r.proofsBaselineMs.toFixed(1)}`)
  }
}
