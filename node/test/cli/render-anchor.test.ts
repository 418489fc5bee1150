import tap from 'tap'
import { renderCheckedFile } from '../../src/cli/render.ts'
import type { CheckedFile, Verification } from '../../src/cli/check-file.ts'

const root = `0x${'ab'.repeat(32)}` as const
const file = { data: { id: 'f'.repeat(64), type: 'file', attributes: { sha256: 'f'.repeat(64), size: 4 } } } as unknown as CheckedFile['file']
const verified = (anchor: Verification['anchor']): CheckedFile => ({
  file,
  report: undefined,
  verification: { verified: true, attesters: [], attestedEngines: [], absent: [], withheld: [], memberCount: 4, quorum: 3, membershipBlock: 7, anchor, problems: [] }
})
const anchorLines = (c: CheckedFile): string[] => renderCheckedFile(c).split('\n').filter((l) => l.startsWith('anchored:'))

tap.test('a verified report says whether it is anchored, in which epoch and block, or why it is pending', async t => {
  t.same(anchorLines(verified({ status: 'anchored', epoch: 12, block: 97_001, root })), [`anchored: epoch 12 (root posted in block 97001): ${root}`])
  t.same(anchorLines(verified({ status: 'pending', reason: 'not-served' })), ['anchored: not yet (pending anchor)'])
  t.same(anchorLines(verified({ status: 'pending', reason: 'no-anchors-contract' })), ['anchored: not checked (the deployment names no ReportAnchors)'])
})

tap.test('a failed anchor is a problem on the verification line, not an anchor line', async t => {
  const c = verified({ status: 'failed', epoch: 3 })
  const failed: CheckedFile = { ...c, verification: { ...c.verification, verified: false, problems: [{ code: 'ANCHOR_MISMATCH', detail: 'no root on chain' }] } }
  t.same(anchorLines(failed), [])
  t.match(renderCheckedFile(failed), /^verified: NO — ANCHOR_MISMATCH: no root on chain$/m)
})
