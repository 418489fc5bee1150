/** Writes test/vectors/feed.json (SPEC section 18, feeds): an epoch's final reports, its feed's bytes and their sha256. */
import { writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { epochFeed, feedDigest } from '../src/feed/index.ts'
import { feedReports } from '../test/feed/feed-reports.ts'

const EPOCH = 1
const reports = await feedReports()
const feed = epochFeed(reports, EPOCH)
const vector = {
  description: 'SPEC section 18, feeds: epochFeed(reports, epoch); feed is the bytes as UTF-8 text, sha256 their digest',
  epoch: EPOCH,
  reports,
  feed: new TextDecoder().decode(feed),
  sha256: feedDigest(feed)
}
await writeFile(join(import.meta.dirname, '..', 'test', 'vectors', 'feed.json'), `${JSON.stringify(vector, null, 2)}\n`)
