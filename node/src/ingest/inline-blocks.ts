/**
 * A small file's encrypted blocks carried beside its job (SPEC section 9, inline blocks). The origin
 * reads them back as it publishes the job (they were written a moment before, so they come from the
 * blockstore's memory); a member is offered them as the job arrives and takes each only when the
 * sample's CID chain asks for it, found by the hash of its bytes, so a relay that altered or added a
 * block has given bytes nobody asks for. Members then fetch nothing by bitswap: no want-lists, no
 * streams, and the job's scan starts a round trip sooner.
 */
import { createHash } from 'node:crypto'
import { MAX_INLINE_BLOCK_BYTES, MAX_INLINE_BLOCKS } from '#protocol/messages.ts'
import { checkManifestBlock, decodeManifest, SHA2_256 } from '../crypto/manifest.ts'
import { getBlock } from '../ipfs/fs-blockstore.ts'
import type { AbortOptions } from '@libp2p/interface'
import type { Blockstore } from 'interface-blockstore'
import type { CID } from 'multiformats/cid'

/**
 * The sample's blocks, manifest first, when they fit inline (at most MAX_INLINE_BLOCKS, and
 * MAX_INLINE_BLOCK_BYTES in all); undefined for a larger sample. The manifest's size is read before any chunk.
 */
export async function inlineBlocksOf (blockstore: Blockstore, cid: CID, options: AbortOptions = {}): Promise<Uint8Array[] | undefined> {
  const manifestBytes = await getBlock(blockstore, cid, options)
  checkManifestBlock(cid, manifestBytes)
  const manifest = decodeManifest(manifestBytes)
  // each chunk is its plaintext and a 16-byte tag
  const total = manifestBytes.byteLength + manifest.size + 16 * manifest.chunks.length
  if (manifest.chunks.length + 1 > MAX_INLINE_BLOCKS || total > MAX_INLINE_BLOCK_BYTES) return undefined
  const chunks: Uint8Array[] = []
  for (const chunk of manifest.chunks) chunks.push(await getBlock(blockstore, chunk, options))
  return [manifestBytes, ...chunks]
}

export interface OfferedBlocks {
  /** keeps blocks a job carried, each under the hash of its bytes */
  offer(blocks: readonly Uint8Array[]): void
  /** the offered block with this CID's sha2-256 digest, handed out once */
  take(cid: CID): Uint8Array | undefined
  readonly size: number
}

/**
 * Blocks offered and not yet taken, the oldest forgotten past `max` (a job whose scan never asks
 * for its blocks, or a relay's junk): a forgotten block is fetched by bitswap as before.
 */
export function createOfferedBlocks (max = 256): OfferedBlocks {
  const blocks = new Map<string, Uint8Array>()
  return {
    offer (offered) {
      for (const block of offered) {
        const key = createHash('sha256').update(block).digest('hex')
        blocks.delete(key)
        if (blocks.size >= max) blocks.delete(blocks.keys().next().value as string)
        blocks.set(key, block)
      }
    },
    take (cid) {
      if (blocks.size === 0 || cid.multihash.code !== SHA2_256) return undefined
      const key = Buffer.from(cid.multihash.digest).toString('hex')
      const block = blocks.get(key)
      if (block !== undefined) blocks.delete(key)
      return block
    },
    get size () { return blocks.size }
  }
}
