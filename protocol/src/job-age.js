/**
 * How old a job's membership block may be (SPEC sections 5 and 12). A job names its own block, and
 * keys of removed members stay valid for the blocks they were members at; early blocks had one
 * member and a quorum of one. So members take a job only while its block is at most
 * `maxJobAgeBlocks` behind the newest block they follow, and a light client refuses a job created
 * after block `membershipBlock + maxJobAgeBlocks` was mined. Plain JS with no imports: nodes (through
 * index.ts) and the web page (served as /protocol/src/job-age.js) run this one piece.
 */

/** 7200 blocks: a day of 12 s blocks, two hours of the devnet's 1 s blocks */
export const DEFAULT_MAX_JOB_AGE_BLOCKS = 7200

/**
 * The sanity range of the parameter. Below 16 an honest job could outlive its block while it
 * crosses the network (followers lag by their confirmations and a poll); above 1,000,000 blocks
 * (about 140 days of 12 s blocks) the bound no longer retires a removed member's key.
 */
export const MIN_MAX_JOB_AGE_BLOCKS = 16
export const MAX_MAX_JOB_AGE_BLOCKS = 1_000_000

/**
 * The bound a NetworkParameters value stands for: unset (0, undefined, null), or anything that is
 * not an integer in [MIN, MAX], reads as the default, by one rule for nodes and light clients.
 */
export function maxJobAgeBlocksFrom (value) {
  const n = typeof value === 'bigint'
    ? (value <= BigInt(MAX_MAX_JOB_AGE_BLOCKS) && value >= 0n ? Number(value) : 0)
    : (value ?? 0)
  return Number.isSafeInteger(n) && n >= MIN_MAX_JOB_AGE_BLOCKS && n <= MAX_MAX_JOB_AGE_BLOCKS ? n : DEFAULT_MAX_JOB_AGE_BLOCKS
}

/** A member's check: the job's block is more than `maxJobAgeBlocks` behind the newest block it follows. */
export function membershipBlockTooOld (membershipBlock, followedBlock, maxJobAgeBlocks) {
  return followedBlock - membershipBlock > maxJobAgeBlocks
}

/** The block whose timestamp bounds a job's createdAt for a light client. */
export function ageLimitBlock (membershipBlock, maxJobAgeBlocks) {
  return membershipBlock + maxJobAgeBlocks
}

/**
 * A light client's check: the job was created after its age-limit block was mined. Block
 * timestamps are whole seconds on the producer's clock, so the job may be stamped up to the end of
 * that second plus the clock skew honest clocks differ by. `limitTimestamp` (seconds) is undefined
 * while the limit block is not mined: then no job at the block is too old yet.
 */
export function createdPastAgeLimit (createdAt, limitTimestamp, clockSkewMs) {
  if (limitTimestamp === undefined) return false
  return createdAt > (limitTimestamp + 1) * 1000 + clockSkewMs
}
