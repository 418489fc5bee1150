// The supernode's noise frame reader: its length prefix reads as the library's wherever a frame is cut,
// stops the decoder where the library's throw did, and is in place on both ends of a real handshake,
// where messages of every size cross both ways and a forged frame still aborts the stream.
import { randomBytes } from 'node:crypto'
import tap from 'tap'
import { generateKeyPair } from '@libp2p/crypto/keys'
import { defaultLogger } from '@libp2p/logger'
import { peerIdFromPrivateKey } from '@libp2p/peer-id'
import { LengthPrefixedDecoder, multiaddrConnectionPair } from '@libp2p/utils'
import { Uint8ArrayList } from 'uint8arraylist'
import { framePrefixLength, quietNoise, readsFramesQuietly, writesFramesWhole } from '../../src/network/noise-frames.ts'
import type { MessageStream, Upgrader } from '@libp2p/interface'

/** what the library's own uint16BEDecode does: throw below two bytes */
function throwingPrefix (data: Uint8Array | Uint8ArrayList): number {
  if (data.length < 2) throw new RangeError('Could not decode int16BE')
  return data instanceof Uint8Array ? ((data[0] as number) << 8) + (data[1] as number) : data.getUint16(0)
}

const frame = (body: Uint8Array): Uint8Array => Buffer.concat([Buffer.from([body.length >> 8, body.length & 0xff]), body])
const decoderWith = (lengthDecoder: (data: Uint8Array | Uint8ArrayList) => number): LengthPrefixedDecoder =>
  new LengthPrefixedDecoder({ lengthDecoder, maxBufferSize: 16 * 1024 * 1024, encodingLength: () => 2 })

tap.test('a prefix reads as the library reads it, and 0 while incomplete', async (t) => {
  t.equal(framePrefixLength(new Uint8Array()), 0)
  t.equal(framePrefixLength(new Uint8Array([0xff])), 0)
  t.equal(framePrefixLength(new Uint8Array([0x01, 0x2c, 0x99])), 300)
  t.equal(framePrefixLength(new Uint8Array([0xff, 0xff])), 65535)
  const list = new Uint8ArrayList(new Uint8Array([0x12]), new Uint8Array([0x34]), new Uint8Array([0x56]))
  t.equal(framePrefixLength(list), 0x1234, 'a prefix split over two arrays of a list')
  t.equal(framePrefixLength(new Uint8ArrayList(new Uint8Array([7]))), 0)
})

tap.test('cut anywhere, a stream of frames decodes to the same frames as with the throwing prefix', async (t) => {
  const bodies = [0, 1, 2, 255, 256, 1200, 65535].map((n) => randomBytes(n))
  const wire = Buffer.concat(bodies.map(frame))
  const frames = (lengthDecoder: (data: Uint8Array | Uint8ArrayList) => number, step: number): string[] => {
    const decoder = decoderWith(lengthDecoder)
    const out: string[] = []
    for (let at = 0; at < wire.length; at += step) {
      for (const f of decoder.decode(wire.subarray(at, Math.min(wire.length, at + step)))) out.push(Buffer.from(f.subarray()).toString('hex'))
    }
    return out
  }
  // the decoder skips empty frames with either reader
  const expected = bodies.filter((b) => b.length > 0).map((b) => b.toString('hex'))
  for (const step of [1, 2, 3, 7, 257, 1202, wire.length]) {
    t.same(frames(framePrefixLength, step), expected, `chunks of ${step} bytes`)
    t.same(frames(throwingPrefix, step), expected, `the library's reader, chunks of ${step} bytes`)
  }
})

tap.test('an oversize or hostile prefix is refused as before', async (t) => {
  const decoder = new LengthPrefixedDecoder({ lengthDecoder: framePrefixLength, maxDataLength: 1000, encodingLength: () => 2 })
  t.throws(() => [...decoder.decode(new Uint8Array([0xff, 0xff, 1, 2, 3]))], { name: 'InvalidMessageLengthError' })
  const small = new LengthPrefixedDecoder({ lengthDecoder: framePrefixLength, maxBufferSize: 8, encodingLength: () => 2 })
  t.throws(() => [...small.decode(randomBytes(9))], { name: 'InvalidParametersError' }, 'a buffer past its bound')
})

async function encrypter (): Promise<ReturnType<ReturnType<typeof quietNoise>> & { peer: ReturnType<typeof peerIdFromPrivateKey> }> {
  const privateKey = await generateKeyPair('Ed25519')
  const peerId = peerIdFromPrivateKey(privateKey)
  const upgrader = { getStreamMuxers: () => new Map() } as unknown as Upgrader
  return Object.assign(quietNoise()({ peerId, privateKey, logger: defaultLogger(), upgrader }), { peer: peerId })
}

async function securedPair (): Promise<{ outbound: MessageStream, inbound: MessageStream, raw: MessageStream }> {
  const [a, b] = [await encrypter(), await encrypter()]
  const [outboundRaw, inboundRaw] = multiaddrConnectionPair()
  const [outbound, inbound] = await Promise.all([
    a.secureOutbound(outboundRaw, { remotePeer: b.peer, skipStreamMuxerNegotiation: true }),
    b.secureInbound(inboundRaw, { skipStreamMuxerNegotiation: true })
  ])
  return { outbound: outbound.connection, inbound: inbound.connection, raw: outboundRaw }
}

/** everything `to` receives until it holds `bytes` bytes */
async function received (to: MessageStream, bytes: number): Promise<Buffer> {
  const parts: Buffer[] = []
  let held = 0
  return await new Promise((resolve) => {
    const onMessage = (evt: { data: Uint8Array | Uint8ArrayList }): void => {
      const part = Buffer.from(evt.data.subarray())
      parts.push(part)
      held += part.length
      if (held >= bytes) {
        to.removeEventListener('message', onMessage)
        resolve(Buffer.concat(parts))
      }
    }
    to.addEventListener('message', onMessage)
  })
}

tap.test('on a real handshake both ends read frames quietly, and messages of every size cross both ways', async (t) => {
  const { outbound, inbound } = await securedPair()
  t.ok(readsFramesQuietly(outbound), 'the initiator')
  t.ok(readsFramesQuietly(inbound), 'the responder')
  t.ok(writesFramesWhole(outbound), 'the initiator writes frames whole')
  t.ok(writesFramesWhole(inbound), 'the responder writes frames whole')
  for (const size of [1, 100, 1199, 1200, 65519, 65520, 200_000]) {
    for (const [from, to] of [[outbound, inbound], [inbound, outbound]] as const) {
      const message = randomBytes(size)
      const got = received(to, size)
      from.send(message)
      t.ok((await got).equals(message), `${size} bytes, ${from === outbound ? 'out' : 'in'}bound to the other end`)
    }
  }
})

tap.test('a chunk reaches the transport as one array holding its frames, prefixes and all', async (t) => {
  const { outbound, inbound, raw } = await securedPair()
  const sent: Array<Uint8Array | Uint8ArrayList> = []
  const send = raw.send.bind(raw)
  raw.send = (data) => { sent.push(data); return send(data) }
  for (const size of [1, 1200, 65519, 65520, 200_000]) {
    sent.length = 0
    const got = received(inbound, size)
    outbound.send(randomBytes(size))
    await got
    if (size <= 65519) t.equal(sent.length, 1, `${size} bytes: one send`)
    t.ok(sent.every((data) => data instanceof Uint8Array), `${size} bytes: each send of one array`)
    const decoder = decoderWith(framePrefixLength)
    const frames = sent.flatMap((data) => [...decoder.decode(data)])
    t.ok(frames.length >= Math.ceil(size / 65519), `${frames.length} frames, each whole`)
    t.equal(frames.reduce((n, f) => n + f.byteLength, 0), size + 16 * frames.length, 'ciphertext and tag of every byte')
  }
})

tap.test('a forged frame after the handshake aborts the stream, as the library does', async (t) => {
  const { inbound, raw } = await securedPair()
  const closed = new Promise<Error | undefined>((resolve) => { inbound.addEventListener('close', (evt) => { resolve((evt as Event & { error?: Error }).error) }, { once: true }) })
  raw.send(frame(randomBytes(64)))
  t.ok(await closed, 'closed with an error')
  t.equal(inbound.status, 'aborted')
})
