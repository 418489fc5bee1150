import { canonicalIndicatorOr } from '#protocol/index.ts'
import type { IndicatorKind } from '#protocol/messages.ts'
import type { Report } from '#protocol/report-format.ts'
import type { VerifyProblem } from './problems.ts'

/**
 * What a client asked (SPEC section 12, step 1): a file by its sha256, sha1 or md5 (hex, `0x`
 * optional, any case), or an indicator by kind and subject in any spelling it canonicalizes from.
 */
export type Question = { hash: string } | { kind: IndicatorKind, subject: string }

/** hex digits -> the job field of that length */
const HASH_FIELDS = { 64: 'sha256', 40: 'sha1', 32: 'md5' } as const

function mismatch (detail: string): VerifyProblem {
  return { code: 'QUESTION_MISMATCH', detail }
}

/**
 * Whether the report's job is about exactly what was asked; pure. A hash must name a file job's
 * field of its length; an indicator must canonicalize to the job's kind and subject. Input that is
 * not a hash or an indicator matches nothing. The report itself is not trusted to be well formed.
 */
export function checkQuestion (report: Pick<Report, 'job'>, asked: Question): VerifyProblem | undefined {
  const job = (report as unknown as { job?: { job?: Record<string, unknown> } } | null)?.job?.job
  if (typeof job !== 'object' || job === null) return mismatch('the report carries no job')
  if ('hash' in asked) {
    const digits = typeof asked.hash === 'string' ? asked.hash.replace(/^0x/i, '') : ''
    const field = /^[0-9a-fA-F]+$/.test(digits) ? HASH_FIELDS[digits.length as keyof typeof HASH_FIELDS] : undefined
    if (field === undefined) return mismatch('what was asked is not a sha256, sha1 or md5')
    if (job.kind !== 'file' || job[field] !== `0x${digits.toLowerCase()}`) return mismatch(`the job is not about the file whose ${field} was asked`)
    return undefined
  }
  const canonical = canonicalIndicatorOr(asked.kind, asked.subject, () => '')
  if (canonical === '') return mismatch('what was asked is not an indicator')
  if (job.kind !== asked.kind || job.subject !== canonical) return mismatch(`the job is not about the ${asked.kind} that was asked`)
  return undefined
}
