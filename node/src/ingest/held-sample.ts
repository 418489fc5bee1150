import { checkManifestBlock, decodeManifest } from '../crypto/manifest.ts'
import { getBlock } from '../ipfs/fs-blockstore.ts'
import type { Blockstore } from 'interface-blockstore'
import type { CID } from 'multiformats/cid'
import type { AbortOptions } from '@libp2p/interface'

/**
 * Whether the local blockstore holds the whole sample: its manifest and every chunk it names. Reads
 * the manifest only (at most MAX_MANIFEST_BYTES), never the chunks; never asks the network.
 */
export async function holdsSample (blockstore: Blockstore, cid: CID, options: AbortOptions = {}): Promise<boolean> {
  if (!await blockstore.has(cid, options)) return false
  const bytes = await getBlock(blockstore, cid, options)
  checkManifestBlock(cid, bytes)
  const manifest = decodeManifest(bytes)
  for (const chunk of manifest.chunks) {
    if (!await blockstore.has(chunk, options)) return false
  }
  return true
}
