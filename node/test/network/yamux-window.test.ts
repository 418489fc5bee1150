// The supernode's yamux: a stream credits its receive window once half of it is used, not after every
// data frame, on both ends of a real pair of muxers; messages of every size still cross both ways, a
// transfer many windows long never stalls, the frames opening a stream are the library's, and a peer that
// sends past the credit this end gave is still cut.
import { randomBytes } from 'node:crypto'
import tap from 'tap'
import { yamux } from '@libp2p/yamux'
import { StreamState } from '@libp2p/yamux/stream'
import { multiaddrConnectionPair } from '@libp2p/utils'
import { Uint8ArrayList } from 'uint8arraylist'
import { creditsAtHalfWindow, halfWindowUpdate, halfWindowYamux } from '../../src/network/yamux-window.ts'
import type { Stream, StreamMuxer, StreamMuxerFactory } from '@libp2p/interface'

const WINDOW = 256 * 1024
const WINDOW_UPDATE = 1 // yamux's frame type

tap.test('an open stream credits its window only once half of it is used', async (t) => {
  const calls: string[] = []
  const stream = (state: StreamState, used: number): Parameters<typeof halfWindowUpdate>[0] =>
    ({ state, recvWindow: WINDOW, recvWindowCapacity: WINDOW - used, sendWindowUpdate: () => {} })
  const update = (label: string) => () => { calls.push(label) }
  halfWindowUpdate(stream(StreamState.Established, 0), update('unused'))
  halfWindowUpdate(stream(StreamState.Established, 1), update('one byte'))
  halfWindowUpdate(stream(StreamState.Established, WINDOW / 2 - 1), update('just under half'))
  halfWindowUpdate(stream(StreamState.Established, WINDOW / 2), update('half'))
  halfWindowUpdate(stream(StreamState.Established, WINDOW), update('all of it'))
  // SYN, ACK and a paused stream's bookkeeping are the library's at any use
  halfWindowUpdate(stream(StreamState.Init, 0), update('init'))
  halfWindowUpdate(stream(StreamState.SYNReceived, 0), update('syn received'))
  halfWindowUpdate(stream(StreamState.Paused, 1), update('paused'))
  t.same(calls, ['half', 'all of it', 'init', 'syn received', 'paused'])
})

interface Pair { out: StreamMuxer, in: StreamMuxer, sent: { out: number[], in: number[] } }

/** two muxers over an in-memory connection, with the type of every frame each sends */
function muxers (make: () => StreamMuxerFactory): Pair {
  const [a, b] = multiaddrConnectionPair()
  const pair = { out: make().createStreamMuxer(a), in: make().createStreamMuxer(b), sent: { out: [] as number[], in: [] as number[] } }
  for (const side of ['out', 'in'] as const) {
    const muxer = pair[side] as unknown as { sendFrame: (header: { type: number }, data?: unknown) => boolean }
    const send = muxer.sendFrame.bind(muxer)
    // streams bind the muxer's sendFrame when made, so this is in place before the first
    muxer.sendFrame = (header, data) => { pair.sent[side].push(header.type); return send(header, data) }
  }
  return pair
}

async function streams (pair: Pair): Promise<{ out: Stream, in: Stream }> {
  const inbound = new Promise<Stream>((resolve) => { pair.in.addEventListener('stream', (evt) => { resolve(evt.detail) }, { once: true }) })
  const out = await pair.out.createStream()
  return { out, in: await inbound }
}

/** writes every message, waiting for drain when the stream asks to */
async function sendAll (stream: Stream, messages: Uint8Array[]): Promise<void> {
  for (const m of messages) {
    if (!stream.send(m)) await new Promise((resolve) => { stream.addEventListener('drain', resolve, { once: true }) })
  }
}

/** everything the stream receives until it holds `bytes` bytes */
async function receive (stream: Stream, bytes: number): Promise<Buffer> {
  const held = new Uint8ArrayList()
  return await new Promise((resolve) => {
    const onMessage = (evt: { data: Uint8Array | Uint8ArrayList }): void => {
      held.append(evt.data)
      if (held.byteLength < bytes) return
      stream.removeEventListener('message', onMessage)
      resolve(Buffer.from(held.subarray()))
    }
    stream.addEventListener('message', onMessage)
  })
}

const bytes = (ms: Uint8Array[]): number => ms.reduce((n, m) => n + m.length, 0)
const updates = (types: number[]): number => types.filter((type) => type === WINDOW_UPDATE).length

tap.test('the library alone answers every data frame with a window update (why this module exists)', async (t) => {
  const pair = muxers(yamux())
  const s = await streams(pair)
  const messages = Array.from({ length: 50 }, () => randomBytes(1000))
  const got = receive(s.in, 50_000)
  await sendAll(s.out, messages)
  await got
  t.ok(updates(pair.sent.in) >= 50, `${updates(pair.sent.in)} updates for 50 messages`)
  pair.out.abort(new Error('done')); pair.in.abort(new Error('done'))
})

tap.test('on a real pair, small messages cross both ways with no update until half a window is used', async (t) => {
  const pair = muxers(halfWindowYamux())
  const s = await streams(pair)
  t.ok(creditsAtHalfWindow(s.out), 'the outbound stream')
  t.ok(creditsAtHalfWindow(s.in), 'the inbound stream')
  const there = Array.from({ length: 50 }, (_, i) => randomBytes(1 + i * 37))
  const back = Array.from({ length: 50 }, (_, i) => randomBytes(2000 - i * 13))
  const gotThere = receive(s.in, bytes(there))
  const gotBack = receive(s.out, bytes(back))
  await Promise.all([sendAll(s.out, there), sendAll(s.in, back)])
  t.same(await gotThere, Buffer.concat(there), 'every byte out, in order')
  t.same(await gotBack, Buffer.concat(back), 'every byte back, in order')
  // the opening SYN of the outbound stream is one window update frame; nothing else used half a window
  t.equal(updates(pair.sent.out), 1, 'the outbound end sent only its SYN')
  t.equal(updates(pair.sent.in), 0, 'the inbound end acknowledged on its first data frame and credited nothing')
  pair.out.abort(new Error('done')); pair.in.abort(new Error('done'))
})

tap.test('a transfer of many windows never stalls, and is credited about twice a window', async (t) => {
  const pair = muxers(halfWindowYamux())
  const s = await streams(pair)
  const size = 16 * WINDOW
  const data = randomBytes(size)
  const chunks = Array.from({ length: size / 8192 }, (_, i) => data.subarray(i * 8192, (i + 1) * 8192))
  const got = receive(s.in, size)
  await sendAll(s.out, chunks)
  t.same(await got, data, 'all 4 MiB arrived intact')
  const credits = updates(pair.sent.in)
  t.ok(credits >= 1 && credits <= 2 * (size / WINDOW), `${credits} updates for ${size / WINDOW} windows of data`)
  pair.out.abort(new Error('done')); pair.in.abort(new Error('done'))
})

tap.test('streams the inbound end opens credit at half too, and many streams share one connection', async (t) => {
  const pair = muxers(halfWindowYamux())
  const opened: Array<{ out: Stream, in: Stream }> = []
  // one at a time: each waits for the inbound end's next stream
  for (let i = 0; i < 8; i++) opened.push(await streams(pair))
  t.ok(opened.every((s) => creditsAtHalfWindow(s.in) && creditsAtHalfWindow(s.out)))
  const payloads = opened.map(() => randomBytes(300_000))
  const got = opened.map((s, i) => receive(s.in, (payloads[i] as Buffer).length))
  await Promise.all(opened.map(async (s, i) => { await sendAll(s.out, [payloads[i] as Buffer]) }))
  t.same(await Promise.all(got), payloads, 'each stream got its own bytes, past its first window')
  pair.out.abort(new Error('done')); pair.in.abort(new Error('done'))
})

/** a raw yamux data frame: version 0, type 0 (data), `flags`, stream 1, and its payload */
function dataFrame (flags: number, payload: Uint8Array): Uint8Array {
  const header = Buffer.alloc(12)
  header.writeUInt16BE(flags, 2)
  header.writeUInt32BE(1, 4)
  header.writeUInt32BE(payload.length, 8)
  return Buffer.concat([header, payload])
}

/** until `done` holds, asking again every few ms (no wall-clock assertion: tap's timeout bounds it) */
async function until (done: () => boolean): Promise<void> {
  while (!done()) await new Promise((resolve) => setTimeout(resolve, 5))
}

tap.test('a peer that sends past the credit it was given is cut, though the library alone would have credited it', async (t) => {
  const SYN = 1
  for (const [make, cut] of [[halfWindowYamux(), true], [yamux(), false]] as const) {
    const [raw, conn] = multiaddrConnectionPair()
    const muxer = make().createStreamMuxer(conn)
    let received = 0
    muxer.addEventListener('stream', (evt: CustomEvent<Stream>) => {
      evt.detail.addEventListener('message', (m: { data: Uint8Array | Uint8ArrayList }) => { received += m.data.byteLength })
    })
    // the frame that opens the stream is acknowledged with a full credit, as the library does
    raw.send(dataFrame(SYN, randomBytes(1)))
    await until(() => received === 1)
    // 100 KiB uses less than half the window: this end credits nothing back, so 256 KiB - 100 KiB is all the peer may send
    raw.send(dataFrame(0, randomBytes(100 * 1024)))
    await until(() => received === 1 + 100 * 1024)
    raw.send(dataFrame(0, randomBytes(200 * 1024)))
    if (cut) {
      await until(() => muxer.status === 'closed')
      t.equal(received, 1 + 100 * 1024, 'the half-window muxer aborts the connection, the excess undelivered')
    } else {
      await until(() => received === 1 + 300 * 1024)
      t.equal(muxer.status, 'open', 'the library alone had credited the 100 KiB at once, so the 200 KiB fit')
    }
    muxer.abort(new Error('done'))
  }
})
