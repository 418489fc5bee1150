/**
 * @libp2p/noise with its frame reader's way out of the loop made cheap. The library reads frames with
 * @libp2p/utils' LengthPrefixedDecoder and a length decoder that throws a RangeError when fewer than
 * two bytes are buffered, and the decoder catches it to stop: one thrown error, stack captured, for
 * every chunk TCP delivers. That is about 4 µs a chunk against 0.3 on a shallow stack, and 2.4% of a
 * loaded member's main thread (perf record during bench/load.ts).
 * Here the length of an incomplete prefix reads as 0: a frame takes 2 + length bytes, more than are
 * buffered, so the decoder stops at the same point without the throw. Frames, keys and bytes on the
 * wire are the library's; a complete prefix reads exactly as before.
 * The decoder is a field of the library's unexported stream class, so it is replaced only where it is
 * found as expected (noise-frames.test holds that on a real handshake, so an upgrade that moves it
 * fails there instead of silently going back to the throw).
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

/** whether the secured stream's frame reader now stops without a throw */
export function readsFramesQuietly (connection: MessageStream): boolean {
  return (connection as FrameReader).decoder?.lengthDecoder === framePrefixLength
}

function quiet (secured: SecuredConnection<NoiseExtensions>): SecuredConnection<NoiseExtensions> {
  const { decoder } = secured.connection as FrameReader
  if (decoder?.lengthDecoder?.name === 'uint16BEDecode') decoder.lengthDecoder = framePrefixLength
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
