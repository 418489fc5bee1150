/** Types of job-age.js, the bound on a job's membership block (see that file). */
export const DEFAULT_MAX_JOB_AGE_BLOCKS: number
export const MIN_MAX_JOB_AGE_BLOCKS: number
export const MAX_MAX_JOB_AGE_BLOCKS: number
export function maxJobAgeBlocksFrom (value: bigint | number | null | undefined): number
export function membershipBlockTooOld (membershipBlock: number, followedBlock: number, maxJobAgeBlocks: number): boolean
export function ageLimitBlock (membershipBlock: number, maxJobAgeBlocks: number): number
export function createdPastAgeLimit (createdAt: number, limitTimestamp: number | undefined, clockSkewMs: number): boolean
