import tap from 'tap'
import { spawnSync } from 'node:child_process'
import { readFileSync } from 'node:fs'
import { tlsh } from '../../src/scan/tlsh.ts'
import { noTlsh } from '../fixtures/system-packages.ts'
import { parityFiles } from './tlsh-helpers.ts'

/** Debian's tlsh (3.4.4): "<70 hex>\t<path>" per file it digests; it prints no "T1" and needs 256 bytes */
function debianDigests (files: string[]): Map<string, string> {
  const out = new Map<string, string>()
  for (const file of files) {
    const run = spawnSync('tlsh', ['-f', file], { encoding: 'utf8' })
    const m = /^([0-9A-F]{70})\t/.exec(run.stdout)
    if (m !== null) out.set(file, `T1${m[1] as string}`)
  }
  return out
}

tap.test('the TypeScript TLSH gives Debian tlsh\'s digest for every file of the corpus', { skip: noTlsh }, async t => {
  const files = parityFiles()
  const native = debianDigests(files)
  t.ok(native.size >= 50, `Debian tlsh digested ${native.size} of ${files.length} files (at least 50)`)
  let same = 0
  for (const [file, digest] of native) {
    const ours = tlsh(readFileSync(file))
    if (ours === digest) same++
    else t.equal(ours, digest, file)
  }
  t.equal(same, native.size, `${same} of ${native.size} digests byte-identical`)
  t.ok(files.some(f => f.endsWith('.node')) && files.some(f => f.endsWith('.yara')), 'binaries and text both')
})
