/**
 * Pure gossip validators, one per topic. Each returns what the caller needs to index the message,
 * or throws GossipValidationError whose action says whether the sender is provably at fault
 * (`reject`) or the message is merely useless to us now (`ignore`). Checks run cheapest first;
 * signature recovery (the only expensive step) runs after every cheap check and before any
 * verdict that blames the signer (equivocation, commitment mismatch).
 */
import { reportDigest, scanJobId, submissionDigest, verdictHash } from './eip712.ts'
import { GossipValidationError } from './errors.ts'
import { canonicalIndicatorOr, indicatorDigests } from './indicators.ts'
import { membershipBlockTooOld } from './job-age.js'
import { ZERO_ADDRESS, ZERO_BYTES32 } from './messages.ts'
import { leavesRoot, recoverAnchorProposalSigner, recoverEpochRootSigner } from './anchors.ts'
import {
  computeCommitment, recoverAttestationSigner, recoverCommitmentSigner, recoverComplaintSigner, recoverScanJobSigner, recoverSubmissionSigner,
  recoverVerdictSigner, submissionOf
} from './signing.ts'
import { attestDeadline, windowsWithinBounds } from './timing.ts'
import type { ValidationAction, ValidationCode } from './errors.ts'
import type { AnchorProposal, AnchorSignature, Hex, ScanJob, SignedAttestation, SignedCommitment, SignedComplaint, SignedScanJob, SignedVerdict } from './messages.ts'
import type { JobBounds } from './timing.ts'

export interface ValidationContext {
  chainId: number
  registry: Hex
  now: number
  maxSampleBytes: number
  /** highest registry block known (confirmed); later membership blocks cannot be judged yet */
  followedBlock: number
  /** how far behind followedBlock a job's block may be: job-age.js maxJobAgeBlocksFrom over the parameter in force at followedBlock */
  maxJobAgeBlocks: number
  isMemberAt(address: Hex, block: number): boolean
  membersAt(block: number): Hex[]
  /** the engine ids registered to `address` at `block` */
  enginesAt(address: Hex, block: number): readonly string[]
  /** the window bounds in force at `block` (timing.ts jobBoundsFrom over the chain's parameters) */
  boundsAt(block: number): JobBounds
  getJob(jobId: Hex): ScanJob | undefined
  getCommitment(jobId: Hex, member: Hex): Hex | undefined
  /** the member's second, different commitment for the job, when it signed two (section 7: both are held) */
  getConflictingCommitment(jobId: Hex, member: Hex): Hex | undefined
  /** how many members' commitments are held for the job */
  commitmentCount(jobId: Hex): number
  /** hash of the verdict this member already revealed for the job */
  getVerdictHash(jobId: Hex, member: Hex): Hex | undefined
  /** the reportDigest this member already attested to for the job */
  getAttestation(jobId: Hex, member: Hex): Hex | undefined
  hasComplaint(jobId: Hex, member: Hex): boolean
  /** the known job that carries this Submission digest, if any */
  jobForSubmission(digest: Hex): Hex | undefined
}

export function validateScanJob (msg: SignedScanJob, ctx: ValidationContext): { jobId: Hex, origin: Hex, submission?: Hex } {
  const { job } = msg
  const jobId = scanJobId(job, ctx.chainId, ctx.registry)
  if (ctx.getJob(jobId) !== undefined) fail('ignore', 'DUPLICATE', 'job already known')
  if (job.membershipBlock > ctx.followedBlock) fail('ignore', 'FUTURE_MEMBERSHIP_BLOCK', 'membership block not followed yet')
  // judged against this node's followed block, which honest nodes see at different heights: no penalty (SPEC section 6)
  if (membershipBlockTooOld(job.membershipBlock, ctx.followedBlock, ctx.maxJobAgeBlocks)) fail('ignore', 'OLD_MEMBERSHIP_BLOCK', 'membership block older than maxJobAgeBlocks')
  if (job.size > ctx.maxSampleBytes) fail('reject', 'SAMPLE_TOO_LARGE', 'sample larger than allowed')
  const bounds = ctx.boundsAt(job.membershipBlock)
  if (!(job.createdAt < job.commitDeadline && job.commitDeadline < job.revealDeadline) || !windowsWithinBounds(job, bounds)) {
    fail('reject', 'BAD_DEADLINES', 'windows out of order or outside the chain\'s bounds')
  }
  // A job stamped ahead of our clock may be our skew, not the origin's fault: drop it without penalty.
  if (job.createdAt > ctx.now + bounds.clockSkewMs) fail('ignore', 'BAD_DEADLINES', 'created in the future')
  if (ctx.now > job.revealDeadline + bounds.clockSkewMs) fail('ignore', 'STALE', 'reveal window closed')
  if (!ctx.isMemberAt(job.origin, job.membershipBlock)) fail('reject', 'NOT_MEMBER', 'origin not a member at the job block')
  if (job.kind === 'file') {
    checkFileShape(job)
    checkKeyWraps(job, ctx)
  } else {
    checkIndicatorShape(job)
  }
  const origin = recover(() => recoverScanJobSigner(msg, ctx.chainId, ctx.registry))
  if (origin !== job.origin) fail('reject', 'SIGNER_MISMATCH', 'signer is not the origin')
  checkSubmitter(job, ctx)
  if (job.submitter === ZERO_ADDRESS) return { jobId, origin }
  // one signed Submission makes one job: a replay of it (to this node or another) is refused
  const submission = submissionDigest(submissionOf(job), ctx.chainId, ctx.registry)
  const used = ctx.jobForSubmission(submission)
  if (used !== undefined && used !== jobId) fail('ignore', 'DUPLICATE_SUBMISSION', 'submission already used by another job')
  return { jobId, origin, submission }
}

function checkFileShape (job: ScanJob): void {
  if (job.subject !== '' || job.cid === '') fail('reject', 'BAD_SUBJECT', 'a file job has a CID and no subject')
}

/**
 * An indicator job carries its subject and nothing to fetch: the subject is canonical, the hash
 * fields are those of its UTF-8, fileType is the kind, and there is no CID, key or wrap.
 */
function checkIndicatorShape (job: ScanJob): void {
  const canonical = canonicalIndicatorOr(job.kind, job.subject, (err) => {
    throw new GossipValidationError('reject', 'BAD_SUBJECT', `subject is not a ${job.kind}: ${err.code}`, { cause: err })
  })
  if (canonical !== job.subject) fail('reject', 'BAD_SUBJECT', 'subject is not in canonical form')
  const d = indicatorDigests(job.subject)
  if (job.sha256 !== d.sha256 || job.sha1 !== d.sha1 || job.md5 !== d.md5 || job.size !== d.size) {
    fail('reject', 'BAD_SUBJECT', 'hashes or size are not those of the subject')
  }
  if (job.fileType !== job.kind || job.cid !== '' || job.ephemeralPublicKey !== ZERO_BYTES32 || job.keyWraps.length !== 0) {
    fail('reject', 'BAD_SUBJECT', 'an indicator job has fileType = kind, no CID, no ephemeral key and no key wraps')
  }
}

/** Indicators are always signed by their submitter; files may be anonymous (zero submitter, no signature, submittedAt 0). */
function checkSubmitter (job: ScanJob, ctx: ValidationContext): void {
  if (job.submitter === ZERO_ADDRESS) {
    if (job.kind !== 'file') fail('reject', 'BAD_SUBMISSION', 'an indicator needs a signed submission')
    if (job.submitterSignature !== '0x' || job.submittedAt !== 0) fail('reject', 'BAD_SUBMISSION', 'an anonymous submission has no signature and submittedAt 0')
    return
  }
  if (job.submitterSignature === '0x') fail('reject', 'BAD_SUBMISSION', 'submitter named without a signature')
  let signer: Hex
  try {
    signer = recoverSubmissionSigner(submissionOf(job), job.submitterSignature, ctx.chainId, ctx.registry)
  } catch (err) {
    throw new GossipValidationError('reject', 'BAD_SUBMISSION', 'submitter signature does not recover', { cause: err })
  }
  if (signer !== job.submitter) fail('reject', 'BAD_SUBMISSION', 'submission not signed by its submitter')
}

/** Exactly one wrap per member at the job's block, sorted by address, so every member can read the sample. */
function checkKeyWraps (job: ScanJob, ctx: ValidationContext): void {
  const members = ctx.membersAt(job.membershipBlock).map(m => m.toLowerCase()).toSorted()
  const wrapped = job.keyWraps.map(w => w.member)
  if (wrapped.length !== members.length || wrapped.some((m, i) => m !== members[i])) {
    fail('reject', 'MISSING_KEY_WRAP', 'key wraps do not match the members at the job block')
  }
}

/**
 * A member's second, different commitment is accepted and forwarded, marked `conflict`: it is the proof
 * of equivocation, and every honest member must hold both before it attests, so that which one reached
 * it first changes nothing (section 7). A third is ignored before its signature is checked.
 */
export function validateCommitment (msg: SignedCommitment, ctx: ValidationContext): { jobId: Hex, member: Hex, conflict: boolean } {
  const { jobId, member, commitment } = msg.commitment
  const job = ctx.getJob(jobId)
  if (job === undefined) fail('ignore', 'UNKNOWN_JOB', 'job not known')
  // no skew allowance: honest members commit a skew early, and a reveal may be accepted from here on
  if (ctx.now > job.commitDeadline) fail('ignore', 'STALE', 'commit window closed')
  if (!ctx.isMemberAt(member, job.membershipBlock)) fail('reject', 'NOT_MEMBER', 'not a member at the job block')
  const known = ctx.getCommitment(jobId, member)
  const conflicting = ctx.getConflictingCommitment(jobId, member)
  if (known === commitment || conflicting === commitment) fail('ignore', 'DUPLICATE', 'commitment already known')
  if (conflicting !== undefined) fail('ignore', 'EQUIVOCATION', 'the member\'s two conflicting commitments are already held')
  const signer = recover(() => recoverCommitmentSigner(msg, ctx.chainId, ctx.registry))
  if (signer !== member) fail('reject', 'SIGNER_MISMATCH', 'signer is not the member')
  return { jobId, member, conflict: known !== undefined }
}

export function validateVerdict (msg: SignedVerdict, ctx: ValidationContext): { jobId: Hex, member: Hex, verdictHash: Hex } {
  const { verdict } = msg
  const { jobId, member } = verdict
  const job = ctx.getJob(jobId)
  if (job === undefined) fail('ignore', 'UNKNOWN_JOB', 'job not known')
  if (verdict.sha256 !== job.sha256 || verdict.membershipBlock !== job.membershipBlock) {
    fail('reject', 'JOB_MISMATCH', 'sha256 or membership block differs from the job')
  }
  if (!scannedInWindow(verdict.scannedAt, job)) fail('reject', 'BAD_SCAN_TIME', 'scannedAt outside the commit window')
  const bounds = ctx.boundsAt(job.membershipBlock)
  if (ctx.now > job.revealDeadline + bounds.clockSkewMs) fail('ignore', 'STALE', 'reveal window closed')
  // Until the commit window has closed here, a commitment may still arrive, unless every member has committed.
  if (ctx.now < job.commitDeadline && ctx.commitmentCount(jobId) < ctx.membersAt(job.membershipBlock).length) {
    fail('ignore', 'EARLY_REVEAL', 'commitments may still arrive')
  }
  if (!ctx.isMemberAt(member, job.membershipBlock)) fail('reject', 'NOT_MEMBER', 'not a member at the job block')
  const engines = new Set(ctx.enginesAt(member, job.membershipBlock))
  if (verdict.results.some(r => !engines.has(r.engine))) fail('reject', 'UNREGISTERED_ENGINE', 'a result for an engine not registered to the member')
  const hash = verdictHash(verdict)
  if (ctx.getVerdictHash(jobId, member) === hash) fail('ignore', 'DUPLICATE', 'verdict already known')
  const commitment = ctx.getCommitment(jobId, member)
  if (commitment === undefined) fail('ignore', 'NO_COMMITMENT', 'no commitment from this member')
  const signer = recover(() => recoverVerdictSigner(msg, ctx.chainId, ctx.registry))
  if (signer !== member) fail('reject', 'SIGNER_MISMATCH', 'signer is not the member')
  // the member's own doing, not the forwarder's: it may open an equivocator's other commitment, still on its way
  const opened = computeCommitment(verdict, msg.salt)
  if (opened !== commitment && opened !== ctx.getConflictingCommitment(jobId, member)) fail('ignore', 'COMMITMENT_MISMATCH', 'verdict and salt open no commitment held')
  if (ctx.getVerdictHash(jobId, member) !== undefined) fail('ignore', 'EQUIVOCATION', 'member revealed two different verdicts')
  return { jobId, member, verdictHash: hash }
}

/**
 * What a relay may be merely behind on for a job message (section 6, v2.1): the job, the commitment a
 * reveal opens (an equivocator's other one too), or the reveal window. For these codes a relay waits
 * for its job to change, or for time to pass, and validates again, instead of answering `ignore`:
 * gossipsub forwards only what a node accepts. (A job's own FUTURE_MEMBERSHIP_BLOCK and an anchor's
 * FUTURE_EPOCH wait on the chain instead.)
 */
export const BEHIND_ON_JOB_CODES: readonly ValidationCode[] = ['UNKNOWN_JOB', 'NO_COMMITMENT', 'EARLY_REVEAL', 'COMMITMENT_MISMATCH']

/** whether `err` is a validation answer a relay waits on (BEHIND_ON_JOB_CODES) rather than gives */
export function isBehindOnJob (err: unknown): err is GossipValidationError {
  return err instanceof GossipValidationError && BEHIND_ON_JOB_CODES.includes(err.code)
}

/** A member scans before it commits: scannedAt lies in [createdAt, commitDeadline]. */
export function scannedInWindow (scannedAt: number, job: Pick<ScanJob, 'createdAt' | 'commitDeadline'>): boolean {
  return scannedAt >= job.createdAt && scannedAt <= job.commitDeadline
}

export function validateAttestation (msg: SignedAttestation, ctx: ValidationContext): { jobId: Hex, member: Hex, digest: Hex } {
  const { member, attestation } = msg
  const { jobId } = attestation
  const job = ctx.getJob(jobId)
  if (job === undefined) fail('ignore', 'UNKNOWN_JOB', 'job not known')
  if (ctx.now > attestDeadline(job, ctx.boundsAt(job.membershipBlock))) fail('ignore', 'STALE', 'attestation window closed')
  const block = job.membershipBlock
  if (!ctx.isMemberAt(member, block) || attestation.committed.some(m => !ctx.isMemberAt(m, block))) {
    fail('reject', 'NOT_MEMBER', 'attester or a committed address not a member at the job block')
  }
  const digest = reportDigest(attestation, ctx.chainId, ctx.registry)
  const held = ctx.getAttestation(jobId, member)
  if (held === digest) fail('ignore', 'DUPLICATE', 'attestation already known')
  const signer = recover(() => recoverAttestationSigner(msg, ctx.chainId, ctx.registry))
  if (signer !== member) fail('reject', 'SIGNER_MISMATCH', 'signer is not the member')
  // ignore, not reject: the peer that forwards it may be honest, having seen the other one second
  if (held !== undefined) fail('ignore', 'EQUIVOCATION', 'member attested to two different contents')
  return { jobId, member, digest }
}

export function validateComplaint (msg: SignedComplaint, ctx: ValidationContext): { jobId: Hex, member: Hex } {
  const { jobId, member } = msg.complaint
  const job = ctx.getJob(jobId)
  if (job === undefined) fail('ignore', 'UNKNOWN_JOB', 'job not known')
  if (ctx.now > job.revealDeadline + ctx.boundsAt(job.membershipBlock).clockSkewMs) fail('ignore', 'STALE', 'job over')
  if (!ctx.isMemberAt(member, job.membershipBlock)) fail('reject', 'NOT_MEMBER', 'not a member at the job block')
  if (job.kind !== 'file') fail('reject', 'JOB_MISMATCH', 'an indicator job has nothing to unwrap or check')
  if (ctx.hasComplaint(jobId, member)) fail('ignore', 'DUPLICATE', 'complaint already known')
  const signer = recover(() => recoverComplaintSigner(msg, ctx.chainId, ctx.registry))
  if (signer !== member) fail('reject', 'SIGNER_MISMATCH', 'signer is not the member')
  return { jobId, member }
}

/** What the anchors topic is judged against (SPEC section 15): the chain as this node follows it and ReportAnchors. */
export interface AnchorValidationContext extends Pick<ValidationContext, 'chainId' | 'registry' | 'followedBlock' | 'isMemberAt'> {
  /** E, ReportAnchors' immutable epochBlocks */
  epochBlocks: number
  /** whether ReportAnchors holds a root for the epoch, as this node last read it */
  isAnchored(epoch: number): boolean
}

/**
 * A proposer's signed list and root for an epoch (decoded: its jobIds and leaves are ascending, at most
 * MAX_ANCHOR_JOBS, leafCount of each). The leaves must build the root (the only check of the unsigned list,
 * last: it costs a tree); whether the jobs' reports are final and eligible is for the member that signs.
 */
export function validateAnchorProposal (msg: AnchorProposal, ctx: AnchorValidationContext): { epoch: number, member: Hex, root: Hex } {
  checkEpoch(msg.epoch, msg.proposer, ctx)
  const signer = recover(() => recoverAnchorProposalSigner(msg, msg.signature, ctx.chainId, ctx.registry, msg.proposer))
  if (signer !== msg.proposer) fail('reject', 'SIGNER_MISMATCH', 'signer is not the proposer')
  if (leavesRoot(msg.leaves) !== msg.root.toLowerCase()) fail('reject', 'LEAVES_MISMATCH', 'the leaves do not build the root')
  return { epoch: msg.epoch, member: msg.proposer, root: msg.root }
}

/** A member's EpochRoot signature. Signing several roots for one epoch is no equivocation (SPEC section 15). */
export function validateAnchorSignature (msg: AnchorSignature, ctx: AnchorValidationContext): { epoch: number, member: Hex, root: Hex } {
  checkEpoch(msg.epoch, msg.member, ctx)
  const signer = recover(() => recoverEpochRootSigner(msg, msg.signature, ctx.chainId, ctx.registry, msg.member))
  if (signer !== msg.member) fail('reject', 'SIGNER_MISMATCH', 'signer is not the member')
  return { epoch: msg.epoch, member: msg.member, root: msg.root }
}

/** The epoch is over on this node's chain, not anchored yet, and `signer` was a member at its first block. */
function checkEpoch (epoch: number, signer: Hex, ctx: AnchorValidationContext): void {
  // a product past 2^53 is past any followed block too: no exact arithmetic needed to drop it
  if ((epoch + 1) * ctx.epochBlocks > ctx.followedBlock) fail('ignore', 'FUTURE_EPOCH', 'epoch not over on the followed chain')
  if (ctx.isAnchored(epoch)) fail('ignore', 'ANCHORED', 'epoch already anchored')
  if (!ctx.isMemberAt(signer, epoch * ctx.epochBlocks)) fail('reject', 'NOT_MEMBER', 'signer not a member at the epoch\'s first block')
}

function recover (fn: () => Hex): Hex {
  try {
    return fn()
  } catch (err) {
    throw new GossipValidationError('reject', 'BAD_SIGNATURE', 'signature does not recover', { cause: err })
  }
}

function fail (action: ValidationAction, code: ValidationCode, message: string): never {
  throw new GossipValidationError(action, code, message)
}
