import { ApiError } from '../vt/errors.ts'

const LIMIT = /^[0-9]{1,2}$/
const CURSOR = /^[0-9]{0,4}$/
/** VirusTotal's relationship pages hold 1 to 40 objects, 10 by default. */
export const MAX_PAGE = 40
const DEFAULT_PAGE = 10
/** How far a cursor may reach: relations are bounded per object, so this only stops absurd reads. */
export const MAX_OFFSET = 1000

export interface Page { limit: number, offset: number }

/** `limit` (1..40) and `cursor` (opaque to clients: here the offset of the next object) from a query. */
export function parsePage (query: Record<string, unknown>): Page {
  const { limit, cursor } = query
  if (limit !== undefined && (typeof limit !== 'string' || !LIMIT.test(limit) || Number(limit) < 1 || Number(limit) > MAX_PAGE)) {
    throw new ApiError('InvalidArgumentError', `limit must be an integer from 1 to ${MAX_PAGE}`)
  }
  if (cursor !== undefined && (typeof cursor !== 'string' || !CURSOR.test(cursor) || Number(cursor) > MAX_OFFSET)) {
    throw new ApiError('InvalidArgumentError', 'cursor must be one this API returned')
  }
  return { limit: limit === undefined ? DEFAULT_PAGE : Number(limit), offset: cursor === undefined || cursor === '' ? 0 : Number(cursor) }
}

/**
 * VirusTotal's collection answer from `items`, which holds the page and possibly more after it
 * (asking one more than the page tells whether there is a next one).
 */
export function collection (items: unknown[], page: Page, selfUrl: string): Record<string, unknown> {
  const data = items.slice(0, page.limit)
  const more = items.length > page.limit && page.offset + page.limit <= MAX_OFFSET
  const next = page.offset + page.limit
  const url = new URL(selfUrl)
  url.searchParams.set('limit', String(page.limit))
  const links: Record<string, string> = { self: url.href }
  const meta: Record<string, unknown> = { count: data.length }
  if (more) {
    meta.cursor = String(next)
    url.searchParams.set('cursor', String(next))
    links.next = url.href
  }
  return { data, meta, links }
}
