// GET /api/virusmap/malicious: the subjects wallet guards mirror (issue 15). Each entry carries
// its full signed report, since a guard trusts no node: it verifies every report with the light
// client before listing the subject. Paged by an opaque cursor, bounded per page.
import type { FastifyInstance } from 'fastify'
import type { FeedCursor, MaliciousFeedReader } from '../ports/index.ts'
import { ApiError } from '../../vt/errors.ts'
import { requestSignal } from '../request.ts'
import type { Hex } from '#protocol/messages.ts'

export const MAX_FEED_LIMIT = 100
const DEFAULT_FEED_LIMIT = 50
/** `<issuer>.<storing position>-<job id>`: the issuing node's tag, then where its page ended in the order it stored reports */
const CURSOR = /^([0-9a-f]{16})\.([0-9]{1,15})-(0x[0-9a-f]{64})$/
export const FEED_CURSOR_PATTERN = CURSOR.source
const LIMIT = /^[0-9]{1,3}$/

export const encodeFeedCursor = (issuer: string, c: FeedCursor): string => `${issuer}.${c.date}-${c.jobId}`

/** the cursor a client sent back, issued by `issuer`; throws InvalidArgumentError for anything else (another node's cursor too) */
export function parseFeedCursor (value: unknown, issuer: string): FeedCursor | undefined {
  if (value === undefined) return undefined
  const m = typeof value === 'string' ? CURSOR.exec(value) : null
  if (m === null) throw new ApiError('InvalidArgumentError', 'cursor must be one this endpoint returned')
  if (m[1] !== issuer) throw new ApiError('InvalidArgumentError', 'cursor was issued by another node: start without one')
  return { date: Number(m[2]), jobId: m[3] as Hex }
}

export function registerMaliciousRoutes (app: FastifyInstance, feed: MaliciousFeedReader | undefined): void {
  app.get<{ Querystring: { cursor?: string, limit?: string } }>('/api/virusmap/malicious', async (request, reply) => {
    if (feed === undefined) throw new ApiError('TransientError', 'this node serves no malicious feed')
    const { cursor, limit } = request.query
    if (limit !== undefined && (!LIMIT.test(limit) || Number(limit) < 1 || Number(limit) > MAX_FEED_LIMIT)) {
      throw new ApiError('InvalidArgumentError', `limit must be an integer from 1 to ${MAX_FEED_LIMIT}`)
    }
    const page = await feed.since(parseFeedCursor(cursor, feed.issuer), limit === undefined ? DEFAULT_FEED_LIMIT : Number(limit), { signal: requestSignal(reply) })
    return {
      data: page.subjects.map((s) => ({ type: 'malicious_subject', id: `${s.kind}:${s.subject}`, attributes: { kind: s.kind, subject: s.subject, report: s.report } })),
      // meta.cursor as VirusTotal pages; given on the last page too, so a mirror resumes from it later
      meta: { ...page.next === undefined ? {} : { cursor: encodeFeedCursor(feed.issuer, page.next) }, more: page.more }
    }
  })
}
