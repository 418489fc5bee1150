import tap from 'tap'
import { fuzzyDistance, isFuzzy, parseFuzzy } from '#protocol/rewards/fuzzy.ts'
import { TLSH_MAX_BYTES, TLSH_MIN_BYTES, tlsh } from '../../src/scan/tlsh.ts'
import { mutants, realFile } from './tlsh-helpers.ts'

/** a deterministic input of any length with enough variance for TLSH */
const generated = (n: number): Uint8Array => Uint8Array.from({ length: n }, (_, i) => (i * i * 31 + i * 17 + (i >> 4)) % 251)

// TLSH 4.12.1 (trendmicro/tlsh 188c9c8, tlsh_unittest built with BUCKETS_128 CHECKSUM_1B): the T1
// reference, including the 50-255 byte inputs Debian's 3.4 (which needs 256) cannot digest
const REFERENCE: Array<[number, string]> = [
  [50, 'T110900241C98484AE5608084006991048D622D89242404833570C8042C0742885C4E42C'],
  [51, 'T169900241C98484AE5608084006991048D622D89242404833571C8042C0742885C4E42C'],
  [100, 'T157B01245D7C4605B960844CC0AAA10089911D8920280CC325B0EC441C079388E84E87D'],
  [255, 'T148D09559DE9CD44A468546452EA9910E6411CCC55791EC10EF18CC5500695D0E49843C'],
  [256, 'T187D09559DE9CD44A468546452EA9A10E6412CCC55791EC10EF18CC5500795D0E49843C'],
  [4096, 'T13B815D1ACC8770F62B45474EEF56FE601C70CD04EE44E835AB2CA02246656AB89EED98']
]

tap.test('tlsh: the reference T1 digests, 50 bytes and up', async t => {
  for (const [n, digest] of REFERENCE) t.equal(tlsh(generated(n)), digest, `${n} bytes`)
  t.equal(TLSH_MIN_BYTES, 50)
  const d = tlsh(generated(4096))
  t.ok(isFuzzy(parseFuzzy(d)), 'the protocol reads it as a TLSH digest')
  t.equal(tlsh(generated(4096)), d, 'the same bytes, the same digest')
  const offset = new Uint8Array(5000)
  offset.set(generated(4096), 904)
  t.equal(tlsh(offset.subarray(904)), d, 'a view at an offset into a larger buffer digests its own bytes only')
})

tap.test('tlsh: hostile inputs fail by code', async t => {
  t.throws(() => tlsh(new Uint8Array(0)), { code: 'TLSH_TOO_SHORT' }, 'empty')
  t.throws(() => tlsh(generated(49)), { code: 'TLSH_TOO_SHORT' }, '49 bytes')
  t.throws(() => tlsh(new Uint8Array(1 << 20)), { code: 'TLSH_TOO_LITTLE_VARIANCE' }, '1 MiB of zeros')
  t.throws(() => tlsh(new Uint8Array(4096).fill(0x41)), { code: 'TLSH_TOO_LITTLE_VARIANCE' }, 'one byte repeated')
  t.throws(() => tlsh(Uint8Array.from({ length: 4096 }, (_, i) => i % 3)), { code: 'TLSH_TOO_LITTLE_VARIANCE' }, 'a short cycle fills few buckets')
  // a length past the bound is refused before a byte is read (no 4 GiB buffer needed to show it)
  const huge = { length: TLSH_MAX_BYTES + 1 } as unknown as Uint8Array
  t.throws(() => tlsh(huge), { code: 'TLSH_TOO_LONG' }, 'over 4,224,281,216 bytes')
})

tap.test('tlsh: mutated copies of real files are near, unrelated files are far (the rewards distance)', async t => {
  for (const file of [realFile('elf'), realFile('rule')]) {
    const original = tlsh(file.bytes).toLowerCase()
    for (const [how, bytes] of mutants(file.bytes)) {
      const d = fuzzyDistance(original, tlsh(bytes).toLowerCase())
      t.ok(d <= 30, `${file.name}, ${how}: distance ${d} within the default threshold 30`)
    }
  }
  const d = fuzzyDistance(tlsh(realFile('rule').bytes).toLowerCase(), tlsh(realFile('other-rule').bytes).toLowerCase())
  t.ok(d > 30, `two different rule files: distance ${d}`)
})
