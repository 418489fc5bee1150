/**
 * The buyer's reading of a delivered feed (SPEC section 18, feeds): bytes that decrypted to the digest f+1
 * members signed for are, by that, the honest members' feed; this holds them to the feed's form anyway, so
 * what reaches a SOC tool is lines of the ordered epoch, each in its one spelling, in feed order, one per
 * item. Throws FeedError MALFORMED_FEED or WRONG_EPOCH.
 */
import { MAX_ANCHOR_JOBS } from '../messages.ts'
import { FeedError } from './errors.ts'
import { checkFeedLine, compareFeedLines, encodeFeedLine } from './feed-line.ts'
import type { FeedLine } from './feed-line.ts'

export function parseFeed (bytes: Uint8Array, epoch: number): FeedLine[] {
  let text: string
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(bytes)
  } catch (err) {
    throw new FeedError('MALFORMED_FEED', 'the feed is not UTF-8', { cause: err })
  }
  if (text === '') return []
  if (!text.endsWith('\n')) throw new FeedError('MALFORMED_FEED', 'the feed\'s last line has no newline')
  const rows = text.slice(0, -1).split('\n')
  if (rows.length > MAX_ANCHOR_JOBS) throw new FeedError('MALFORMED_FEED', `${rows.length} lines, an epoch anchors at most ${MAX_ANCHOR_JOBS} reports`)
  const lines: FeedLine[] = []
  for (const [i, row] of rows.entries()) {
    let value: unknown
    try {
      value = JSON.parse(row)
    } catch (err) {
      throw new FeedError('MALFORMED_FEED', `line ${i + 1} is not JSON`, { cause: err })
    }
    checkFeedLine(value)
    if (encodeFeedLine(value) !== row) throw new FeedError('MALFORMED_FEED', `line ${i + 1} is not in its one spelling`)
    if (value.epoch !== epoch) throw new FeedError('WRONG_EPOCH', `line ${i + 1} is of epoch ${value.epoch}, not ${epoch}`)
    const before = lines.at(-1)
    if (before !== undefined && compareFeedLines(before, value) >= 0) throw new FeedError('MALFORMED_FEED', `line ${i + 1} is out of order or repeats an item`)
    lines.push(value)
  }
  return lines
}
