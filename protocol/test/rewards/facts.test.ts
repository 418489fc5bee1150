/** A real final report's reward facts (SPEC section 17): the anchor leaf's facts plus engines, labels and the median scan time. */
import tap from 'tap'
import { classify, leafOf, rewardFactsOf } from '../../src/index.ts'
import { finalReport, FILE_VOTES } from '../anchor-fixtures.ts'
import { makeSignedJob, member, SUBMITTER } from '../fixtures.ts'
import { roomy } from './reward-fixtures.ts'

tap.test('facts of the report vector\'s file job', async (t) => {
  const report = await finalReport(await makeSignedJob(), FILE_VOTES, [0, 1, 2], 3)
  const f = rewardFactsOf(report, 4)
  const leaf = leafOf(report)
  t.equal(f.jobId, leaf[0])
  t.equal(f.item, leaf[2])
  t.equal(f.epoch, 4)
  t.same(f.detected, leaf[11])
  t.same(f.revealed, leaf[10])
  t.same(f.flagged, [member(0), member(1), member(2)].map(m => m.address).toSorted(), 'member 2 only flagged suspicious')
  t.same(f.maliciousEngines, Object.entries(report.results).filter(([, e]) => e.attested && e.category === 'malicious').map(([id]) => id).toSorted())
  const times = report.verdicts.map(v => v.verdict.scannedAt).toSorted((a, b) => a - b)
  t.equal(f.firstSeen, times[1], 'the median of three')
  t.ok(f.labels.every(l => l === l.toLowerCase()))
  t.equal(f.submitter, report.job.job.submitter)
  t.ok(['malicious', 'suspicious', 'none'].includes(classify(f, roomy())))
  t.not(f.submitter, SUBMITTER.address, 'the file fixture is anonymous')
})
