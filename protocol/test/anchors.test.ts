import tap from 'tap'
import { Signature, TypedDataEncoder, Wallet } from 'ethers'
import {
  ANCHOR_LEAF_TYPES, anchorLeafHash, anchorProof, AnchorError, EIP712_TYPES, eip712Domain, epochOf, epochProposers, epochRange, epochRootDigest, epochTree,
  isEligible, leafOf, leavesProver, MAX_ANCHOR_JOBS, MAX_ANCHOR_PROOF, recoverEpochRootSigner, SignatureError, signEpochRoot, treeLeaves, verifyAnchorProof, ZERO_ADDRESS
} from '../src/index.ts'
import type { AnchorLeaf, EpochRoot, Hex } from '../src/index.ts'
import { finalReport, FILE_VOTES, otherReports } from './anchor-fixtures.ts'
import { CHAIN_ID, makeSignedJob, member, MEMBERS, MEMBERSHIP_BLOCK, NOW, OUTSIDER, REGISTRY, SHA256 } from './fixtures.ts'

const fileReport = await finalReport(await makeSignedJob(), FILE_VOTES, [0, 2, 3], 3)
const [urlReport, laterReport] = await otherReports()
const reports = [fileReport, urlReport, laterReport]
const r: EpochRoot = { epoch: 7, root: `0x${'ab'.repeat(32)}`, leafCount: 3 }
const anchorError = (code: string): { name: string, code: string } => ({ name: 'AnchorError', code })

tap.test('EpochRoot: the SPEC\'s type, hashed as ethers hashes it, signed in the one spelling', async t => {
  t.equal(TypedDataEncoder.from(EIP712_TYPES.EpochRoot).encodeType('EpochRoot'), 'EpochRoot(uint64 epoch,bytes32 root,uint32 leafCount)')
  const digest = epochRootDigest(r, CHAIN_ID, REGISTRY)
  t.equal(digest, TypedDataEncoder.hash(eip712Domain(CHAIN_ID, REGISTRY), EIP712_TYPES.EpochRoot, r))
  t.not(epochRootDigest({ ...r, epoch: 8 }, CHAIN_ID, REGISTRY), digest, 'another epoch')
  t.not(epochRootDigest({ ...r, leafCount: 2 }, CHAIN_ID, REGISTRY), digest, 'another count')
  t.not(epochRootDigest(r, CHAIN_ID + 1, REGISTRY), digest, 'another chain')

  const signature = await signEpochRoot(r, CHAIN_ID, REGISTRY, member(1).wallet)
  t.equal(recoverEpochRootSigner(r, signature, CHAIN_ID, REGISTRY), member(1).address)
  t.equal(recoverEpochRootSigner(r, signature, CHAIN_ID, REGISTRY, member(1).address), member(1).address, 'with the claimed signer\'s key known')
  t.not(recoverEpochRootSigner({ ...r, root: `0x${'cd'.repeat(32)}` }, signature, CHAIN_ID, REGISTRY), member(1).address, 'another root recovers someone else')
  const viaTypedData = await new Wallet(member(1).wallet.privateKey).signTypedData(eip712Domain(CHAIN_ID, REGISTRY), EIP712_TYPES.EpochRoot, r)
  t.equal(viaTypedData, signature, 'a wallet\'s signTypedData signs the same digest')
})

tap.test('an EpochRoot signature in any other spelling does not recover', async t => {
  const signature = await signEpochRoot(r, CHAIN_ID, REGISTRY, member(0).wallet)
  const sig = Signature.from(signature)
  const n = 0xfffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364141n
  const highS = `0x${sig.r.slice(2)}${(n - BigInt(sig.s)).toString(16).padStart(64, '0')}${sig.v === 27 ? '1c' : '1b'}` as Hex
  const v01 = `${signature.slice(0, -2)}${(sig.v - 27).toString(16).padStart(2, '0')}` as Hex
  for (const [name, bad] of [['high s', highS], ['v 0/1', v01], ['64 bytes', signature.slice(0, -2)], ['66 bytes', `${signature}00`], ['not hex', `0x${'zz'.repeat(65)}`], ['empty', '0x']] as const) {
    t.throws(() => recoverEpochRootSigner(r, bad as Hex, CHAIN_ID, REGISTRY), SignatureError, name)
  }
})

tap.test('leafOf: the SPEC\'s values, recomputed from the report', async t => {
  t.same([...ANCHOR_LEAF_TYPES], ['bytes32', 'bytes32', 'bytes32', 'uint8', 'uint64', 'uint64', 'address', 'address', 'uint16', 'uint16', 'address[]', 'address[]'])
  const leaf = leafOf(fileReport)
  const revealed = [0, 1, 2].map(i => member(i).address).toSorted()
  t.same(leaf.slice(2), [SHA256, 0, MEMBERSHIP_BLOCK, NOW, member(0).address, ZERO_ADDRESS, 1, 0, revealed, [member(0).address, member(1).address].toSorted()])
  t.equal(leaf[0], fileReport.jobId)
  t.match(leaf[1], /^0x[0-9a-f]{64}$/)
  const url = leafOf(urlReport)
  t.same([url[3], url[7], url[10].length, url[11]], [1, urlReport.job.job.submitter, 3, [member(1).address]], 'a URL: kind 1, its submitter, the one member that detected it')
  t.same(leafOf(laterReport).slice(8), [0, 0, MEMBERS.map(m => m.address).toSorted(), []], 'nobody detected: no member listed')
})

tap.test('epochTree: one root for the set, a proof per job, nothing else verifies', async t => {
  const tree = epochTree(reports)
  t.equal(epochTree(reports.toReversed()).root, tree.root, 'the order of the reports does not matter')
  t.equal(epochTree(reports.map(leafOf)).root, tree.root, 'nor whether leaves or reports are given')
  for (const report of reports) {
    const proof = anchorProof(tree, report.jobId)
    t.ok(verifyAnchorProof(tree.root as Hex, leafOf(report), proof), 'each report\'s proof verifies')
    t.ok(verifyAnchorProof(tree.root.toUpperCase().replace('0X', '0x') as Hex, leafOf(report), proof), 'a root in any case')
  }
  const leaf = leafOf(fileReport)
  const proof = anchorProof(tree, fileReport.jobId)
  const changed: Array<[string, AnchorLeaf]> = [
    ['more detections', [...leaf.slice(0, 8), 2, ...leaf.slice(9)] as AnchorLeaf],
    ['another submitter', [...leaf.slice(0, 7), member(3).address, ...leaf.slice(8)] as AnchorLeaf],
    ['a member dropped from detected', [...leaf.slice(0, 11), leaf[11].slice(1)] as AnchorLeaf],
    ['another report digest', [leaf[0], `0x${'00'.repeat(32)}`, ...leaf.slice(2)] as AnchorLeaf]
  ]
  for (const [name, other] of changed) t.notOk(verifyAnchorProof(tree.root as Hex, other, proof), name)
  t.notOk(verifyAnchorProof(tree.root as Hex, leafOf(urlReport), proof), 'another report with this proof')
  t.notOk(verifyAnchorProof(epochTree([fileReport, urlReport]).root as Hex, leaf, proof), 'another tree\'s root')
  for (const [name, bad] of [
    ['a shorter proof', proof.slice(1)], ['a longer proof', [...proof, proof[0]]], ['short hex', proof.map(p => p.slice(0, -2))],
    ['not hex', proof.map(() => `0x${'zz'.repeat(32)}`)], ['not an array', 'nope'], ['deeper than any tree', Array(MAX_ANCHOR_PROOF + 1).fill(proof[0])]
  ] as const) t.notOk(verifyAnchorProof(tree.root as Hex, leaf, bad as unknown as Hex[]), name)
  t.notOk(verifyAnchorProof('0x1234' as Hex, leaf, proof), 'a malformed root')
  const innerNode = proof[proof.length - 1] as Hex
  t.notOk(verifyAnchorProof(tree.root as Hex, [innerNode, ...leaf.slice(1)] as AnchorLeaf, []), 'an inner node is no leaf')
})

tap.test('leavesProver: from a proposal\'s leaves alone, the tree\'s own proof of each report', async t => {
  const tree = epochTree(reports)
  const prove = leavesProver(treeLeaves(tree))
  for (const report of reports) {
    const proof = prove(anchorLeafHash(leafOf(report)))
    t.same(proof, anchorProof(tree, report.jobId), 'the proof the full tree gives')
    t.ok(proof !== undefined && verifyAnchorProof(tree.root as Hex, leafOf(report), proof), 'and it verifies')
  }
  t.same(prove(anchorLeafHash(leafOf(fileReport)).toUpperCase().replace('0X', '0x') as Hex), anchorProof(tree, fileReport.jobId), 'a leaf in any case')
  t.equal(prove(`0x${'11'.repeat(32)}`), undefined, 'a leaf not among them has no proof')
})

tap.test('a tree of one report: its root is the leaf hash, its proof empty', async t => {
  const tree = epochTree([fileReport])
  t.equal(tree.root, anchorLeafHash(leafOf(fileReport)))
  t.same(anchorProof(tree, fileReport.jobId), [])
})

tap.test('epochTree refuses what no epoch anchors', async t => {
  t.throws(() => epochTree([]), anchorError('ANCHOR_EMPTY'))
  t.throws(() => epochTree([fileReport, urlReport, fileReport]), anchorError('ANCHOR_DUPLICATE_JOB'))
  const upper = leafOf(fileReport)
  upper[0] = upper[0].toUpperCase().replace('0X', '0x') as Hex
  t.throws(() => epochTree([leafOf(fileReport), upper]), anchorError('ANCHOR_DUPLICATE_JOB'), 'the same job in another case')
  t.throws(() => epochTree(Array(MAX_ANCHOR_JOBS + 1).fill(leafOf(fileReport))), anchorError('ANCHOR_TOO_MANY'))
  t.throws(() => anchorProof(epochTree([fileReport, urlReport]), laterReport.jobId), anchorError('ANCHOR_UNKNOWN_JOB'))
  t.ok(new AnchorError('ANCHOR_EMPTY', 'x') instanceof Error)
})

tap.test('the largest epoch: MAX_ANCHOR_JOBS leaves, no proof deeper than MAX_ANCHOR_PROOF', async t => {
  const base = leafOf(laterReport)
  const leaves = Array.from({ length: MAX_ANCHOR_JOBS }, (_, i) => [`0x${i.toString(16).padStart(64, '0')}`, ...base.slice(1)] as AnchorLeaf)
  const tree = epochTree(leaves)
  const depths = [0, 1, MAX_ANCHOR_JOBS - 1].map(i => tree.getProof(i).length)
  t.ok(depths.every(d => d <= MAX_ANCHOR_PROOF), `depths ${depths.join(', ')}`)
  t.equal(MAX_ANCHOR_PROOF, 12)
  const last = leaves[MAX_ANCHOR_JOBS - 1] as AnchorLeaf
  t.ok(verifyAnchorProof(tree.root as Hex, last, anchorProof(tree, last[0])))
})

tap.test('epochs: ranges, eligibility at both bounds, proposers by rank', async t => {
  t.same(epochRange(0, 100), { start: 0, end: 100 })
  t.same(epochRange(7, 100), { start: 700, end: 800 })
  t.equal(epochOf(799, 100), 7)
  t.equal(epochOf(800, 100), 8)
  for (const [epoch, blocks] of [[-1, 100], [1.5, 100], [1, 0], [Number.MAX_SAFE_INTEGER, 2]]) t.throws(() => epochRange(epoch as number, blocks as number), RangeError)
  const E = 100
  t.ok(isEligible({ membershipBlock: 799 }, 7, E, 50), 'the epoch\'s last block')
  t.notOk(isEligible({ membershipBlock: 800 }, 7, E, 50), 'the next epoch\'s first block')
  t.ok(isEligible({ membershipBlock: 650 }, 7, E, 50), 'exactly maxJobAgeBlocks before the epoch\'s start')
  t.notOk(isEligible({ membershipBlock: 649 }, 7, E, 50), 'one block more')
  const members = MEMBERS.map(m => m.address)
  t.same(epochProposers(members.toReversed(), 0), members, 'ascending at epoch 0')
  t.same(epochProposers(members, 5), [...members.slice(1), members[0]], 'rotated by e mod n')
  t.same(epochProposers([], 3), [])
  t.notOk(epochProposers(members, 2).includes(OUTSIDER.address))
})
