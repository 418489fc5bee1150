import tap from 'tap'
import { createHash } from 'node:crypto'
import { readFileSync } from 'node:fs'
import { gzipSync } from 'node:zlib'
import { createArchiveEngine } from '../../src/scan/archive-engine.ts'
import { withArchiveMembers } from '../../src/scan/archive-members.ts'
import { DEFAULT_ARCHIVE_LIMITS, expandArchive } from '../../src/scan/archive.ts'
import { createHashListEngine } from '../../src/scan/hash-list-engine.ts'
import { TEST_HOOKS } from '../../src/scan/worker-protocol.ts'
import { make7z, makeTar, makeZip, noSevenZip } from './archive-helpers.ts'
import { engineCompliance } from './engine-compliance.ts'
import { CLAMAV_TESTFILES, eicar, input, noClamavTestfiles, silentLogger } from './yara-helpers.ts'
import type { ArchiveLimits } from '../../src/scan/archive.ts'
import type { Test } from 'tap'

const SMALL: ArchiveLimits = { maxDepth: 4, maxTotalBytes: 8 << 20, maxRatio: 100, ratioFloorBytes: 2 << 20, maxMembers: 50 }
const zeros = (n: number): Uint8Array => new Uint8Array(n)
/** 32 MiB of zeros deflate to ~32 KiB: a ratio of ~1000 */
const bomb = (): Buffer => makeZip([{ name: 'zeros.bin', data: zeros(32 << 20) }])
const benignZip = (): Buffer => makeZip([{ name: 'readme.txt', data: Buffer.from('hello\n') }, { name: 'dir/', data: zeros(0), store: true }])

const expand = async (t: Test, bytes: Uint8Array, limits: Partial<ArchiveLimits> = {}) =>
  await expandArchive(bytes, { limits: { ...SMALL, ...limits }, tmpDir: `${t.testdirName}-7z`, sevenZipPath: '7z', timeoutMs: 30_000 })

tap.test('archive engine passes the engine compliance test', async t => {
  const tmpDir = t.testdir({})
  engineCompliance(t, {
    create: () => createArchiveEngine({ timeoutMs: 30_000, tmpDir, limits: SMALL, logger: silentLogger }),
    detected: input(bomb()),
    clean: input(benignZip()),
    misbehaving: {
      create: () => createArchiveEngine({ timeoutMs: 1500, tmpDir, limits: SMALL, logger: silentLogger, testHooks: true }),
      slow: input(TEST_HOOKS.hang),
      crash: input(TEST_HOOKS.crash)
    }
  })
})

tap.test('zip, tar, gzip, tar.gz and nested members', async t => {
  const tar = await makeTar([{ name: 'a/eicar.com', data: Buffer.from(eicar()) }, { name: 'b.txt', data: Buffer.from('b') }])
  const e1 = await expand(t, makeZip([{ name: 'x.txt', data: Buffer.from('x') }, { name: 'inner.tar.gz', data: gzipSync(tar), store: true }]))
  t.equal(e1.format, 'zip')
  t.same(e1.members.map(m => m.path), ['x.txt', 'inner.tar.gz', 'inner.tar.gz/gzip-content', 'inner.tar.gz/gzip-content/a/eicar.com', 'inner.tar.gz/gzip-content/b.txt'])
  t.equal(e1.limit, undefined)
  t.equal(Buffer.from(e1.members[3]?.bytes ?? []).toString('latin1'), eicar())

  const plain = await expand(t, Buffer.from('not an archive'))
  t.same([plain.format, plain.members], [undefined, []], 'a non-archive has no members')
})

tap.test('7z members', { skip: noSevenZip }, async t => {
  const e = await expand(t, make7z([{ name: 'eicar.com', data: Buffer.from(eicar()) }, { name: 'zeros', data: zeros(1000) }]))
  t.equal(e.format, '7z')
  t.same(e.members.map(m => m.path).toSorted(), ['eicar.com', 'zeros'])
  const bomb7z = await expand(t, make7z([{ name: 'zeros', data: zeros(16 << 20) }]))
  t.equal(bomb7z.limit, 'ratio', 'a 7z bomb is stopped by its declared size before extraction')
  t.same(bomb7z.members, [])
})

tap.test('bombs and hostile archives hit a limit, never the heap', async t => {
  const b = await expand(t, bomb())
  t.equal(b.limit, 'ratio', 'zip bomb')
  t.same(b.members, [], 'the bomb member is not kept')

  const lying = await expand(t, makeZip([{ name: 'small.txt', data: zeros(32 << 20), declaredSize: 10 }]))
  t.match(lying.notes[0], /too many bytes/, 'a zip that under-declares its size is stopped while inflating')
  t.same(lying.members, [])

  const gz = await expand(t, gzipSync(zeros(32 << 20)))
  t.equal(gz.limit, 'ratio', 'gzip bomb')

  // 42.zip-like: each level holds many copies of the level below
  let level: Buffer = makeZip([{ name: 'z', data: zeros(1 << 20) }])
  for (let i = 0; i < 3; i++) level = makeZip(Array.from({ length: 16 }, (_, j) => ({ name: `l${i}-${j}.zip`, data: level, store: true })))
  const nested = await expand(t, level, { maxTotalBytes: 512 << 20, ratioFloorBytes: 4 << 20, maxMembers: 100_000 })
  t.equal(nested.limit, 'ratio', 'recursive bomb')

  let deep: Buffer = makeZip([{ name: 'eicar.com', data: Buffer.from(eicar()) }])
  for (let i = 0; i < 6; i++) deep = makeZip([{ name: `d${i}.zip`, data: deep }])
  t.equal((await expand(t, deep)).limit, 'depth', 'nesting past maxDepth')

  const many = makeZip(Array.from({ length: 60 }, (_, i) => ({ name: `f${i}`, data: Buffer.from(String(i)) })))
  t.equal((await expand(t, many)).limit, 'members', 'member count')

  const big = makeZip(Array.from({ length: 10 }, (_, i) => ({ name: `r${i}`, data: Buffer.from(Array.from({ length: 1 << 20 }, () => Math.floor(Math.random() * 256))) })))
  t.equal((await expand(t, big)).limit, 'total-size', 'incompressible data past the total size')

  for (const junk of [Buffer.from('PK\x03\x04' + 'x'.repeat(100)), Buffer.concat([Buffer.from([0x1f, 0x8b]), Buffer.alloc(100, 7)]), Buffer.concat([Buffer.from('7z\xbc\xaf\x27\x1c', 'latin1'), Buffer.alloc(200, 1)]), bomb().subarray(0, 5000)]) {
    const e = await expand(t, junk)
    t.ok(e.notes.length > 0 && e.members.length === 0, `malformed ${e.format}: ${e.notes[0]}`)
  }
  t.ok(DEFAULT_ARCHIVE_LIMITS.maxTotalBytes >= 64 << 20, 'defaults leave room for ordinary archives')
})

tap.test('engines see inside archives through withArchiveMembers', async t => {
  const sha = createHash('sha256').update(eicar()).digest('hex')
  const dir = t.testdir({ 'feed.txt': `${sha} EICAR.Hash\n`, tmp: {} })
  const archives = createArchiveEngine({ timeoutMs: 30_000, tmpDir: `${dir}/tmp`, limits: SMALL, logger: silentLogger })
  const hashes = withArchiveMembers(createHashListEngine({ feeds: [`${dir}/feed.txt`], timeoutMs: 30_000, logger: silentLogger }), archives, { logger: silentLogger })
  await Promise.all([archives.start(), hashes.start()])
  t.teardown(async () => { await Promise.all([archives.stop(), hashes.stop()]) })

  const tgz = gzipSync(await makeTar([{ name: 'x/eicar.com', data: Buffer.from(eicar()) }]))
  for (const [name, bytes] of [['zip', makeZip([{ name: 'eicar.com', data: Buffer.from(eicar()) }])], ['tar.gz', tgz]] as const) {
    const sample = input(bytes)
    const [r, a] = await Promise.all([hashes.scan(sample), archives.scan(sample)])
    t.same([r.category, r.result], ['malicious', 'EICAR.Hash'], `hash list finds EICAR inside ${name}`)
    t.equal(a.category, 'undetected', 'the archive engine itself has nothing against it')
  }
  const bombSample = input(bomb())
  const [r, a] = await Promise.all([hashes.scan(bombSample), archives.scan(bombSample)])
  t.same([a.category, a.result], ['suspicious', 'Archive.Bomb.CompressionRatio'], 'the bomb is a clear result')
  t.equal(r.category, 'undetected', 'other engines scan what was expanded within limits and carry on')
  t.equal((await archives.scan(input('plain text'))).category, 'type-unsupported', 'not an archive')
})

tap.test('ClamAV test archives expand', { skip: noClamavTestfiles || noSevenZip }, async t => {
  for (const name of ['clam.zip', 'clam.7z', 'clam.tar.gz', 'clam.bz2.zip', 'clam.impl.zip']) {
    const e = await expand(t, readFileSync(`${CLAMAV_TESTFILES}/${name}`))
    t.ok(e.members.some(m => m.path.toLowerCase().endsWith('clam.exe') && m.fileType === 'PE32'), `${name}: ${e.members.map(m => m.path).join(', ')}`)
  }
})
