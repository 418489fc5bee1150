import { once } from 'node:events'
import { Worker } from 'node:worker_threads'
import { generateKeyPair } from '@libp2p/crypto/keys'
import { peerIdFromString } from '@libp2p/peer-id'
import { multiaddr } from '@multiformats/multiaddr'
import tap from 'tap'
import { createLibp2pNode, PING_INTERVAL_MS, PING_TIMEOUT_MS } from '../../src/network/libp2p-node.ts'
import type { Connection, PeerId } from '@libp2p/interface'
import type { StallingPeerReply, StallingPeerRequest } from '../fixtures/stalling-peer.ts'
import type { VirusmapLibp2p } from '../../src/network/libp2p-node.ts'
import type { Test } from 'tap'

// A supernode under load stalls its event loop for seconds at a time (the simulations' starved thread,
// issue 18). libp2p's connection monitor, at its defaults, pinged every connection every 10 s and aborted
// it when the answer took over 5 s, so such a node lost every connection, and with them its gossip mesh,
// when it was busiest. Real TCP and the node's own libp2p settings; each peer on a worker thread of its
// own, so the watcher on this thread keeps time. Slow (about a minute, nearly all of it waiting): the
// monitor's rounds are the node's, 30 s apart.

/** longer than libp2p's default ping timeout (5 s), shorter than the node's */
const CHUNK_MS = 7_000
/** a stall that covers the connection monitor's first round */
const STALL_MS = PING_INTERVAL_MS + CHUNK_MS
/** a peer gone without a FIN: its thread never runs until the watcher's first ping has timed out */
const GONE_MS = PING_INTERVAL_MS + PING_TIMEOUT_MS + 5_000

async function ask<T extends StallingPeerReply['type']> (worker: Worker, req: StallingPeerRequest, type: T): Promise<Extract<StallingPeerReply, { type: T }>> {
  const replied = once(worker, 'message') as Promise<[StallingPeerReply]>
  // a worker_threads port, not a window: there is no target origin
  // oxlint-disable-next-line unicorn/require-post-message-target-origin
  worker.postMessage(req)
  const [reply] = await replied
  if (reply.type !== type) throw new Error(`the stalling peer answered ${reply.type}, not ${type}`)
  return reply as Extract<StallingPeerReply, { type: T }>
}

interface Peer { worker: Worker, peerId: PeerId, conn: Connection, theirs: string }

/** a peer on its own thread, connected to by the watcher; the peer's id of that connection is `theirs` */
async function peer (t: Test, watcher: VirusmapLibp2p): Promise<Peer> {
  const worker = new Worker(new URL('../fixtures/stalling-peer.ts', import.meta.url))
  const [ready] = await once(worker, 'message') as [StallingPeerReply]
  if (ready.type !== 'ready') throw new Error('the stalling peer did not start')
  t.teardown(async () => {
    await ask(worker, { type: 'stop' }, 'stopped')
    await worker.terminate()
  })
  const conn = await watcher.dial(multiaddr(ready.addrs[0] ?? ''))
  // the dial resolves once this side's upgrade is done; the peer's side may register the connection a little later on a busy machine
  let theirs: string | undefined
  for (const until = Date.now() + 10_000; theirs === undefined && Date.now() < until;) {
    theirs = (await ask(worker, { type: 'connections' }, 'connections')).ids[0]
    if (theirs === undefined) await new Promise((resolve) => setTimeout(resolve, 50))
  }
  if (theirs === undefined) throw new Error('the peer holds no connection')
  return { worker, peerId: peerIdFromString(ready.peerId), conn, theirs }
}

tap.test('a peer that stalls for seconds at a time keeps its connections on both sides; a peer that is gone is dropped', async (t) => {
  const watcher = await createLibp2pNode({ privateKey: await generateKeyPair('Ed25519'), listenAddrs: ['/ip4/127.0.0.1/tcp/0'] })
  await watcher.start()
  t.teardown(async () => { await watcher.stop() })
  const stalling = await peer(t, watcher)
  const gone = await peer(t, watcher)

  const [{ chunks }] = await Promise.all([
    ask(stalling.worker, { type: 'stall', chunkMs: CHUNK_MS, totalMs: STALL_MS }, 'stalled'),
    ask(gone.worker, { type: 'stall', chunkMs: GONE_MS, totalMs: GONE_MS }, 'stalled')
  ])
  t.ok(chunks >= 5, `the stalling peer stalled in ${chunks} chunks of up to ${CHUNK_MS} ms`)

  t.equal(stalling.conn.status, 'open', 'the watcher did not abort its connection to the stalling peer')
  t.ok((await ask(stalling.worker, { type: 'connections' }, 'connections')).ids.includes(stalling.theirs), 'nor the stalling peer its own')
  t.ok(await watcher.services.ping.ping(stalling.peerId) >= 0, 'and the peer answers once it runs again')
  t.same(watcher.getConnections(stalling.peerId).map((c) => c.id), [stalling.conn.id], 'over the same connection')

  t.not(gone.conn.status, 'open', `the watcher dropped the peer that did not answer for ${GONE_MS} ms`)
  t.notOk((await ask(gone.worker, { type: 'connections' }, 'connections')).ids.includes(gone.theirs), 'which finds it closed when it runs again')
})
