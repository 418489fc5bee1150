import { randomBytes } from 'node:crypto'
import { lstat, mkdir, readdir, readFile, rm, writeFile } from 'node:fs/promises'
import { join, relative } from 'node:path'
import { promisify } from 'node:util'
import { gunzip } from 'node:zlib'
import tarStream from 'tar-stream'
import yauzl from 'yauzl'
import { detectFileType } from './file-type.ts'
import { runProcess } from './run-process.ts'
import type { CreateScanner, WorkerScanner } from './worker-protocol.ts'
import type { Readable } from 'node:stream'

export interface ArchiveLimits {
  /** archives inside archives, counting the sample itself as depth 1 */
  maxDepth: number
  /** bytes produced across every member at every depth */
  maxTotalBytes: number
  /** expanded bytes per byte of the sample; over this (past ratioFloorBytes) is a bomb */
  maxRatio: number
  ratioFloorBytes: number
  maxMembers: number
}

export const DEFAULT_ARCHIVE_LIMITS: ArchiveLimits = {
  maxDepth: 4,
  maxTotalBytes: 128 * 1024 * 1024,
  maxRatio: 200,
  ratioFloorBytes: 16 * 1024 * 1024,
  maxMembers: 2000
}

export type ArchiveLimit = 'depth' | 'total-size' | 'ratio' | 'members'

export interface ArchiveMember {
  /** "outer/inner.zip/file.exe" */
  path: string
  bytes: Uint8Array
  fileType: string
}

export interface Expansion {
  format: string | undefined
  members: ArchiveMember[]
  /** the first limit that stopped the expansion, if any */
  limit?: ArchiveLimit
  /** members skipped (encrypted, unreadable) and container errors, bounded */
  notes: string[]
}

export type ArchiveFormat = 'zip' | 'gzip' | 'tar' | '7z'

export function archiveFormat (bytes: Uint8Array): ArchiveFormat | undefined {
  const type = detectFileType(bytes.subarray(0, 64))
  if (type === 'ZIP') return 'zip'
  if (type === 'GZIP') return 'gzip'
  if (type === '7Z') return '7z'
  // POSIX/GNU tar: "ustar" at 257
  if (bytes.length >= 512 && Buffer.from(bytes.buffer, bytes.byteOffset + 257, 5).toString('latin1') === 'ustar') return 'tar'
  return undefined
}

class LimitHit extends Error {
  readonly limit: ArchiveLimit
  constructor (limit: ArchiveLimit) {
    super(`archive limit: ${limit}`)
    this.limit = limit
  }
}

/** the running totals of one expansion, shared by every level */
class Budget {
  readonly limits: ArchiveLimits
  readonly sampleSize: number
  total = 0
  members = 0
  constructor (limits: ArchiveLimits, sampleSize: number) {
    this.limits = limits
    this.sampleSize = sampleSize
  }

  /** charges n more bytes; throws LimitHit when the total or the ratio runs over */
  charge (n: number): void {
    this.total += n
    if (this.total > this.limits.ratioFloorBytes && this.total > this.limits.maxRatio * Math.max(1, this.sampleSize)) throw new LimitHit('ratio')
    if (this.total > this.limits.maxTotalBytes) throw new LimitHit('total-size')
  }

  /** what is left before a limit, for decoders that take an output cap */
  remaining (): number {
    const ratioCap = Math.max(this.limits.ratioFloorBytes, this.limits.maxRatio * Math.max(1, this.sampleSize))
    return Math.max(0, Math.min(this.limits.maxTotalBytes, ratioCap) - this.total)
  }

  member (): void {
    if (++this.members > this.limits.maxMembers) throw new LimitHit('members')
  }
}

async function readCapped (stream: Readable, budget: Budget): Promise<Buffer> {
  const chunks: Buffer[] = []
  try {
    for await (const chunk of stream) {
      budget.charge((chunk as Buffer).length)
      chunks.push(chunk as Buffer)
    }
  } finally {
    stream.destroy()
  }
  return Buffer.concat(chunks)
}

type Found = Array<{ name: string, bytes: Buffer }>

async function expandZip (bytes: Uint8Array, budget: Budget, notes: string[]): Promise<Found> {
  const zip = await new Promise<yauzl.ZipFile>((resolve, reject) => {
    yauzl.fromBuffer(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length), { lazyEntries: true, validateEntrySizes: true, strictFileNames: false, decodeStrings: true }, (err, file) => {
      if (err != null) reject(err)
      else resolve(file)
    })
  })
  const out: Found = []
  try {
    await new Promise<void>((resolve, reject) => {
      zip.on('error', reject)
      zip.on('end', () => { resolve() })
      zip.on('entry', (entry: yauzl.Entry) => {
        void (async () => {
          if (entry.fileName.endsWith('/')) { zip.readEntry(); return }
          budget.member()
          if (entry.isEncrypted()) { notes.push(`encrypted: ${entry.fileName}`); zip.readEntry(); return }
          // a declared size alone can already prove a bomb, before any inflating
          if (entry.uncompressedSize > budget.remaining()) budget.charge(entry.uncompressedSize)
          const stream = await promisify(zip.openReadStream.bind(zip))(entry)
          out.push({ name: entry.fileName, bytes: await readCapped(stream, budget) })
          zip.readEntry()
        })().catch(reject)
      })
      zip.readEntry()
    })
  } finally {
    zip.close()
  }
  return out
}

async function expandGzip (bytes: Uint8Array, budget: Budget): Promise<Found> {
  const cap = budget.remaining()
  let out: Buffer
  try {
    out = await promisify(gunzip)(bytes, { maxOutputLength: Math.max(1, cap) })
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ERR_BUFFER_TOO_LARGE') budget.charge(cap + 1)
    throw err
  }
  budget.charge(out.length)
  return [{ name: 'gzip-content', bytes: out }]
}

async function expandTar (bytes: Uint8Array, budget: Budget, notes: string[]): Promise<Found> {
  const extract = tarStream.extract()
  const out: Found = []
  const done = (async () => {
    for await (const entry of extract) {
      const header = entry.header
      if (header.type !== 'file' && header.type !== 'contiguous-file') { entry.resume(); continue }
      budget.member()
      if ((header.size ?? 0) > budget.remaining()) budget.charge(header.size ?? 0)
      out.push({ name: header.name, bytes: await readCapped(entry as unknown as Readable, budget) })
    }
  })()
  extract.end(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length))
  try {
    await done
  } catch (err) {
    if (err instanceof LimitHit) throw err
    notes.push(`tar: ${(err as Error).message}`)
  }
  return out
}

/** 7z: `7z l -slt` lists declared sizes (LZMA decoders stop at them), then `7z x` into a private directory */
async function expand7z (bytes: Uint8Array, budget: Budget, notes: string[], tmpDir: string, sevenZip: string, timeoutMs: number): Promise<Found> {
  const work = join(tmpDir, `7z-${randomBytes(8).toString('hex')}`)
  await mkdir(join(work, 'out'), { recursive: true, mode: 0o700 })
  try {
    const file = join(work, 'sample.7z')
    await writeFile(file, bytes, { mode: 0o600, flag: 'wx' })
    // -p: a wrong password, so an encrypted archive fails instead of prompting
    const list = await runProcess(sevenZip, ['l', '-slt', '-ba', '-pvirusmap', '--', file], { timeoutMs, maxOutputBytes: 16 * 1024 * 1024 })
    if (list.status !== 'exited' || list.code !== 0) { notes.push(`7z list: ${list.status} ${list.code} ${list.stdout.slice(-200)}`); return [] }
    let declared = 0
    for (const block of list.stdout.split(/\n\s*\n/)) {
      if (!/^Path = /m.test(block) || /^Folder = \+/m.test(block) || /^Attributes = D/m.test(block)) continue
      budget.member()
      declared += Number(/^Size = (\d+)/m.exec(block)?.[1] ?? 0)
    }
    if (declared > budget.remaining()) budget.charge(declared)
    const run = await runProcess(sevenZip, ['x', '-y', '-bd', '-pvirusmap', `-o${join(work, 'out')}`, '--', file], { timeoutMs, maxOutputBytes: 4 * 1024 * 1024 })
    if (run.status !== 'exited' || run.code !== 0) notes.push(`7z extract: ${run.status} ${run.code}`)
    const out: Found = []
    const walk = async (dir: string): Promise<void> => {
      for (const name of await readdir(dir)) {
        const path = join(dir, name)
        const info = await lstat(path)
        if (info.isDirectory()) await walk(path)
        else if (info.isFile()) {
          budget.charge(info.size)
          out.push({ name: relative(join(work, 'out'), path), bytes: await readFile(path) })
        }
      }
    }
    await walk(join(work, 'out'))
    return out
  } finally {
    await rm(work, { recursive: true, force: true })
  }
}

export interface ExpandOptions {
  limits: ArchiveLimits
  tmpDir: string
  sevenZipPath: string
  /** per 7z child */
  timeoutMs: number
}

/**
 * Every file inside a zip/tar/gzip/7z sample, recursively, within the limits. Members are held
 * in memory (zip, tar, gzip never touch the disk; 7z extracts into a private temp directory),
 * and every byte produced is charged to one budget, so a bomb stops at the first limit it hits
 * and that limit is reported instead of the process running out of memory.
 */
export async function expandArchive (bytes: Uint8Array, options: ExpandOptions): Promise<Expansion> {
  const budget = new Budget(options.limits, bytes.length)
  const notes: string[] = []
  const members: ArchiveMember[] = []
  const top = archiveFormat(bytes)
  let limit: ArchiveLimit | undefined

  async function visit (data: Uint8Array, prefix: string, depth: number): Promise<void> {
    const format = archiveFormat(data)
    if (format === undefined) return
    if (depth > options.limits.maxDepth) throw new LimitHit('depth')
    let found: Found
    try {
      // yauzl inflates Deflate and Store; zips using bzip2, implode, LZMA... go to 7-Zip
      if (format === 'zip') found = await expandZip(data, budget, notes).catch(async (err: unknown) => {
        if (!/unsupported compression method/.test((err as Error).message)) throw err
        return await expand7z(data, budget, notes, options.tmpDir, options.sevenZipPath, options.timeoutMs)
      })
      else if (format === 'gzip') found = await expandGzip(data, budget)
      else if (format === 'tar') found = await expandTar(data, budget, notes)
      else found = await expand7z(data, budget, notes, options.tmpDir, options.sevenZipPath, options.timeoutMs)
    } catch (err) {
      if (err instanceof LimitHit) throw err
      notes.push(`${prefix || 'sample'}: ${format}: ${(err as Error).message}`.slice(0, 300))
      return
    }
    for (const f of found) {
      const path = `${prefix}${f.name}`.slice(0, 1024)
      members.push({ path, bytes: f.bytes, fileType: detectFileType(f.bytes) })
      await visit(f.bytes, `${path}/`, depth + 1)
    }
  }

  try {
    await visit(bytes, '', 1)
  } catch (err) {
    if (!(err instanceof LimitHit)) throw err
    limit = err.limit
  }
  return { format: top, members, ...(limit !== undefined ? { limit } : {}), notes: notes.slice(0, 50) }
}

export interface ArchiveScannerOptions extends ExpandOptions {}

/**
 * The worker side of the archive engine: the verdict is about the container (a bomb is
 * suspicious, named by the limit it hit); the detail carries the members for the other engines.
 */
export const createScanner: CreateScanner<ArchiveScannerOptions, Expansion> = async (options) => {
  await mkdir(options.tmpDir, { recursive: true, mode: 0o700 })
  const scanner: WorkerScanner<Expansion> = {
    version: '1.0.0',
    signatureDate: () => '20261123',
    async scan (bytes) {
      if (archiveFormat(bytes) === undefined) return { category: 'type-unsupported', result: '' }
      const expansion = await expandArchive(bytes, options)
      if (expansion.limit === 'ratio') return { category: 'suspicious', result: 'Archive.Bomb.CompressionRatio', detail: expansion }
      if (expansion.limit === 'depth') return { category: 'suspicious', result: 'Archive.Nesting.TooDeep', detail: expansion }
      return { category: 'undetected', result: '', detail: expansion }
    }
  }
  return scanner
}
