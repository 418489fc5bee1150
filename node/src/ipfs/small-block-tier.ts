/**
 * The node's blockstore: blocks of at most SMALL_BLOCK_BYTES in the node's database (SmallBlocks below,
 * which db/small-block-repository.ts answers), larger ones in the filesystem blockstore (fs-blockstore.ts).
 * A small sample's manifest and chunk, which every job of a small file writes on the origin and keeps on
 * each member, cost a file each there: a temp file created,
 * written and fsynced, a rename and a directory fsync. Here each is one more put in the turn's synced
 * batch (coalescing-level.ts), beside the job's own records, so a member keeps a job's blocks, records
 * and signatures with one fdatasync. Durable before it acknowledges, as the files are: a put resolves
 * once its synced batch is written, and `has` answers true only from then on.
 * Reads look in the database first, then in the files, where blocks written before schema 2 stay.
 */
import { CID } from 'multiformats/cid'
import { base32 } from 'multiformats/bases/base32'
import * as raw from 'multiformats/codecs/raw'
import * as Digest from 'multiformats/hashes/digest'
import { BlockCache, copyOf } from './block-cache.ts'
import { BlockPresence } from './block-presence.ts'
import { collect, getBlock } from './fs-blockstore.ts'
import type { DurableBlockstore, DurablePutOptions } from './fs-blockstore.ts'
import type { Pair } from 'interface-blockstore'
import type { AbortOptions } from '@libp2p/interface'

/** The largest block kept in the database: a sample of up to 64 KiB is one chunk and its manifest. */
export const SMALL_BLOCK_BYTES = 64 * 1024

/** Where the small blocks live: durable before `put` resolves, keyed by a block's name (base32 of its multihash). */
export interface SmallBlocks {
  get(name: string): Promise<Uint8Array | undefined>
  has(name: string): Promise<boolean>
  /** `bytes` must not change until this resolves */
  put(name: string, bytes: Uint8Array): Promise<void>
  delete(name: string): Promise<void>
  entries(): AsyncIterable<[string, Uint8Array]>
}

export interface SmallBlockTierOptions {
  /** bytes of the small blocks written or read lately kept in memory (block-cache.ts), default 16 MiB */
  cacheBytes?: number
}

const nameOf = (cid: CID): string => base32.encode(cid.multihash.bytes)

export function createSmallBlockTier (small: SmallBlocks, files: DurableBlockstore, options: SmallBlockTierOptions = {}): DurableBlockstore {
  // which blocks the database holds, lately seen: bitswap asks `has` for every open want of a peer at each message
  const presence = new BlockPresence()
  const cache = new BlockCache(options.cacheBytes ?? 16 * 1024 * 1024, SMALL_BLOCK_BYTES)
  /** deletions begun so far: a read that overlapped one may hold bytes of a block now gone, and is not kept */
  let deletions = 0
  const inDb = async (name: string): Promise<boolean> => await presence.check(name, async () => await small.has(name))

  /** the block's bytes from the database, or undefined when it is not there */
  const fromDb = async (cid: CID): Promise<Uint8Array | undefined> => {
    const name = nameOf(cid)
    const cached = cache.get(name)
    if (cached !== undefined) return cached
    const before = deletions
    let bytes: Uint8Array | undefined
    const found = await presence.check(name, async () => {
      bytes = await small.get(name)
      return bytes !== undefined
    })
    if (!found) return undefined
    bytes ??= await small.get(name)
    if (bytes !== undefined && deletions === before) cache.set(name, copyOf(bytes))
    return bytes
  }

  const readBlock = async (cid: CID, opts: AbortOptions = {}): Promise<Uint8Array> => {
    opts.signal?.throwIfAborted()
    return await fromDb(cid) ?? await getBlock(files, cid, opts)
  }

  const store: DurableBlockstore = {
    get path () { return files.path },
    async open () { await files.open() },
    async close () { await files.close() },

    async put (cid, value, opts: DurablePutOptions = {}) {
      opts.signal?.throwIfAborted()
      const bytes = await collect(value)
      if (bytes.byteLength > SMALL_BLOCK_BYTES) return await files.put(cid, bytes, opts)
      // written a turn later with the batch: copied before the writer may reuse its buffer
      const kept = copyOf(bytes)
      opts.onWritten?.()
      // as a file is renamed into place only then: a crash before leaves nothing (block-writer.ts)
      await opts.renameAfter
      opts.signal?.throwIfAborted()
      const name = nameOf(cid)
      await small.put(name, kept)
      presence.added(name)
      cache.set(name, kept)
      return cid
    },

    // nothing in the node puts or deletes many at once: one at a time, each durable before it is yielded
    async * putMany (source, opts = {}) {
      for await (const { cid, bytes } of source) yield await store.put(cid, bytes, opts)
    },

    async * get (cid, opts = {}) {
      yield await readBlock(cid, opts)
    },

    async * getMany (source, opts = {}) {
      for await (const cid of source) {
        yield { cid, bytes: (async function * () { yield await readBlock(cid, opts) })() }
      }
    },

    async has (cid, opts = {}) {
      return await inDb(nameOf(cid)) || await files.has(cid, opts)
    },

    async delete (cid, opts = {}) {
      const name = nameOf(cid)
      presence.removed(name, false)
      deletions++
      cache.delete(name)
      await small.delete(name)
      presence.removed(name, true)
      await files.delete(cid, opts)
    },

    async * deleteMany (source, opts = {}) {
      for await (const cid of source) {
        opts.signal?.throwIfAborted()
        await store.delete(cid, opts)
        yield cid
      }
    },

    async * getAll (opts = {}): AsyncGenerator<Pair> {
      for await (const [name, bytes] of small.entries()) {
        opts.signal?.throwIfAborted()
        // stored by multihash only; reported under a raw CID, as the files are
        const cid = CID.createV1(raw.code, Digest.decode(base32.decode(name)))
        yield { cid, bytes: (async function * () { yield bytes })() }
      }
      for await (const pair of files.getAll(opts)) {
        // a block written as a file before schema 2 and put again since is listed once
        if (await inDb(nameOf(pair.cid))) continue
        yield pair
      }
    }
  }
  return store
}
