/**
 * A filesystem blockstore (interface-blockstore v7) that is durable before it acknowledges: each
 * block is written to a temp file, fsynced and renamed into place, and the directories holding new
 * entries are fsynced before put/putMany return. putMany runs several writes at once and fsyncs
 * each touched directory once for the whole batch; concurrent puts share directory fsyncs
 * (group-fsync.ts), so writing a sample's chunks as separate puts costs little more.
 * A writer that keeps its own crash record (block-writer.ts) may start a put before that record
 * is on disk: the block is written and fsynced as a temp file at once and renamed into place only
 * once `renameAfter` resolves (a temp file is all a crash leaves before that, and open() deletes
 * those), and `onWritten` hands its buffer back as soon as the kernel holds the bytes.
 * Whether a block is on disk is remembered for the blocks seen lately (block-presence.ts): bitswap asks
 * for every open want again at each message from its peer. The bytes of the blocks written or read lately
 * are kept too (block-cache.ts): a job's block is read back to decrypt it and to serve each member.
 * Layout is blockstore-fs's NextToLast: <root>/<last 2 chars>/<BASE32UPPER(multihash)>.data, keyed
 * by multihash, so a block stored under a raw CID is found under any CID with the same hash.
 */
import { randomBytes } from 'node:crypto'
import { mkdir, open, readdir, readFile, rename, unlink, access } from 'node:fs/promises'
import path from 'node:path'
import { base32upper } from 'multiformats/bases/base32'
import { CID } from 'multiformats/cid'
import * as raw from 'multiformats/codecs/raw'
import * as Digest from 'multiformats/hashes/digest'
import { BlockCache, copyOf } from './block-cache.ts'
import { BlockPresence } from './block-presence.ts'
import { BlockNotFoundError } from './errors.ts'
import { createGroupFsync } from './group-fsync.ts'
import type { FileHandle } from 'node:fs/promises'
import type { Blockstore, InputPair, Pair } from 'interface-blockstore'
import type { AbortOptions } from '@libp2p/interface'

export interface DurablePutOptions extends AbortOptions {
  /** called once the bytes are written (not yet synced): the caller may reuse the buffer from then on */
  onWritten?: () => void
  /** the block is renamed into place, where a restart finds it, only once this resolves; a rejection fails the put with its reason */
  renameAfter?: Promise<void>
}

export interface DurableBlockstore extends Blockstore {
  readonly path: string
  open(): Promise<void>
  close(): Promise<void>
  put(key: CID, val: InputPair['bytes'], options?: DurablePutOptions): Promise<CID>
}

export interface DurableBlockstoreOptions {
  path: string
  /** concurrent file writes in putMany (fsyncs overlap; the disk batches them) */
  putManyConcurrency?: number
  /** bytes of recently written or read blocks kept in memory (block-cache.ts), default 16 MiB; 0 keeps none */
  cacheBytes?: number
}

/**
 * blocks kept only up to this size: a small sample's block is the one read back at once, while copying a
 * large sample's 1 MiB chunks into the cache cost its ingest a fifth of its speed (bench/ingest.ts)
 */
const CACHED_BLOCK_BYTES = 64 * 1024

const EXTENSION = '.data'
type Signal = AbortOptions

async function fsyncPath (p: string): Promise<void> {
  const handle = await open(p, 'r')
  try {
    await handle.sync()
  } finally {
    await handle.close()
  }
}

/** A put's value as one array (interface-blockstore lets it stream). */
export async function collect (value: InputPair['bytes']): Promise<Uint8Array> {
  if (value instanceof Uint8Array) return value
  const parts: Uint8Array[] = []
  for await (const part of value) parts.push(part)
  return Buffer.concat(parts)
}

/** One write for the whole block where writeFile would issue one per 512 KiB. */
async function writeAll (handle: FileHandle, bytes: Uint8Array): Promise<void> {
  for (let written = 0; written < bytes.byteLength;) {
    written += (await handle.write(bytes, written, bytes.byteLength - written, written)).bytesWritten
  }
}

function isErrno (err: unknown, code: string): boolean {
  return (err as NodeJS.ErrnoException | undefined)?.code === code
}

export function createDurableBlockstore (options: DurableBlockstoreOptions): DurableBlockstore {
  const root = path.resolve(options.path)
  const concurrency = options.putManyConcurrency ?? 16
  /**
   * Shard dirs whose entry in the root is known to be on disk. A dir joins only after an fsync of
   * the root that followed its creation: a batch that created it and then failed (or one racing
   * with it) must not let a later put skip that fsync.
   */
  const durableDirs = new Set<string>()
  const presence = new BlockPresence()
  const cache = new BlockCache(options.cacheBytes ?? 16 * 1024 * 1024, CACHED_BLOCK_BYTES)
  /** deletions begun so far: a read that overlapped one may hold bytes of a block now gone, and is not kept */
  let deletions = 0
  const onDisk = async (file: string): Promise<boolean> => await presence.check(file, async () => await access(file).then(() => true, () => false))

  const locate = (cid: CID): { dir: string, file: string } => {
    const name = base32upper.encode(cid.multihash.bytes)
    const dir = path.join(root, name.slice(-2))
    return { dir, file: path.join(dir, name + EXTENSION) }
  }

  /** Writes one block durably except for its directory entry; adds the dirs to fsync to `dirs`. */
  const writeBlock = async (cid: CID, bytes: Uint8Array, dirs: Set<string>, opts: DurablePutOptions): Promise<void> => {
    opts.signal?.throwIfAborted()
    const { dir, file } = locate(cid)
    if (!durableDirs.has(dir)) {
      await mkdir(dir, { recursive: true })
      dirs.add(root)
    }
    dirs.add(dir)
    // content-addressed: an existing file already holds these bytes (it was renamed in whole)
    if (await onDisk(file)) {
      opts.onWritten?.()
      await opts.renameAfter
      return
    }
    const tmp = `${file}.${randomBytes(6).toString('hex')}.tmp`
    const handle = await open(tmp, 'wx')
    let kept: Uint8Array | undefined
    try {
      try {
        await writeAll(handle, bytes)
        // copied before the writer may reuse its buffer
        kept = cache.fits(bytes.byteLength) ? copyOf(bytes) : undefined
        opts.onWritten?.()
        await handle.sync()
      } finally {
        await handle.close()
      }
      await opts.renameAfter
      opts.signal?.throwIfAborted()
    } catch (err) {
      await unlink(tmp).catch(() => {})
      throw err
    }
    await rename(tmp, file)
    presence.added(file)
    if (kept !== undefined) cache.set(file, kept)
  }

  const fsyncDir = createGroupFsync(fsyncPath)
  const syncDirs = async (dirs: Set<string>): Promise<void> => {
    // the shard dirs first, then the root that names any new shard dir
    const shards = [...dirs].filter(d => d !== root)
    await Promise.all(shards.map(fsyncDir))
    if (!dirs.has(root)) return
    await fsyncDir(root)
    for (const shard of shards) durableDirs.add(shard)
  }

  const readBlock = async (cid: CID, opts: Signal = {}): Promise<Uint8Array> => {
    const { file } = locate(cid)
    const cached = cache.get(file)
    if (cached !== undefined) return cached
    const before = deletions
    try {
      const bytes = await readFile(file, { signal: opts.signal })
      if (deletions === before && cache.fits(bytes.byteLength)) cache.set(file, copyOf(bytes))
      return bytes
    } catch (err) {
      if (isErrno(err, 'ENOENT')) throw new BlockNotFoundError(`block ${cid.toString()} not found`)
      throw err
    }
  }

  return {
    path: root,
    async open () {
      await mkdir(root, { recursive: true })
      // the root (which may be new) and its entry in the parent are durable before any block is acknowledged;
      // every shard named in a synced root is durable too
      await fsyncPath(path.dirname(root))
      await fsyncPath(root)
      for (const shard of await readdir(root)) {
        const dir = path.join(root, shard)
        const files = await readdir(dir).catch(() => undefined)
        if (files === undefined) continue
        durableDirs.add(dir)
        // temp files are what a crash between write and rename leaves; nothing refers to them
        await Promise.all(files.filter(f => f.endsWith('.tmp')).map(async f => unlink(path.join(dir, f))))
      }
    },
    async close () {},

    async put (cid, value, opts = {}) {
      const dirs = new Set<string>()
      await writeBlock(cid, await collect(value), dirs, opts)
      await syncDirs(dirs)
      return cid
    },

    async * putMany (source, opts = {}) {
      const dirs = new Set<string>()
      const done: CID[] = []
      const inflight = new Set<Promise<void>>()
      let failure: { err: unknown } | undefined
      try {
        for await (const { cid, bytes } of source) {
          if (failure !== undefined) break
          const task: Promise<void> = collect(bytes)
            .then(b => writeBlock(cid, b, dirs, opts))
            .then(() => { done.push(cid) }, (err: unknown) => { failure ??= { err } })
            .finally(() => inflight.delete(task))
          inflight.add(task)
          if (inflight.size >= concurrency) await Promise.race(inflight)
        }
      } finally {
        // also when the source throws: no write is left running behind the caller's back
        await Promise.all(inflight)
      }
      if (failure !== undefined) throw failure.err
      opts.signal?.throwIfAborted()
      await syncDirs(dirs)
      // acknowledged only now that every file and directory entry is on disk
      yield * done
    },

    async * get (cid, opts = {}) {
      yield await readBlock(cid, opts)
    },

    async * getMany (source, opts = {}) {
      for await (const cid of source) {
        yield { cid, bytes: (async function * () { yield await readBlock(cid, opts) })() }
      }
    },

    async has (cid) {
      return await onDisk(locate(cid).file)
    },

    async delete (cid) {
      const { file } = locate(cid)
      presence.removed(file, false)
      deletions++
      cache.delete(file)
      await unlink(file).catch((err: unknown) => {
        if (!isErrno(err, 'ENOENT')) throw err
      })
      presence.removed(file, true)
    },

    async * deleteMany (source, opts = {}) {
      for await (const cid of source) {
        opts.signal?.throwIfAborted()
        await this.delete(cid)
        yield cid
      }
    },

    async * getAll (opts = {}): AsyncGenerator<Pair> {
      const shards = await readdir(root).catch(() => [] as string[])
      for (const shard of shards) {
        const files = await readdir(path.join(root, shard)).catch(() => [] as string[])
        for (const name of files) {
          if (!name.endsWith(EXTENSION)) continue
          opts.signal?.throwIfAborted()
          // stored by multihash only; report it under a raw CID
          const cid = CID.createV1(raw.code, Digest.decode(base32upper.decode(name.slice(0, -EXTENSION.length))))
          yield { cid, bytes: (async function * () { yield await readBlock(cid, opts) })() }
        }
      }
    }
  }
}

/** Reads a whole block from any v7 blockstore (whose get streams). */
export async function getBlock (blockstore: Blockstore, cid: CID, options: Signal = {}): Promise<Uint8Array> {
  const parts: Uint8Array[] = []
  for await (const part of blockstore.get(cid, options)) parts.push(part)
  return parts.length === 1 ? parts[0] as Uint8Array : Buffer.concat(parts)
}
