import { mkdir, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import type { IndicatorFeedConfig } from '../intel/lists/indicator-feed.ts'
import type { AbortOptions } from '@libp2p/interface'

const HASHES_HEADER = `# devnet known-bad hashes (VirusMap-HashList): one md5/sha1/sha256 or TLSH digest per line and an optional label;
# or a CSV export as MalwareBazaar's, whose commented header names its columns (its TLSH digests match variants too).
# Every devnet node reads this file and re-reads it when it changes.
`
const INDICATORS_HEADER = `# devnet indicator feed (VirusMap-Lists, VirusMap-Addresses): one URL, domain, IP, wallet or
# script hash per line (format: docs/intel-lists.md). Every devnet node re-reads it every 10 s.
`

/**
 * The operator feeds every devnet node shares, in DIR/feeds: they give the nodes the hash-list and
 * addresses engines (which run only with a feed) and a place to try them. Written once, so what
 * a user adds survives restarts.
 */
export async function ensureDevnetFeeds (dir: string, options: AbortOptions = {}): Promise<{ hashFeed: string, intelFeed: IndicatorFeedConfig }> {
  const hashFeed = join(dir, 'feeds', 'hashes.txt')
  const intelFeed = join(dir, 'feeds', 'indicators.txt')
  await mkdir(join(dir, 'feeds'), { recursive: true })
  for (const [path, text] of [[hashFeed, HASHES_HEADER], [intelFeed, INDICATORS_HEADER]] as const) {
    await writeFile(path, text, { flag: 'wx', signal: options.signal }).catch((err: unknown) => {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err
    })
  }
  return { hashFeed, intelFeed: { name: 'devnet', source: intelFeed, refreshSeconds: 10 } }
}
