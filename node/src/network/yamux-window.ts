/**
 * @libp2p/yamux with its window updates sent once half of a stream's receive window is used, as
 * rust-yamux and go-yamux send them, instead of after every data frame.
 * The library's stream answers each data frame it receives with a window update frame crediting what
 * that frame used: one more yamux frame, noise frame and socket write per message, both ways, for the
 * gossip, bitswap and request streams alike. A loaded member spent as long in the socket writes of
 * those updates as in the writes of its data (CPU profile during bench/load.ts: 5.4 s against 6.2 s).
 * Crediting at half the window is what the yamux spec leaves to the receiver: a sender always holds at
 * least half a window of credit, so it never waits for an update it would have had before, and one
 * that used its whole window is credited at once. The SYN and ACK that open a stream and a paused
 * stream's bookkeeping take the library's path unchanged; a resumed stream is credited like any open
 * one (its peer still holds at least half a window). The window's growth rule is the library's, now
 * applied at each update sent, and the bytes on the wire are the library's.
 * The stream class is the library's; each stream's method is replaced where the muxer makes it, and
 * only where found as expected (yamux-window.test holds it on a real pair of muxers, so an upgrade that
 * moves it fails there instead of silently going back).
 */
import { yamux } from '@libp2p/yamux'
import { StreamState } from '@libp2p/yamux/stream'
import type { YamuxMuxerInit } from '@libp2p/yamux'
import type { StreamMuxerFactory } from '@libp2p/interface'

interface WindowedStream {
  state: StreamState
  recvWindow: number
  recvWindowCapacity: number
  sendWindowUpdate: (() => void) & { halfWindow?: true }
}

/* oxlint-disable no-underscore-dangle -- _newStream is the library muxer's private method that makes every stream, outbound and inbound */
interface StreamMaker { _newStream?: (...args: unknown[]) => unknown }

/** whether the stream now credits its window at half its use */
export function creditsAtHalfWindow (stream: unknown): boolean {
  return (stream as Partial<WindowedStream>).sendWindowUpdate?.halfWindow === true
}

/** The update the library would send now, unless the stream is open and has used less than half its window. */
export function halfWindowUpdate (stream: WindowedStream, update: () => void): void {
  if (stream.state === StreamState.Established && stream.recvWindow - stream.recvWindowCapacity < stream.recvWindow / 2) return
  update()
}

function windowed (stream: unknown): unknown {
  const s = stream as Partial<WindowedStream>
  if (typeof s.sendWindowUpdate !== 'function' || typeof s.recvWindow !== 'number' || typeof s.recvWindowCapacity !== 'number') return stream
  const update = s.sendWindowUpdate.bind(stream)
  s.sendWindowUpdate = Object.assign(() => { halfWindowUpdate(stream as WindowedStream, update) }, { halfWindow: true as const })
  return stream
}

export function halfWindowYamux (init: YamuxMuxerInit = {}): () => StreamMuxerFactory {
  const make = yamux(init)
  return () => {
    const factory = make()
    const createStreamMuxer = factory.createStreamMuxer.bind(factory)
    factory.createStreamMuxer = (connection) => {
      const muxer = createStreamMuxer(connection)
      const maker = muxer as unknown as StreamMaker
      const newStream = maker._newStream
      if (typeof newStream === 'function') maker._newStream = (...args) => windowed(newStream.apply(muxer, args))
      return muxer
    }
    return factory
  }
}
