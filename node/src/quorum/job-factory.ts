import { bytesToHex, hexToBytes } from '@noble/hashes/utils.js'
import { clampWindow, generateX25519KeyPair, indicatorDigests, wrapContentKey, ZERO_ADDRESS, ZERO_BYTES32 } from '#protocol/index.ts'
import type { JobBounds } from '#protocol/timing.ts'
import type { Hex, IndicatorKind, ScanJob } from '#protocol/messages.ts'
import type { MemberInfo } from '../chain/membership-history.ts'
import type { StoredSample } from '../ingest/stored-sample.ts'

/** What a file job needs of a stored sample (a retry reads it back from the sample record). */
export type JobSample = Pick<StoredSample, 'sha256' | 'sha1' | 'md5' | 'size' | 'fileType' | 'cid' | 'contentKey'>

export interface JobTiming {
  commitWindowMs: number
  revealWindowMs: number
  /** extra commit time per MiB of sample, so every member can fetch and scan large files */
  commitMsPerMiB: number
  /** extra commit time per job the network still has to scan, so members working through a backlog still commit in time */
  commitMsPerQueuedJob: number
}

/** A job's window lengths, already scaled to the work and clamped into the chain's bounds. */
export interface JobWindows {
  commitMs: number
  revealMs: number
}

/**
 * The windows for a job (SPEC section 10): both grow with the jobs whose commit windows are still open
 * (the members' backlog, as this origin sees it), the commit window also with the sample's size and
 * doubled per retry; both are clamped into the chain's bounds. Pure: the caller reads the chain.
 */
export function jobWindows (timing: JobTiming, work: { size: number, queued: number, attempt: number }, bounds: JobBounds): JobWindows {
  const backlog = timing.commitMsPerQueuedJob * work.queued
  const base = timing.commitWindowMs + timing.commitMsPerMiB * work.size / (1024 * 1024) + backlog
  return {
    commitMs: clampWindow(base * 2 ** (work.attempt - 1), bounds.minCommitWindowMs, bounds.maxCommitWindowMs),
    revealMs: clampWindow(timing.revealWindowMs + backlog, bounds.minRevealWindowMs, bounds.maxRevealWindowMs)
  }
}

/** A file job's submitter fields: a checked signed submission (protocol checkFileSubmission), or none (anonymous). */
export interface FileSubmitter {
  context: string
  submitter: Hex
  submittedAt: number
  submitterSignature: Hex
}

const ANONYMOUS: FileSubmitter = { context: '', submitter: ZERO_ADDRESS, submittedAt: 0, submitterSignature: '0x' }

/**
 * Builds the ScanJob for a stored sample: the membership block it runs under, the windows, and
 * the content key wrapped for each member at that block under one ephemeral X25519 key.
 */
export function buildScanJob (sample: JobSample, members: MemberInfo[], membershipBlock: number, origin: Hex, windows: JobWindows, now: number, by: FileSubmitter = ANONYMOUS): ScanJob {
  const ephemeral = generateX25519KeyPair()
  const sorted = members.toSorted((a, b) => a.operator < b.operator ? -1 : a.operator > b.operator ? 1 : 0)
  return {
    kind: 'file',
    subject: '',
    context: by.context,
    sha256: sample.sha256,
    sha1: sample.sha1,
    md5: sample.md5,
    size: sample.size,
    fileType: sample.fileType,
    cid: sample.cid,
    membershipBlock,
    origin,
    createdAt: now,
    commitDeadline: now + windows.commitMs,
    revealDeadline: now + windows.commitMs + windows.revealMs,
    ephemeralPublicKey: `0x${bytesToHex(ephemeral.publicKey)}`,
    keyWraps: sorted.map((m) => ({
      member: m.operator,
      wrappedKey: wrapContentKey({
        contentKey: sample.contentKey,
        ephemeralSecretKey: ephemeral.secretKey,
        memberPublicKey: hexToBytes(m.x25519Key.slice(2)),
        member: m.operator,
        sha256: sample.sha256
      })
    })),
    // anonymous unless a wallet signed the submission: the API takes files without one
    submitter: by.submitter,
    submittedAt: by.submittedAt,
    submitterSignature: by.submitterSignature
  }
}

/** An indicator as its submitter signed it (protocol Submission), with its canonical subject. */
export interface IndicatorSubmission {
  kind: IndicatorKind
  /** canonical (protocol canonicalizeIndicator) */
  subject: string
  context: string
  submitter: Hex
  submittedAt: number
  submitterSignature: Hex
}

/**
 * The ScanJob for an indicator: the subject is the sample (its hashes and length fill the file
 * fields), public, so there is nothing to store, fetch or wrap.
 */
export function buildIndicatorJob (submission: IndicatorSubmission, membershipBlock: number, origin: Hex, windows: JobWindows, now: number): ScanJob {
  const { sha256, sha1, md5, size } = indicatorDigests(submission.subject)
  return {
    kind: submission.kind,
    subject: submission.subject,
    context: submission.context,
    sha256,
    sha1,
    md5,
    size,
    fileType: submission.kind,
    cid: '',
    membershipBlock,
    origin,
    createdAt: now,
    commitDeadline: now + windows.commitMs,
    revealDeadline: now + windows.commitMs + windows.revealMs,
    ephemeralPublicKey: ZERO_BYTES32,
    keyWraps: [],
    submitter: submission.submitter,
    submittedAt: submission.submittedAt,
    submitterSignature: submission.submitterSignature
  }
}
