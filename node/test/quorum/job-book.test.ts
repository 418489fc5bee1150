import tap from 'tap'
import { JobBook } from '../../src/quorum/job-book.ts'
import type { Hex, SampleKind, SignedScanJob } from '#protocol/messages.ts'

function job (sha: string, revealDeadline: number, membershipBlock = 1, kind: SampleKind = 'file'): SignedScanJob {
  return {
    type: 'scan-job',
    signature: '0x',
    job: {
      kind, subject: '', context: '', sha256: `0x${sha.repeat(64)}` as Hex, sha1: '0x', md5: '0x', size: 1, fileType: 'text', cid: 'x',
      membershipBlock, origin: '0x', createdAt: 0, commitDeadline: revealDeadline - 1, revealDeadline,
      ephemeralPublicKey: '0x', keyWraps: [], submitter: '0x', submittedAt: 0, submitterSignature: '0x'
    }
  }
}

tap.test('jobs are pruned after their reveal deadline plus retention', async (t) => {
  const book = new JobBook({ retentionMs: 100, maxJobs: 10 })
  book.add('0x01', job('a', 1000), 0)
  t.ok(book.get('0x01'))
  book.prune(1100)
  t.ok(book.get('0x01'), 'kept within retention')
  book.prune(1101)
  t.equal(book.get('0x01'), undefined)
  // the same bound tells a restarted node which final jobs every node still keeps (an owed rescan is taken then)
  t.equal(book.retains(job('a', 1000).job, 1100), true)
  t.equal(book.retains(job('a', 1000).job, 1101), false)
})

tap.test('the book is bounded: the oldest job is evicted', async (t) => {
  const book = new JobBook({ retentionMs: 1e9, maxJobs: 2 })
  book.add('0x01', job('a', 10), 0)
  book.add('0x02', job('b', 10), 0)
  book.add('0x03', job('c', 10), 0)
  t.equal(book.size, 2)
  t.equal(book.get('0x01'), undefined)
  t.equal(book.findOpen(`0x${'c'.repeat(64)}`)?.jobId, '0x03')
})

tap.test('the open job for a sample is the latest open one of its kind', async (t) => {
  const book = new JobBook({ retentionMs: 1e9, maxJobs: 10 })
  const sha = `0x${'a'.repeat(64)}` as Hex
  book.add('0x01', job('a', 10), 0)
  book.add('0x02', job('a', 10), 0)
  book.add('0x03', job('a', 10, 1, 'url'), 0)
  t.equal(book.findOpen(sha)?.jobId, '0x02', 'the most recent file job')
  t.equal(book.findOpen(sha, 'url')?.jobId, '0x03', 'an indicator with the same bytes is another sample')
  book.get('0x02')!.state = 'failed'
  t.equal(book.findOpen(sha)?.jobId, '0x01', 'a failed job is not open')
  book.get('0x01')!.state = 'final'
  t.equal(book.findOpen(sha), undefined, 'nor is a final one')
  t.equal(book.findOpen(sha, 'domain'), undefined)
})

tap.test('a reorg back to a block finds the live jobs from that block on, and can drop them', async (t) => {
  const book = new JobBook({ retentionMs: 1e9, maxJobs: 10 })
  book.add('0x01', job('a', 10, 5), 0)
  book.add('0x02', job('b', 10, 6), 0)
  book.add('0x03', job('c', 10, 7), 0)
  t.same(book.fromBlock(6).map((l) => l.jobId), ['0x02', '0x03'])
  t.same(book.fromBlock(8), [])
  t.ok(book.delete('0x02'))
  t.notOk(book.delete('0x02'), 'already gone')
  t.equal(book.get('0x02'), undefined)
  t.same(book.fromBlock(0).map((l) => l.jobId), ['0x01', '0x03'])
})

tap.test('scanning counts the open jobs whose commit window is still open, whoever made them', async (t) => {
  const book = new JobBook({ retentionMs: 100, maxJobs: 10 })
  book.add('0x01', job('a', 1001), 0)
  book.add('0x02', job('b', 2001), 0)
  const done = book.add('0x03', job('c', 3001), 0)
  t.equal(book.scanning(500), 3)
  done.state = 'final'
  t.equal(book.scanning(500), 2, 'a job with its report is no backlog')
  t.equal(book.scanning(1000), 1, 'nor one whose commit window closed')
  t.equal(book.scanning(2000), 0)
})

tap.test('a Submission carries one job, a failed job\'s retries, and one rescan of a final job timeouts left unconfirmed', async (t) => {
  const book = new JobBook({ retentionMs: 1e9, maxJobs: 10 })
  const s = '0x5b' as Hex
  const first = book.add('0x01', job('a', 10), 0, s)
  t.equal(book.jobForSubmission(s), '0x01', 'open: a replay is refused')
  first.state = 'final'
  t.equal(book.jobForSubmission(s), '0x01', 'final and confirmed (or not rescannable): refused')
  first.rescannable = true
  t.equal(book.jobForSubmission(s), undefined, 'final, unconfirmed by timeouts: the rescan may carry it')
  const rescan = book.add('0x02', job('a', 10), 0, s)
  t.equal(rescan.rescanOf, '0x01')
  rescan.state = 'final'
  rescan.rescannable = true
  t.equal(book.jobForSubmission(s), '0x02', 'a rescan is not rescanned: a third job is refused')
  rescan.state = 'failed'
  t.equal(book.jobForSubmission(s), undefined, 'a failed rescan may be retried')
  t.equal(book.add('0x03', job('a', 10), 0, s).rescanOf, '0x01', 'its retry is still the rescan')
  t.equal(book.add('0x04', job('b', 10), 0, '0x5c').rescanOf, undefined, 'another Submission is a first job')
})

tap.test('jobs go oldest first: one kept longer keeps those after it, none goes before its time', async (t) => {
  const book = new JobBook({ retentionMs: 100, maxJobs: 10 })
  book.add('0x01', job('a', 5000), 0)
  book.add('0x02', job('b', 1000), 0)
  book.add('0x03', job('c', 2000), 0)
  book.prune(2200)
  t.ok(book.get('0x02') && book.get('0x03'), 'past their time, behind one still kept')
  book.prune(5101)
  t.equal(book.size, 0, 'all gone once the first is')
  book.add('0x04', job('d', 1000), 0)
  book.add('0x05', job('e', 3000), 0)
  book.add('0x06', job('f', 9000), 6000)
  t.equal(book.get('0x04'), undefined, 'an add drops what is past its time')
  t.equal(book.get('0x05'), undefined)
  t.ok(book.get('0x06'))
})

const sha = (c: string): Hex => `0x${c.repeat(64)}` as Hex

tap.test('the indexes forget a job however it goes: dropped, evicted, deleted or added again', async (t) => {
  const book = new JobBook({ retentionMs: 100, maxJobs: 2 })
  book.add('0x01', job('a', 1000), 0)
  book.add('0x02', job('b', 1000), 0)
  book.add('0x03', job('c', 1000), 0)
  t.equal(book.findOpen(sha('a')), undefined, 'evicted')
  t.equal(book.scanning(0), 2, 'the evicted job is no backlog')
  t.ok(book.delete('0x02'))
  t.equal(book.findOpen(sha('b')), undefined, 'deleted')
  t.equal(book.scanning(0), 1)
  const again = book.add('0x03', job('c', 1000), 0)
  t.equal(book.findOpen(sha('c')), again, 'the job added again is the one found')
  t.equal(book.size, 1)
  t.equal(book.scanning(0), 1, 'and counted once')
  book.prune(1101)
  t.equal(book.findOpen(sha('c')), undefined, 'dropped after retention')
  t.equal(book.scanning(0), 0)
})
