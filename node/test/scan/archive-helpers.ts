import { spawnSync } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { crc32, deflateRawSync } from 'node:zlib'
import tarStream from 'tar-stream'

export { noSevenZip } from '../fixtures/system-packages.ts'

export interface ZipEntry {
  name: string
  data: Uint8Array
  /** store instead of deflate */
  store?: boolean
  /** lie about the uncompressed size in both headers */
  declaredSize?: number
}

/** A minimal zip writer (local headers, central directory, EOCD), so tests can craft hostile archives. */
export function makeZip (entries: ZipEntry[]): Buffer {
  const locals: Buffer[] = []
  const centrals: Buffer[] = []
  let offset = 0
  for (const e of entries) {
    const name = Buffer.from(e.name)
    const body = e.store === true ? Buffer.from(e.data) : deflateRawSync(e.data)
    const method = e.store === true ? 0 : 8
    const size = e.declaredSize ?? e.data.length
    const crc = crc32(e.data)
    const local = Buffer.alloc(30)
    local.writeUInt32LE(0x04034b50, 0); local.writeUInt16LE(20, 4); local.writeUInt16LE(method, 8)
    local.writeUInt32LE(crc, 14); local.writeUInt32LE(body.length, 18); local.writeUInt32LE(size, 22); local.writeUInt16LE(name.length, 26)
    const central = Buffer.alloc(46)
    central.writeUInt32LE(0x02014b50, 0); central.writeUInt16LE(20, 4); central.writeUInt16LE(20, 6); central.writeUInt16LE(method, 10)
    central.writeUInt32LE(crc, 16); central.writeUInt32LE(body.length, 20); central.writeUInt32LE(size, 24); central.writeUInt16LE(name.length, 28)
    central.writeUInt32LE(offset, 42)
    locals.push(local, name, body)
    centrals.push(central, name)
    offset += 30 + name.length + body.length
  }
  const cd = Buffer.concat(centrals)
  const end = Buffer.alloc(22)
  end.writeUInt32LE(0x06054b50, 0); end.writeUInt16LE(entries.length, 8); end.writeUInt16LE(entries.length, 10)
  end.writeUInt32LE(cd.length, 12); end.writeUInt32LE(offset, 16)
  return Buffer.concat([...locals, cd, end])
}

export async function makeTar (entries: Array<{ name: string, data: Uint8Array }>): Promise<Buffer> {
  const pack = tarStream.pack()
  for (const e of entries) pack.entry({ name: e.name, size: e.data.length }, Buffer.from(e.data))
  pack.finalize()
  const chunks: Buffer[] = []
  for await (const chunk of pack) chunks.push(chunk as Buffer)
  return Buffer.concat(chunks)
}

/** a .7z holding the given files, built with the 7z CLI */
export function make7z (entries: Array<{ name: string, data: Uint8Array }>): Buffer {
  const dir = mkdtempSync(join(tmpdir(), 'vm-7z-'))
  try {
    for (const e of entries) writeFileSync(join(dir, e.name), e.data)
    const run = spawnSync('7z', ['a', '-bd', '-y', join(dir, 'out.7z'), ...entries.map(e => join(dir, e.name))], { encoding: 'utf8' })
    if (run.status !== 0) throw new Error(`7z a failed: ${run.stderr}`)
    return readFileSync(join(dir, 'out.7z'))
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
}
