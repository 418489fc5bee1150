import tap from 'tap'
import { randomBytes } from 'node:crypto'
import { createFrameReader, frameHeader } from '../../src/scan/yara-scanner-protocol.ts'

const frame = (id: number, bytes: Buffer): Buffer => Buffer.concat([frameHeader(id, bytes.length), bytes])

/** feeds `stream` to a reader in chunks of the given sizes, copying each frame out as it arrives */
function read (stream: Buffer, sizes: () => number): Array<{ id: number, hex: string }> {
  const out: Array<{ id: number, hex: string }> = []
  const feed = createFrameReader((id, bytes) => { out.push({ id, hex: bytes.toString('hex') }) })
  for (let at = 0; at < stream.length;) {
    const n = Math.max(1, sizes())
    feed(stream.subarray(at, at + n))
    at += n
  }
  return out
}

tap.test('frames come out whole however the pipe splits them', async t => {
  const samples = [Buffer.alloc(0), Buffer.from('x'), randomBytes(70_000), Buffer.alloc(0), randomBytes(3), randomBytes(200_000), randomBytes(10)]
  const stream = Buffer.concat(samples.map((s, i) => frame(i + 1, s)))
  const want = samples.map((s, i) => ({ id: i + 1, hex: s.toString('hex') }))
  t.same(read(stream, () => stream.length), want, 'one chunk')
  t.same(read(stream, () => 1), want, 'byte by byte')
  t.same(read(stream, () => 7), want, 'headers split across chunks')
  t.same(read(stream, () => 65_536), want, 'pipe-sized chunks')
  let seed = 1
  t.same(read(stream, () => (seed = (seed * 48271) % 2147483647) % 100_000), want, 'random chunks')
})

tap.test('a reused receive buffer never leaks one frame into the next', async t => {
  const big = Buffer.alloc(100_000, 0xaa)
  const small = Buffer.alloc(50_000, 0xbb)
  const stream = Buffer.concat([frame(1, big), frame(2, small), frame(3, big)])
  const got = read(stream, () => 4096)
  t.same(got.map(f => f.hex.length / 2), [100_000, 50_000, 100_000])
  t.ok(got[1]?.hex === small.toString('hex'), 'the second frame is only its own bytes')
})
