// What the job book costs a job as it fills: a node at 20 jobs/s holds about 10,000 jobs after ten
// minutes (retention), and every job it creates or hears of is looked up, counted and added there.
// Each held size runs what an origin does for one job (findOpen, scanning, add, get, then the job
// closes), beside the same on an empty book (the baseline, in the same run).
// Run: npx node bench/job-book.ts [--jobs 5000] [--held 1000,10000]
import { parseArgs } from 'node:util'
import { JobBook } from '../node/src/quorum/job-book.ts'
import type { Hex, SignedScanJob } from '#protocol/messages.ts'

const { values } = parseArgs({ options: { jobs: { type: 'string', default: '5000' }, held: { type: 'string', default: '1000,10000' } } })
const jobs = Number(values.jobs)
const RETENTION_MS = 10 * 60_000
const STEP_MS = 50 // 20 jobs/s

const hex = (i: number): Hex => `0x${i.toString(16).padStart(64, '0')}` as Hex
function signed (i: number, now: number): SignedScanJob {
  return {
    type: 'scan-job',
    signature: '0x',
    job: {
      kind: 'file', subject: '', context: '', sha256: hex(i), sha1: '0x', md5: '0x', size: 1, fileType: 'text', cid: 'x', membershipBlock: 1, origin: '0x',
      createdAt: now, commitDeadline: now + 2000, revealDeadline: now + 4000, ephemeralPublicKey: '0x', keyWraps: [], submitter: '0x', submittedAt: 0, submitterSignature: '0x'
    }
  }
}

/** µs a job, once `held` finished jobs are in the book; the clock moves at 20 jobs/s, so the oldest age out as new ones come */
function perJob (held: number): number {
  const book = new JobBook({ retentionMs: RETENTION_MS, maxJobs: 10_000 })
  let now = 0
  for (let i = 0; i < held; i++) {
    book.add(hex(i), signed(i, now), now).state = 'final'
    now += STEP_MS
  }
  // an empty book stays empty: each job goes once done
  const keep = held > 0
  const t0 = performance.now()
  for (let i = held; i < held + jobs; i++) {
    const job = signed(i, now)
    book.findOpen(job.job.sha256)
    book.scanning(now)
    const live = book.add(hex(i), job, now)
    book.get(live.jobId)
    live.state = 'final'
    if (!keep) book.delete(live.jobId)
    now += STEP_MS
  }
  return (performance.now() - t0) * 1000 / jobs
}

perJob(1000) // warm-up: the JIT, not the book
const base = perJob(0)
console.log(`job book, ${jobs} jobs at 20 jobs/s, retention ${RETENTION_MS / 60_000} min`)
console.log(`  empty book (baseline): ${base.toFixed(2)} µs a job`)
for (const held of values.held.split(',').map(Number)) {
  const us = perJob(held)
  console.log(`  ${held} jobs held: ${us.toFixed(2)} µs a job (${(us / base).toFixed(1)}x the empty book)`)
}
