/**
 * @libp2p/noise with its frame reader's way out of the loop made cheap, and its frames handed to the
 * socket whole.
 * The library reads frames with @libp2p/utils' LengthPrefixedDecoder and a length decoder that throws a
 * RangeError when fewer than two bytes are buffered, and the decoder catches it to stop: one thrown
 * error, stack captured, for every chunk TCP delivers. That is about 4 µs a chunk against 0.3 on a
 * shallow stack, and 2.4% of a loaded member's main thread (perf record during bench/load.ts).
 * Here the length of an incomplete prefix reads as 0: a frame takes 2 + length bytes, more than are
 * buffered, so the decoder stops at the same point without the throw. Frames, keys and bytes on the
 * wire are the library's; a complete prefix reads exactly as before.
 * The library encrypts a chunk to a list of two arrays per frame, its 2-byte length and its ciphertext,
 * and @libp2p/tcp writes each array of a list with its own socket.write: two system calls a frame, where
 * a loaded member wrote about 90 times a job (strace -c). Here a chunk's frames are joined into one array
 * first, which costs a copy of the (at most 64 KiB) frame and saves a write.
 * The decoder and the encrypt method are members of the library's unexported stream class, so each is
 * replaced only where it is found as expected (noise-frames.test holds both on a real handshake, so an
 * upgrade that moves them fails there instead of silently going back).
 */
import { noise } from '@libp2p/noise'
import type { NoiseComponents, NoiseExtensions, NoiseInit } from '@libp2p/noise'
import type { ConnectionEncrypter, MessageStream, SecuredConnection } from '@libp2p/interface'
import type { Uint8ArrayList } from 'uint8arraylist'

/** a big-endian uint16 length prefix, or 0 while fewer than its two bytes are buffered */
export function framePrefixLength (data: Uint8Array | Uint8ArrayList): number {
  if (data.length < 2) return 0
  if (data instanceof Uint8Array) return ((data[0] as number) << 8) + (data[1] as number)
  return data.getUint16(0)
}

interface FrameReader { decoder?: { lengthDecoder?: { name?: string } & ((data: Uint8Array | Uint8ArrayList) => number) } }

type Encrypt = (chunk: Uint8Array | Uint8ArrayList) => Uint8Array | Uint8ArrayList
interface FrameWriter { encrypt?: Encrypt & { joined?: true } }

/** whether the secured stream's frame reader now stops without a throw */
export function readsFramesQuietly (connection: MessageStream): boolean {
  return (connection as FrameReader).decoder?.lengthDecoder === framePrefixLength
}

/** whether the secured stream now hands each chunk's frames to its transport as one array */
export function writesFramesWhole (connection: MessageStream): boolean {
  return (connection as FrameWriter).encrypt?.joined === true
}

function quiet (secured: SecuredConnection<NoiseExtensions>): SecuredConnection<NoiseExtensions> {
  const { decoder } = secured.connection as FrameReader
  if (decoder?.lengthDecoder?.name === 'uint16BEDecode') decoder.lengthDecoder = framePrefixLength
  const writer = secured.connection as FrameWriter
  const encrypt = writer.encrypt
  if (typeof encrypt === 'function' && encrypt.name === 'encrypt') {
    const frames = encrypt.bind(writer)
    writer.encrypt = Object.assign((chunk: Uint8Array | Uint8ArrayList) => {
      const out = frames(chunk)
      return out instanceof Uint8Array ? out : out.subarray()
    }, { joined: true as const })
  }
  return secured
}

export function quietNoise (init: NoiseInit = {}): (components: NoiseComponents) => ConnectionEncrypter<NoiseExtensions> {
  const make = noise(init)
  return (components) => {
    const encrypter = make(components)
    const secureInbound = encrypter.secureInbound.bind(encrypter)
    const secureOutbound = encrypter.secureOutbound.bind(encrypter)
    encrypter.secureInbound = async (connection, options) => quiet(await secureInbound(connection, options))
    encrypter.secureOutbound = async (connection, options) => quiet(await secureOutbound(connection, options))
    return encrypter
  }
}
