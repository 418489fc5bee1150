import t from 'tap'
import { anchorProof, epochTree, MAX_ANCHOR_PROOF } from '#protocol/index.ts'
import type { Hex, Report } from '#protocol/index.ts'
import { checkAnchor, createChainReader, parseServedAnchor, verifyReportWith } from '../../src/light-client/index.ts'
import type { EpochAnchor, ServedAnchor } from '../../src/light-client/index.ts'
import { CHAIN_ID, hashes, MEMBERS, MEMBERSHIP_BLOCK, NOW, REGISTRY, signedReport } from '../fixtures/signed-reports.ts'
import { memoryChain } from '../fixtures/memory-chain.ts'

const SAMPLES = ['first anchored sample', 'second anchored sample', 'a sample left out'].map((s) => new TextEncoder().encode(s))
const [first, second, leftOut] = await Promise.all(SAMPLES.map(async (s, i) => await signedReport(s, { detect: i === 0 }))) as [Report, Report, Report]
const tree = epochTree([first, second])
const root = tree.root as Hex
// E = 4: the reports' block 7 is the last of epoch 1 (blocks 4..7), which ends at block 8
const E = 4
const EPOCH = 1
const MAX_AGE = 64
const onChain = (anchoredAt = 9, chainRoot = root): EpochAnchor => ({ epochBlocks: E, anchor: { root: chainRoot, leafCount: 2, anchoredAt, maxJobAgeBlocks: MAX_AGE } })
const served = (report: Report, overrides: Partial<ServedAnchor> = {}): ServedAnchor => ({ epoch: EPOCH, root, proof: anchorProof(tree, report.jobId), ...overrides })
const codes = (r: { problems: Array<{ code: string }> }): string[] => r.problems.map((p) => p.code)

t.test('the served anchor\'s wire shape: { epoch, root, proof }, anything else is ANCHOR_MISMATCH', async (st) => {
  st.equal(parseServedAnchor(undefined), undefined, 'none served')
  st.equal(parseServedAnchor(null), undefined, 'null: none served')
  const good = served(first)
  st.same(parseServedAnchor(good), good)
  st.same(parseServedAnchor({ ...good, leaf_index: 1 }), good, 'other keys (a leaf index) are ignored')
  const hostile: Array<[string, unknown]> = [
    ['a string', 'epoch 1'], ['a list', [good]], ['no epoch', { root, proof: good.proof }], ['a negative epoch', { ...good, epoch: -1 }],
    ['a fractional epoch', { ...good, epoch: 1.5 }], ['an epoch as a string', { ...good, epoch: '1' }], ['an unsafe epoch', { ...good, epoch: 2 ** 53 }],
    ['an uppercase root', { ...good, root: root.toUpperCase().replace('0X', '0x') }], ['a short root', { ...good, root: root.slice(0, -2) }],
    ['no proof', { epoch: EPOCH, root }], ['a proof as a string', { ...good, proof: good.proof.join('') }],
    ['a proof entry too short', { ...good, proof: [`0x${'ab'.repeat(31)}`] }], ['a proof entry a number', { ...good, proof: [1] }],
    ['deeper than any epoch\'s tree', { ...good, proof: Array(MAX_ANCHOR_PROOF + 1).fill(good.proof[0]) }]
  ]
  for (const [name, value] of hostile) st.match(parseServedAnchor(value), { code: 'ANCHOR_MISMATCH' }, name)
})

t.test('an anchored report: its leaf under the chain\'s root, eligible, anchored in time', async (st) => {
  st.same(checkAnchor(first, served(first), onChain()), { status: { status: 'anchored', epoch: EPOCH, block: 9, root }, problems: [] })
  st.same(checkAnchor(second, served(second), onChain()).status, { status: 'anchored', epoch: EPOCH, block: 9, root })
  st.same(codes(checkAnchor(first, served(first), onChain(8 + MAX_AGE))), [], 'anchored exactly maxJobAgeBlocks after the epoch ended')
})

t.test('an anchor that does not hold is a problem, never a pending report', async (st) => {
  const mismatch = (report: Report, anchor: ServedAnchor, chain: EpochAnchor = onChain()): unknown => checkAnchor(report, anchor, chain)
  st.match(mismatch(first, served(first), { epochBlocks: E }), { status: { status: 'failed', epoch: EPOCH }, problems: [{ code: 'ANCHOR_MISMATCH' }] }, 'no root on chain for the epoch')
  const otherRoot = `0x${'ab'.repeat(32)}` as Hex
  st.match(mismatch(first, served(first, { root: otherRoot })), { problems: [{ code: 'ANCHOR_MISMATCH' }] }, 'the server names another root than the chain')
  st.match(mismatch(first, served(first, { root: otherRoot }), onChain(9, otherRoot)), { problems: [{ code: 'ANCHOR_MISMATCH' }] }, 'the chain holds another tree')
  st.match(mismatch(first, served(second)), { problems: [{ code: 'ANCHOR_MISMATCH' }] }, 'another report\'s proof')
  st.match(mismatch(leftOut, served(first)), { problems: [{ code: 'ANCHOR_MISMATCH' }] }, 'a report the tree does not hold')
  const inflated: Report = structuredClone(first)
  inflated.stats.malicious += 1
  st.match(mismatch(inflated, served(first)), { problems: [{ code: 'ANCHOR_MISMATCH' }] }, 'a report whose counts differ from the anchored leaf')
  const renamed: Report = structuredClone(first)
  renamed.job.job.kind = 'banana' as never
  st.match(mismatch(renamed, served(first)), { problems: [{ code: 'ANCHOR_MISMATCH' }] }, 'a report with no leaf at all')
})

t.test('the epoch bounds the report\'s age: ineligible or late anchors are refused', async (st) => {
  // the same tree, anchored as another epoch: a quorum signed it there, honest members would not have
  st.match(checkAnchor(first, served(first, { epoch: 0 }), onChain()), { status: { status: 'failed', epoch: 0 }, problems: [{ code: 'ANCHOR_INELIGIBLE' }] },
    'an epoch that ended before the job\'s block')
  const old = Math.floor((MEMBERSHIP_BLOCK + MAX_AGE) / E) + 1
  st.match(checkAnchor(first, served(first, { epoch: old }), onChain((old + 1) * E)), { problems: [{ code: 'ANCHOR_INELIGIBLE' }] },
    'an epoch starting more than maxJobAgeBlocks after the job\'s block')
  const lastEligible = Math.floor((MEMBERSHIP_BLOCK + MAX_AGE) / E)
  st.same(codes(checkAnchor(first, served(first, { epoch: lastEligible }), onChain((lastEligible + 1) * E))), [], 'the last epoch the job is eligible for')
  st.match(checkAnchor(first, served(first), onChain(8 + MAX_AGE + 1)), { status: { status: 'failed', epoch: EPOCH }, problems: [{ code: 'ANCHOR_LATE' }] },
    'anchored more than maxJobAgeBlocks after the epoch ended, when its signers\' keys no longer count')
})

t.test('verifyReportWith: pending without an anchor or without an anchors contract, and the anchor never hides the report\'s own problems', async (st) => {
  const reader = createChainReader(memoryChain(MEMBERS.map((m) => m.address)))
  const expected = { chainId: CHAIN_ID, registry: REGISTRY }
  const asked = { hash: hashes(SAMPLES[0] as Uint8Array).sha256 }
  const plain = await verifyReportWith(first, asked, reader, expected, { now: () => NOW })
  st.same([plain.verified, plain.anchor], [true, { status: 'pending', reason: 'not-served' }])
  const unchecked = await verifyReportWith(first, asked, reader, expected, { now: () => NOW, anchor: served(first) })
  st.same([unchecked.verified, unchecked.anchor], [true, { status: 'pending', reason: 'no-anchors-contract' }], 'a deployment without ReportAnchors cannot check it')
  const garbled = await verifyReportWith(first, asked, reader, expected, { now: () => NOW, anchor: { epoch: 'one' } })
  st.same([garbled.verified, garbled.anchor, codes(garbled)], [false, { status: 'failed' }, ['ANCHOR_MISMATCH']], 'a malformed anchor fails, with or without a contract')
  const future = await verifyReportWith(first, asked, createChainReader(memoryChain([], { head: 3 })), expected, { now: () => NOW, anchor: served(first) })
  st.same([future.anchor, codes(future)], [{ status: 'failed' }, ['FUTURE_MEMBERSHIP_BLOCK']], 'a report refused before the chain is read leaves its anchor unchecked')
})
