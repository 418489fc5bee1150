/**
 * The native Keccak-256 a supernode passes to the protocol answers as noble's (the browser's) does, at
 * every length around the sponge's rate and for the protocol's vectors; an addon that does not load, or
 * answers otherwise, leaves the node on noble's with a warning.
 */
import { randomBytes } from 'node:crypto'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import tap from 'tap'
import { keccak_256 } from '@noble/hashes/sha3.js'
import { bytesToHex } from '#protocol/eip712-hash.js'
import { keccak256, scanJobId, useKeccak256 } from '#protocol/index.ts'
import type { Hex, ScanJob } from '#protocol/index.ts'
import { loadNativeKeccak, useNativeKeccak } from '../../src/crypto/native-keccak.ts'

const loaded = loadNativeKeccak()
if (loaded instanceof Error) throw loaded
const native = loaded

const hex = (b: Uint8Array): string => Buffer.from(b).toString('hex')
const vectorOf = <T>(name: string): T => JSON.parse(readFileSync(join(import.meta.dirname, `../../../protocol/test/vectors/${name}.json`), 'utf8')) as T

tap.test('answers as noble at every length up to three blocks of the rate, and for random inputs', async (t) => {
  // 136 bytes is Keccak-256's rate: the padding lands in the same block, the next, or a block of its own
  for (let n = 0; n <= 3 * 136 + 1; n++) {
    const bytes = new Uint8Array(n).map((_, i) => (i * 31 + n) & 0xff)
    if (hex(native(bytes)) !== hex(keccak_256(bytes))) t.fail(`length ${n}`)
  }
  for (let i = 0; i < 200; i++) {
    const bytes = randomBytes(Math.floor(Math.random() * 5000))
    if (hex(native(bytes)) !== hex(keccak_256(bytes))) t.fail(`random input of ${bytes.length} bytes`)
  }
  t.equal(hex(native(new Uint8Array(0))), 'c5d2460186f7233c927e7db2dcc703c0e500b653ca82273b7bfad8045d85a470', 'the empty string')
  t.pass('410 lengths and 200 random inputs')
})

tap.test('answers a plain Uint8Array of 32 bytes, its own each time, for any view it is given', async (t) => {
  const a = native(new TextEncoder().encode('a'))
  const b = native(new TextEncoder().encode('b'))
  t.equal(a.constructor, Uint8Array)
  t.equal(a.byteLength, 32)
  t.not(hex(a), hex(b), 'the second hash did not overwrite the first')
  const backing = randomBytes(100)
  const view = new Uint8Array(backing.buffer, backing.byteOffset + 7, 50)
  t.equal(hex(native(view)), hex(keccak_256(view)), 'a view at an offset hashes its own bytes only')
})

tap.test('the protocol\'s job id vector holds over the native hash', async (t) => {
  const vector = vectorOf<{ job: ScanJob, jobId: Hex }>('scan-job')
  const { chainId, registry } = vectorOf<{ chainId: number, registry: Hex }>('keys')
  t.teardown(() => { useKeccak256(keccak_256) })
  useKeccak256(native)
  t.equal(scanJobId(vector.job, chainId, registry), vector.jobId)
  t.equal(bytesToHex(keccak256(new Uint8Array([1, 2, 3]))), bytesToHex(keccak_256(new Uint8Array([1, 2, 3]))))
})

tap.test('an addon that does not load, exports junk, throws or hashes otherwise leaves the node on noble\'s, with one warning', async (t) => {
  t.teardown(() => { useKeccak256(keccak_256) })
  class Wrong {
    initialize (): void {}
    absorb (): void {}
    absorbLastFewBits (): void {}
    squeeze (n: number): Uint8Array { return new Uint8Array(n) }
  }
  class Throws extends Wrong { override absorb (): void { throw new TypeError('not a buffer') } }
  const loads: Array<[string, () => unknown]> = [
    ['missing', () => { throw new Error('Cannot find module') }],
    ['not a constructor', () => ({})],
    ['throws while hashing', () => Throws],
    ['hashes otherwise', () => Wrong]
  ]
  for (const [name, load] of loads) {
    t.type(loadNativeKeccak(load), Error, name)
    const warnings: unknown[] = []
    t.equal(useNativeKeccak({ warn: (...args: unknown[]) => { warnings.push(args) } }, load), 'noble', name)
    t.equal(warnings.length, 1, `${name}: warned once`)
    t.equal(hex(keccak256(new Uint8Array([9]))), hex(keccak_256(new Uint8Array([9]))), `${name}: the protocol still hashes right`)
  }
  t.equal(useNativeKeccak({ warn: () => { t.fail('no warning when the addon loads') } }), 'native')
})
