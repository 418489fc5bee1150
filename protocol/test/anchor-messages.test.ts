import tap from 'tap'
import {
  decodeMessage, encodeMessage, epochTree, MAX_ANCHOR_JOBS, MAX_MESSAGE_BYTES, recoverAnchorProposalSigner, signAnchorProposal, signEpochRoot, TOPICS,
  topicForMessage, treeLeaves, validateAnchorProposal, anchorLeafHash, leafOf, validateAnchorSignature
} from '../src/index.ts'
import type { AnchorProposal, AnchorSignature, AnchorValidationContext, Hex } from '../src/index.ts'
import { finalReport, FILE_VOTES, otherReports } from './anchor-fixtures.ts'
import { CHAIN_ID, makeSignedJob, member, MEMBERS, OUTSIDER, REGISTRY } from './fixtures.ts'

const reports = [await finalReport(await makeSignedJob(), FILE_VOTES, [0, 2, 3], 3), ...await otherReports()]
const tree = epochTree(reports)
const E = 100
const EPOCH = 3
const proposed = { epoch: EPOCH, root: tree.root as Hex, leafCount: reports.length, jobIds: reports.map(r => r.jobId).toSorted() }
// in schema order, so JSON.stringify of it and its variants is the canonical encoding
const proposal: AnchorProposal = {
  type: 'anchor-proposal', epoch: EPOCH, proposer: member(1).address, jobIds: proposed.jobIds, leaves: treeLeaves(tree), root: proposed.root, leafCount: proposed.leafCount,
  signature: await signAnchorProposal(proposed, CHAIN_ID, REGISTRY, member(1).wallet)
}
const epochRoot = { epoch: EPOCH, root: proposed.root, leafCount: proposed.leafCount }
const signature: AnchorSignature = { type: 'anchor-signature', epoch: EPOCH, member: member(2).address, root: epochRoot.root, leafCount: epochRoot.leafCount, signature: await signEpochRoot(epochRoot, CHAIN_ID, REGISTRY, member(2).wallet) }

/** Members 0..3 from block 250, the chain followed to block 400 (epoch 3 is over at block 400), nothing anchored. */
function context (overrides: Partial<AnchorValidationContext> = {}): AnchorValidationContext {
  const members = MEMBERS.map(m => m.address)
  return {
    chainId: CHAIN_ID,
    registry: REGISTRY,
    followedBlock: 400,
    epochBlocks: E,
    isMemberAt: (address, block) => block >= 250 && members.includes(address),
    isAnchored: () => false,
    ...overrides
  }
}
const bytes = (value: unknown): Uint8Array => new TextEncoder().encode(JSON.stringify(value))
const error = (action: string, code: string): { name: string, action: string, code: string } => ({ name: 'GossipValidationError', action, code })

tap.test('both messages travel on the anchors topic in one encoding', async t => {
  t.equal(TOPICS.anchors, '/virusmap/anchors/2')
  for (const msg of [proposal, signature]) {
    t.equal(topicForMessage(msg), 'anchors')
    t.same(decodeMessage('anchors', encodeMessage(msg)), msg)
  }
  t.throws(() => decodeMessage('anchors', bytes({ ...proposal, extra: 1 })), error('reject', 'MALFORMED'), 'an unknown key')
  const spaced = new TextEncoder().encode(JSON.stringify(signature, null, 1))
  t.throws(() => decodeMessage('anchors', spaced), error('reject', 'MALFORMED'), 'another spelling of the same message')
  t.throws(() => decodeMessage('commits', encodeMessage(signature)), error('reject', 'MALFORMED'), 'on another topic')
})

tap.test('a proposal\'s list: strictly ascending, at most MAX_ANCHOR_JOBS, leafCount long; a root and a count ReportAnchors takes', async t => {
  const ids = proposal.jobIds
  const hostile: Array<[string, unknown]> = [
    ['unsorted', { ...proposal, jobIds: ids.toReversed() }],
    ['a duplicate', { ...proposal, jobIds: [ids[0], ids[0], ids[1]] }],
    ['an uppercase jobId', { ...proposal, jobIds: [ids[0], ids[1], (ids[2] as string).toUpperCase().replace('0X', '0x')] }],
    ['empty', { ...proposal, jobIds: [], leafCount: 0 }],
    ['a count one short', { ...proposal, leafCount: 2 }],
    ['a count one more', { ...proposal, leafCount: 4 }],
    ['no leaves', { ...proposal, leaves: undefined }],
    ['leaves unsorted', { ...proposal, leaves: proposal.leaves.toReversed() }],
    ['a leaf short', { ...proposal, leaves: proposal.leaves.slice(1) }],
    ['a leaf twice', { ...proposal, leaves: [proposal.leaves[0], ...proposal.leaves.slice(0, 2)] }],
    ['a leaf not 32 bytes', { ...proposal, leaves: [...proposal.leaves.slice(0, 2), `0x${'ff'.repeat(31)}`] }],
    ['leaves not a list', { ...proposal, leaves: 'leaves' }],
    ['a zero root', { ...proposal, root: `0x${'00'.repeat(32)}` }],
    ['a fractional epoch', { ...proposal, epoch: 2.5 }],
    ['a negative epoch', { ...proposal, epoch: -1 }],
    ['no signature', { ...proposal, signature: '0x' }],
    ['a signature message with a count of 0', { ...signature, leafCount: 0 }],
    ['a signature message with a count past MAX_ANCHOR_JOBS', { ...signature, leafCount: MAX_ANCHOR_JOBS + 1 }],
    ['a signature message with a jobIds list', { ...signature, jobIds: ids }],
    ['no type', { ...signature, type: 'anchor' }]
  ]
  for (const [name, value] of hostile) t.throws(() => decodeMessage('anchors', bytes(value)), error('reject', 'MALFORMED'), name)

  const many = Array.from({ length: MAX_ANCHOR_JOBS + 1 }, (_, i) => `0x${i.toString(16).padStart(64, '0')}`)
  const tooMany = bytes({ ...proposal, jobIds: many, leaves: many, leafCount: many.length })
  t.ok(tooMany.length <= MAX_MESSAGE_BYTES.anchors + 200, 'one jobId more than allowed still fits the size limit, nearly')
  t.throws(() => decodeMessage('anchors', tooMany), { name: 'GossipValidationError', action: 'reject' }, 'MAX_ANCHOR_JOBS + 1 jobIds')
  const full = { ...proposal, jobIds: many.slice(0, MAX_ANCHOR_JOBS), leaves: many.slice(1), leafCount: MAX_ANCHOR_JOBS, signature: `0x${'ff'.repeat(65)}` }
  t.same(decodeMessage('anchors', bytes(full)), full, 'the largest proposal fits its topic\'s size limit')
  t.throws(() => decodeMessage('anchors', new Uint8Array(MAX_MESSAGE_BYTES.anchors + 1)), error('reject', 'OVERSIZE'))
})

tap.test('a valid proposal and signature name their signer, epoch and root', async t => {
  t.same(validateAnchorProposal(proposal, context()), { epoch: EPOCH, member: member(1).address, root: proposed.root })
  t.same(validateAnchorSignature(signature, context()), { epoch: EPOCH, member: member(2).address, root: proposed.root })
  const other = { epoch: EPOCH, root: `0x${'77'.repeat(32)}` as Hex, leafCount: 1 }
  const second: AnchorSignature = { type: 'anchor-signature', member: member(2).address, ...other, signature: await signEpochRoot(other, CHAIN_ID, REGISTRY, member(2).wallet) }
  t.same(validateAnchorSignature(second, context()).root, other.root, 'a second root for the epoch by the same member is no equivocation')
})

tap.test('what an honest node cannot judge yet, or no longer needs, is ignored', async t => {
  for (const msg of [proposal, signature]) {
    const validate = (ctx: AnchorValidationContext): unknown => msg.type === 'anchor-proposal' ? validateAnchorProposal(msg, ctx) : validateAnchorSignature(msg, ctx)
    t.throws(() => validate(context({ followedBlock: 399 })), error('ignore', 'FUTURE_EPOCH'), `${msg.type}: the epoch's end block not followed yet`)
    t.throws(() => validate(context({ followedBlock: 10_000, isAnchored: e => e === EPOCH })), error('ignore', 'ANCHORED'), `${msg.type}: already anchored`)
  }
  const far = { ...signature, epoch: Number.MAX_SAFE_INTEGER }
  t.throws(() => validateAnchorSignature(far, context()), error('ignore', 'FUTURE_EPOCH'), 'an epoch whose first block is past any number')
})

tap.test('a signer outside the epoch\'s members, a bad spelling or another\'s signature is rejected', async t => {
  t.throws(() => validateAnchorSignature(signature, context({ isMemberAt: () => false })), error('reject', 'NOT_MEMBER'))
  t.throws(() => validateAnchorProposal(proposal, context({ isMemberAt: (_a, block) => block >= 301 })), error('reject', 'NOT_MEMBER'), 'a member only after the epoch\'s first block')
  const outsider: AnchorSignature = { ...signature, member: OUTSIDER.address, signature: await signEpochRoot(epochRoot, CHAIN_ID, REGISTRY, OUTSIDER.wallet) }
  t.throws(() => validateAnchorSignature(outsider, context()), error('reject', 'NOT_MEMBER'))

  const v = parseInt(signature.signature.slice(-2), 16)
  const v01 = `${signature.signature.slice(0, -2)}${(v - 27).toString(16).padStart(2, '0')}` as Hex
  t.throws(() => validateAnchorSignature({ ...signature, signature: v01 }, context()), error('reject', 'BAD_SIGNATURE'), 'v 0/1')
  t.throws(() => validateAnchorSignature({ ...signature, signature: `0x${'00'.repeat(65)}` }, context()), error('reject', 'BAD_SIGNATURE'), 'zeros')
  t.throws(() => validateAnchorSignature({ ...signature, member: member(3).address }, context()), error('reject', 'SIGNER_MISMATCH'), 'naming another member')
  t.throws(() => validateAnchorSignature({ ...signature, leafCount: 4 }, context()), error('reject', 'SIGNER_MISMATCH'), 'another count')
  t.throws(() => validateAnchorSignature(signature, context({ chainId: CHAIN_ID + 1 })), error('reject', 'SIGNER_MISMATCH'), 'another chain\'s domain')
})

tap.test('the unsigned leaves must build the root: a relay that swaps them is rejected', async t => {
  const other = [`0x${'01'.repeat(32)}`, `0x${'02'.repeat(32)}`, `0x${'03'.repeat(32)}`] as Hex[]
  t.throws(() => validateAnchorProposal({ ...proposal, leaves: other }, context()), error('reject', 'LEAVES_MISMATCH'))
  const oneChanged = [...proposal.leaves.slice(0, 2), `0x${'ff'.repeat(32)}`] as Hex[]
  t.throws(() => validateAnchorProposal({ ...proposal, leaves: oneChanged }, context()), error('reject', 'LEAVES_MISMATCH'), 'one leaf changed')
  t.same(proposal.leaves, reports.map(r => anchorLeafHash(leafOf(r)).toLowerCase()).toSorted(), 'the leaves are the reports\' leaf hashes, ascending')
})

tap.test('the proposal\'s signature binds its list: a relay cannot swap it', async t => {
  const swapped = { ...proposal, jobIds: [...proposal.jobIds.slice(0, 2), `0x${'ff'.repeat(32)}` as Hex] }
  t.throws(() => validateAnchorProposal(swapped, context()), error('reject', 'SIGNER_MISMATCH'))
  const asEpochRoot: AnchorProposal = { ...proposal, signature: await signEpochRoot(epochRoot, CHAIN_ID, REGISTRY, member(1).wallet) }
  t.throws(() => validateAnchorProposal(asEpochRoot, context()), error('reject', 'SIGNER_MISMATCH'), 'an EpochRoot signature is no proposal\'s')
  t.equal(recoverAnchorProposalSigner(proposal, proposal.signature, CHAIN_ID, REGISTRY), member(1).address)
})
