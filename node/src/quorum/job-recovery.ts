import { jobEndsAt, reportDigest, submissionDigest, submissionOf, verdictHash, ZERO_ADDRESS } from '#protocol/index.ts'
import { FINAL_JOB_STATUSES } from '../db/job-repository.ts'
import { needsRescan } from './rescan-check.ts'
import { boundsAt } from './validation-context.ts'
import type { JobBook, LiveJob } from './job-book.ts'
import type { Hex } from '#protocol/messages.ts'
import type { JobRecord, JobStatus } from '../db/job-repository.ts'
import type { Repositories } from '../db/repositories.ts'
import type { RegistryFollower } from '../chain/registry-follower.ts'
import type { AbortOptions } from '@libp2p/interface'
import type { Logger } from 'pino'

export interface ResumeComponents extends AbortOptions {
  chainId: number
  registry: Hex
  book: JobBook
  repos: Pick<Repositories, 'jobs' | 'reports' | 'commitments' | 'verdicts' | 'attestations' | 'complaints' | 'evidence'>
  follower: Pick<RegistryFollower, 'parameterAt'>
  logger: Logger
  now: () => number
  /** sets the job's remaining timers and owed steps from its stored status */
  schedule: (live: LiveJob, status: JobStatus) => void
  /** ends a job past its end time: failed, and retried by its origin */
  end: (live: LiveJob) => void
  /**
   * a reloaded job may already hold its final report's attestations (a final job owed a rescan does: its origin
   * schedules the rescan then); `wasFinal`: stored final before the restart, so not a report newly reached here
   */
  onLoaded: (live: LiveJob, wasFinal: boolean) => void
  /** a failed job whose retry this node (its origin) had promised but not published before it stopped */
  retryOwed: (live: LiveJob, failure: string) => void
}

/**
 * After a restart (SPEC section 10): every job that was not final is taken back into the book with
 * the messages stored for it, then resumed where this node left it (scan while the commit window
 * is open, reveal with the stored salt, attest once) or ended if its time is over. A job accepted
 * before a crash therefore ends `reported` or `failed`, never stays queued. A final job whose report engine
 * timeouts left unconfirmed, not rescanned yet and still kept by every node (members refuse its rescan once
 * they dropped it), is taken back too, final again from its stored messages: its origin then publishes
 * the rescan it owes (SPEC 17, Rescan), and every node knows the rescan's job for one.
 */
export async function resumeJobs (c: ResumeComponents): Promise<{ resumed: number, ended: number }> {
  let resumed = 0
  let ended = 0
  for await (const record of c.repos.jobs.list({ signal: c.signal })) {
    if (c.book.get(record.jobId) != null) continue
    const owed = record.status === 'failed' && record.retrying === true && record.retriedBy === undefined
    const rescan = await rescanOwed(record, c)
    if (FINAL_JOB_STATUSES.includes(record.status) && !owed && !rescan) continue
    const { job } = record.job
    const submission = job.submitter === ZERO_ADDRESS ? undefined : submissionDigest(submissionOf(job), c.chainId, c.registry)
    const live = c.book.add(record.jobId, record.job, c.now(), submission)
    if (owed) {
      live.state = 'failed'
      c.retryOwed(live, record.failure ?? 'NO_QUORUM')
      ended++
      continue
    }
    for (const msg of await c.repos.commitments.listByJob(record.jobId)) live.commitments.set(msg.commitment.member, msg)
    // an equivocator's second commitment lives in its evidence, not beside the first
    for (const [member, held] of live.commitments) {
      const e = await c.repos.evidence.get(member, record.jobId, 'commitment')
      const other = e?.kind === 'commitment' ? [e.first, e.second].find((m) => m.commitment.commitment !== held.commitment.commitment) : undefined
      if (other !== undefined) live.conflicting.set(member, other)
    }
    for (const msg of await c.repos.verdicts.listByJob(record.jobId)) live.verdicts.set(msg.verdict.member, { msg, verdictHash: verdictHash(msg.verdict) })
    for (const msg of await c.repos.attestations.listByJob(record.jobId)) {
      live.attestations.set(msg.member, { msg, digest: reportDigest(msg.attestation, c.chainId, c.registry) })
    }
    for (const msg of await c.repos.complaints.listByJob(record.jobId)) live.complaints.set(msg.complaint.member, msg)
    c.onLoaded(live, rescan)
    if (rescan && live.state === 'open') {
      // its messages no longer make the report it stored: nothing to rescan from, and it must not be ended as failed
      c.book.delete(record.jobId)
      c.logger.warn({ jobId: record.jobId }, 'a final job reloaded for its rescan did not assemble its report again: not rescanned')
      continue
    }
    if (live.state !== 'open') continue
    if (c.now() > jobEndsAt(job, boundsAt(c.follower, job.membershipBlock))) {
      c.end(live)
      ended++
    } else {
      c.schedule(live, record.status)
      resumed++
    }
  }
  if (resumed + ended > 0) c.logger.info({ resumed, ended }, 'jobs reloaded after restart')
  return { resumed, ended }
}

/** a reported job engine timeouts left unconfirmed (rescan-check.ts), not a rescan, not rescanned, still kept by every node */
async function rescanOwed (record: JobRecord, c: ResumeComponents): Promise<boolean> {
  if (record.status !== 'reported' || record.rescanOf !== undefined || record.rescannedBy !== undefined || !c.book.retains(record.job.job, c.now())) return false
  const report = await c.repos.reports.get(record.jobId)
  return report !== undefined && needsRescan(report)
}
