/** A real final report's reward facts (SPEC section 17): the anchor leaf's facts plus engines, labels and the median scan time. */
import tap from 'tap'
import { classify, indicatorSha256, leafOf, rewardFactsOf } from '../../src/index.ts'
import { finalReport, FILE_VOTES, otherReports } from '../anchor-fixtures.ts'
import { makeIndicatorJob, makeSignedJob, member, result, SUBMITTER } from '../fixtures.ts'
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

tap.test('a URL report\'s item is its registrable domain\'s, the item of a domain report on it', async (t) => {
  const [urlReport] = await otherReports()
  const url = rewardFactsOf(urlReport, 1)
  t.equal(urlReport.job.job.subject, 'http://example.com/login')
  t.equal(leafOf(urlReport)[2], indicatorSha256('http://example.com/login'), 'the leaf keeps the URL\'s own hash')
  t.equal(url.item, indicatorSha256('example.com'), 'the reward item is the registrable domain\'s')
  const votes = [[result('YARA', 'malicious', 'Phish')], [result('YARA', 'malicious', 'Phish')], [result('YARA', 'undetected')]]
  const domainReport = await finalReport(await makeSignedJob(await makeIndicatorJob('domain', 'www.example.com')), votes, [0, 1, 2])
  t.equal(rewardFactsOf(domainReport, 1).item, url.item, 'a domain report on a subdomain is the same item')
  t.equal(url.kind, 'url')
  t.equal(url.submitter, SUBMITTER.address)
})
