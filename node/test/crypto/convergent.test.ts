import { randomBytes } from 'node:crypto'
import tap from 'tap'
import { CID } from 'multiformats/cid'
import * as json from 'multiformats/codecs/json'
import * as raw from 'multiformats/codecs/raw'
import {
  CHUNK_SIZE, TAG_BYTES, decodeManifest, decryptSample, deriveContentKey, encodeManifest, encryptSample, sha256Cid, createSampleDigester
} from '../../src/crypto/index.ts'
import type { SampleBlock, SampleManifest } from '../../src/crypto/index.ts'

function chunksOf (bytes: Uint8Array): Uint8Array[] {
  const out: Uint8Array[] = []
  for (let o = 0; o < bytes.byteLength; o += CHUNK_SIZE) out.push(bytes.subarray(o, o + CHUNK_SIZE))
  return out
}

function seal (plaintext: Uint8Array): { key: Uint8Array, blocks: SampleBlock[], cid: CID, store: Map<string, Uint8Array> } {
  const key = deriveContentKey(plaintext)
  const blocks = [...encryptSample(chunksOf(plaintext), plaintext.byteLength, key)]
  const store = new Map(blocks.map(b => [b.cid.toString(), b.bytes]))
  return { key, blocks, cid: (blocks.at(-1) as SampleBlock).cid, store }
}

const getter = (store: Map<string, Uint8Array>) => async (cid: CID): Promise<Uint8Array> => {
  const bytes = store.get(cid.toString())
  if (bytes === undefined) throw new Error('missing')
  return bytes
}

function manifestOf (s: ReturnType<typeof seal>): SampleManifest {
  return decodeManifest(s.store.get(s.cid.toString()) as Uint8Array)
}

/** Stores a forged manifest next to the real blocks and returns its CID. */
function forge (s: ReturnType<typeof seal>, m: SampleManifest): CID {
  const { cid, bytes } = encodeManifest(m)
  s.store.set(cid.toString(), bytes)
  return cid
}

const enc = (v: unknown): Uint8Array => new TextEncoder().encode(JSON.stringify(v))

const plain = randomBytes(2 * CHUNK_SIZE + 12345)

tap.test('round trip over several sizes, including empty and exact chunk multiples', async t => {
  for (const size of [0, 1, 100, CHUNK_SIZE - 1, CHUNK_SIZE, CHUNK_SIZE + 1, 2 * CHUNK_SIZE]) {
    const bytes = randomBytes(size)
    const s = seal(bytes)
    t.equal(s.cid.code, json.code)
    t.equal(s.blocks.length, Math.max(1, Math.ceil(size / CHUNK_SIZE)) + 1, `blocks for ${size}`)
    for (const b of s.blocks.slice(0, -1)) {
      t.equal(b.cid.code, raw.code)
      t.ok(b.cid.equals(sha256Cid(raw.code, b.bytes)))
    }
    const out = await decryptSample(s.cid, s.key, getter(s.store))
    t.same(Buffer.from(out), bytes, `round trip ${size}`)
  }
})

tap.test('digester matches one-shot derivation and hashes', async t => {
  const d = createSampleDigester()
  for (const c of chunksOf(plain)) d.update(c)
  const got = d.digest()
  t.same(got.contentKey, deriveContentKey(plain))
  t.equal(got.size, plain.byteLength)
  t.match(got.sha256, /^0x[0-9a-f]{64}$/)
  t.match(got.sha1, /^0x[0-9a-f]{40}$/)
  t.match(got.md5, /^0x[0-9a-f]{32}$/)
  t.not(got.sha256.slice(2), Buffer.from(got.contentKey).toString('hex'), 'content key is not the public sha256')
})

tap.test('convergence: same plaintext -> same CID, different -> different', async t => {
  const a = seal(plain)
  const b = seal(Buffer.from(plain))
  t.ok(a.cid.equals(b.cid))
  const other = Buffer.from(plain)
  other.writeUInt8(other.readUInt8(other.length - 1) ^ 1, other.length - 1)
  t.notOk(seal(other).cid.equals(a.cid))
})

tap.test('tampered chunk fails authentication', async t => {
  const s = seal(plain)
  const first = s.blocks[0] as SampleBlock
  const bad = Buffer.from(first.bytes)
  bad.writeUInt8(bad.readUInt8(10) ^ 0x80, 10)
  s.store.set(first.cid.toString(), bad)
  await t.rejects(decryptSample(s.cid, s.key, getter(s.store)), { code: 'DECRYPTION_FAILED' })
})

tap.test('wrong key fails', async t => {
  const s = seal(plain)
  await t.rejects(decryptSample(s.cid, randomBytes(32), getter(s.store)), { code: 'DECRYPTION_FAILED' })
  await t.rejects(decryptSample(s.cid, randomBytes(16), getter(s.store)), { code: 'DECRYPTION_FAILED' })
})

tap.test('reordered chunks fail', async t => {
  const s = seal(plain)
  const m = manifestOf(s)
  const [c0, c1, c2] = m.chunks as [CID, CID, CID]
  // same-length chunks swapped: lengths check out, the nonce index does not
  const cid = forge(s, { ...m, chunks: [c1, c0, c2] })
  await t.rejects(decryptSample(cid, s.key, getter(s.store)), { code: 'DECRYPTION_FAILED' })
})

tap.test('truncation fails: dropping the final chunk, or claiming a shorter size', async t => {
  const s = seal(plain)
  const m = manifestOf(s)
  const dropped = forge(s, { ...m, size: 2 * CHUNK_SIZE, chunks: m.chunks.slice(0, 2) })
  await t.rejects(decryptSample(dropped, s.key, getter(s.store)), { code: 'DECRYPTION_FAILED' }, 'no last-chunk flag')
  const shorter = forge(s, { ...m, size: m.size - 1 })
  await t.rejects(decryptSample(shorter, s.key, getter(s.store)), { code: 'DECRYPTION_FAILED' }, 'size mismatch')
  const truncatedBlock = Buffer.from(s.store.get((m.chunks[2] as CID).toString()) as Uint8Array).subarray(0, 100)
  s.store.set((m.chunks[2] as CID).toString(), truncatedBlock)
  await t.rejects(decryptSample(s.cid, s.key, getter(s.store)), { code: 'DECRYPTION_FAILED' }, 'short block')
})

tap.test('manifest must match its CID and be well formed', async t => {
  const s = seal(plain)
  s.store.set(s.cid.toString(), json.encode({ hello: 'world' }))
  await t.rejects(decryptSample(s.cid, s.key, getter(s.store)), { code: 'MANIFEST_INVALID' })
  const rawCid = CID.createV1(raw.code, s.cid.multihash)
  await t.rejects(decryptSample(rawCid, s.key, getter(s.store)), { code: 'MANIFEST_INVALID' })
})

tap.test('hostile manifests are rejected', async t => {
  const good = manifestOf(seal(plain))
  const base = { version: 1, cipher: good.cipher, chunkSize: CHUNK_SIZE, size: good.size, chunks: good.chunks.map(String) }
  const cases: Array<[string, Uint8Array]> = [
    ['not json', new TextEncoder().encode('{')],
    ['array', enc([])],
    ['null', enc(null)],
    ['extra key', enc({ ...base, extra: 1 })],
    ['missing key', enc({ ...base, chunks: undefined })],
    ['version', enc({ ...base, version: 2 })],
    ['cipher', enc({ ...base, cipher: 'aes' })],
    ['chunk size', enc({ ...base, chunkSize: 1024 })],
    ['negative size', enc({ ...base, size: -1 })],
    ['fractional size', enc({ ...base, size: 1.5 })],
    ['huge size', enc({ ...base, size: 2 ** 60 })],
    ['count mismatch', enc({ ...base, chunks: base.chunks.slice(1) })],
    ['bad cid', enc({ ...base, chunks: ['nope', ...base.chunks.slice(1)] })],
    ['non-raw cid', enc({ ...base, chunks: [seal(plain).cid.toString(), ...base.chunks.slice(1)] })],
    ['number cid', enc({ ...base, chunks: [1, ...base.chunks.slice(1)] })],
    ['oversize', new Uint8Array(600 * 1024).fill(32)]
  ]
  for (const [name, bytes] of cases) {
    t.throws(() => decodeManifest(bytes), { code: 'MANIFEST_INVALID' }, name)
  }
  t.throws(() => decodeManifest(enc(base), { maxSize: 10 }), { code: 'SAMPLE_TOO_LARGE' }, 'above caller limit')
})

tap.test('encrypt refuses chunks that do not match the size', async t => {
  const key = randomBytes(32)
  t.throws(() => [...encryptSample([randomBytes(10)], 11, key)], RangeError)
  t.throws(() => [...encryptSample([randomBytes(10), randomBytes(1)], 11, key)], RangeError)
  t.equal(TAG_BYTES, 16)
})
