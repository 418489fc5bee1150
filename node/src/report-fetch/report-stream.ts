/**
 * One frame each way over a libp2p stream, bounded in size and time: an abort of `signal` (a timeout)
 * aborts the stream, so a peer that sends slowly or never ends cannot hold a read open.
 */
import { FrameReader } from './report-wire.ts'
import type { AbortOptions, MessageStream, Stream, StreamCloseEvent, StreamMessageEvent } from '@libp2p/interface'

export class StreamAbortedError extends Error {
  override readonly name = 'StreamAbortedError'
  readonly code = 'ABORTED'
}

/** Runs `fn` on the stream; when `signal` aborts first, the stream is aborted and the reason thrown. */
export async function withStreamSignal<T> (stream: Stream, signal: AbortSignal, fn: () => Promise<T>): Promise<T> {
  signal.throwIfAborted()
  const onAbort = (): void => { stream.abort(new StreamAbortedError('the exchange took too long or was cancelled', { cause: signal.reason })) }
  signal.addEventListener('abort', onAbort, { once: true })
  try {
    return await fn()
  } catch (err) {
    if (signal.aborted) throw signal.reason
    throw err
  } finally {
    signal.removeEventListener('abort', onAbort)
  }
}

/**
 * The one frame the remote sends, at most `max` bytes of payload (ReportWireError otherwise). Read from
 * the stream's events, not its async iterator: the iterator never ends when the remote closed its side
 * before the iterator was attached (it waits for a 'remoteCloseWrite' that has passed, not for 'end').
 */
export async function readFrame (stream: MessageStream, max: number, options: AbortOptions = {}): Promise<Uint8Array> {
  const reader = new FrameReader(max)
  const { signal } = options
  signal?.throwIfAborted()
  return await new Promise<Uint8Array>((resolve, reject) => {
    let settled = false
    const settle = (fn: () => Uint8Array): void => {
      if (settled) return
      settled = true
      stream.removeEventListener('message', onMessage)
      stream.removeEventListener('end', onEnd)
      stream.removeEventListener('close', onClose)
      signal?.removeEventListener('abort', onAbort)
      try {
        resolve(fn())
      } catch (err) {
        reject(err)
      }
    }
    const onMessage = (evt: StreamMessageEvent): void => {
      if (settled) return
      try {
        const frame = reader.push(evt.data instanceof Uint8Array ? evt.data : evt.data.subarray())
        if (frame !== undefined) settle(() => frame)
      } catch (err) {
        settle(() => { throw err })
      }
    }
    const onEnd = (): void => { settle(() => reader.end()) }
    // a clean close may come before the buffered bytes are dispatched (a microtask later): read them first
    const onClose = (evt: StreamCloseEvent): void => {
      if (evt.error !== undefined) settle(() => { throw evt.error as Error })
      else setImmediate(onEnd)
    }
    const onAbort = (): void => { settle(() => { throw signal?.reason as Error }) }
    stream.addEventListener('end', onEnd)
    stream.addEventListener('close', onClose)
    signal?.addEventListener('abort', onAbort, { once: true })
    stream.addEventListener('message', onMessage)
    if (stream.status === 'aborted' || stream.status === 'reset') settle(() => { throw new StreamAbortedError(`the stream is ${stream.status}`) })
    else if (stream.readableEnded || stream.status === 'closed') setImmediate(onEnd)
  })
}

/** Sends the framed bytes and closes this side for writing. */
export async function writeFrame (stream: Stream, bytes: Uint8Array, options: AbortOptions = {}): Promise<void> {
  if (!stream.send(bytes)) await stream.onDrain(options)
  await stream.close(options)
}
