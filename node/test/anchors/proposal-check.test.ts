import tap from 'tap'
import { epochTree } from '#protocol/index.ts'
import { checkProposal } from '../../src/anchors/proposal-check.ts'
import { MEMBERSHIP_BLOCK, signedReport } from '../fixtures/signed-reports.ts'
import type { Hex } from '#protocol/messages.ts'
import type { Report } from '#protocol/report-format.ts'

// MEMBERSHIP_BLOCK is 7: with E = 5 the reports are eligible for epochs 1 (blocks [5, 10)) and 2, not 0 or 3
const E = 5
const rules = { epochBlocks: E, maxJobAgeBlocks: 5, anchoredElsewhere: (): boolean => false, signedElsewhere: (): boolean => false }

tap.test('a member signs only a proposal whose every listed report it holds and checks', async (t) => {
  t.equal(MEMBERSHIP_BLOCK, 7)
  const reports = (await Promise.all(['a', 'b', 'c'].map(async (s) => await signedReport(new TextEncoder().encode(s)))))
    .toSorted((x, y) => (x.jobId < y.jobId ? -1 : 1))
  const jobIds = reports.map((r) => r.jobId)
  const tree = epochTree(reports)
  const proposal = { epoch: 1, jobIds, root: tree.root as Hex, leafCount: 3 }

  const ok = checkProposal(proposal, reports, rules)
  t.equal(ok.ok, true, 'every report held, eligible, the root theirs')
  if (ok.ok) t.equal(ok.tree.root, tree.root)
  t.equal(checkProposal({ ...proposal, epoch: 2 }, reports, rules).ok, true, 'a report left out of its epoch is eligible for the next')
  t.same(checkProposal({ ...proposal, epoch: 2 }, reports, { ...rules, maxJobAgeBlocks: 2 }), { ok: false, code: 'NOT_ELIGIBLE', jobId: jobIds[0] }, 'a job older than the bound at the epoch')
  t.same(checkProposal({ ...proposal, epoch: 0 }, reports, rules), { ok: false, code: 'NOT_ELIGIBLE', jobId: jobIds[0] }, 'a job from after the epoch')

  const missing = [reports[0], undefined, reports[2]]
  t.same(checkProposal(proposal, missing, rules), { ok: false, code: 'MISSING_REPORT', jobId: jobIds[1] }, 'a job the member holds no final report for')
  const swapped = [reports[0], reports[2], reports[1]] as Report[]
  t.same(checkProposal(proposal, swapped, rules), { ok: false, code: 'MISSING_REPORT', jobId: jobIds[1] }, 'a report of another job does not stand in')
  t.same(checkProposal(proposal, reports, { ...rules, anchoredElsewhere: (id) => id === jobIds[2] }), { ok: false, code: 'ANCHORED_BEFORE', jobId: jobIds[2] }, 'a report anchored in another epoch')
  t.same(checkProposal(proposal, reports, { ...rules, signedElsewhere: (id) => id === jobIds[0] }), { ok: false, code: 'SIGNED_ELSEWHERE', jobId: jobIds[0] },
    'a report in a root of another epoch this member signed, which may still be anchored')

  const fewer = epochTree(reports.slice(0, 2))
  t.same(checkProposal({ ...proposal, root: fewer.root as Hex }, reports, rules), { ok: false, code: 'ROOT_MISMATCH' }, 'a root over other leaves')
  t.same(checkProposal({ ...proposal, leafCount: 2 }, reports, rules), { ok: false, code: 'ROOT_MISMATCH' }, 'a count that is not the list\'s')
  t.same(checkProposal({ ...proposal, jobIds: [], leafCount: 0 }, [], rules), { ok: false, code: 'ROOT_MISMATCH' }, 'an empty list is no tree')
  // a forged report: the member's copy is the one it assembled, so a changed verdict count changes the leaf
  const forged = { ...reports[1], stats: { ...(reports[1] as Report).stats, malicious: 9 } } as Report
  t.same(checkProposal(proposal, [reports[0], forged, reports[2]], rules), { ok: false, code: 'ROOT_MISMATCH' }, 'a leaf that is not the report\'s')
})
