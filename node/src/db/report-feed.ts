// The order reports were stored in on this node, for feeds that page by cursor (the guards'
// malicious feed). A report's own date is when its members scanned, not when this node stored it:
// a report that arrives late with an old date sorts behind a cursor already served, and a mirror
// paging by date never sees it. Positions here are this node's own: strictly increasing (ms, or
// the last position + 1 when the clock stalls or steps back), given as a report is stored, with a
// watermark under any position still being written, so a reader never passes a position a
// concurrent put is about to fill.
import { PREFIXES, dbKey } from './prefixes.ts'
import type { Hex } from '#protocol/messages.ts'

/** 15 digits keep positions (ms) in key order until the year 33658 */
const pad = (position: number): string => String(Math.max(0, Math.trunc(position))).padStart(15, '0')

export const storedKey = (position: number, jobId: Hex): string => dbKey(PREFIXES.reportStored, pad(position), jobId)
/** below every key at `position` and after */
export const storedBound = (position: number): string => `${PREFIXES.reportStored}${pad(position)}/`
export const storedAtKey = (jobId: Hex): string => dbKey(PREFIXES.reportStoredAt, jobId)
export const positionOf = (key: string): number => Number(key.slice(PREFIXES.reportStored.length, PREFIXES.reportStored.length + 15))

export interface FeedPositions {
  /** the next position, held as pending until done() */
  next(): number
  done(position: number): void
  /** the lowest position still being written; undefined: none */
  watermark(): number | undefined
}

export function createFeedPositions (last: number, now: () => number = Date.now): FeedPositions {
  let previous = last
  const pending = new Set<number>()
  return {
    next () {
      previous = Math.max(Math.trunc(now()), previous + 1)
      pending.add(previous)
      return previous
    },
    done (position) { pending.delete(position) },
    watermark () {
      let low: number | undefined
      for (const p of pending) if (low === undefined || p < low) low = p
      return low
    }
  }
}
