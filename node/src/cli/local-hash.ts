import { createHash } from 'node:crypto'
import { createReadStream } from 'node:fs'
import type { AbortOptions } from '@libp2p/interface'

/**
 * The sha256 of a local file, hex, computed here: what `submit` verifies the report against, so
 * the node's answer about which file it stored never decides what the report must be about.
 */
export async function sha256OfFile (path: string, options: AbortOptions = {}): Promise<string> {
  const hash = createHash('sha256')
  for await (const chunk of createReadStream(path, { signal: options.signal })) hash.update(chunk as Buffer)
  return hash.digest('hex')
}
