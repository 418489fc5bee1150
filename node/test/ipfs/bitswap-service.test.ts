import { randomBytes } from 'node:crypto'
import path from 'node:path'
import tap from 'tap'
import { identify } from '@libp2p/identify'
import { kadDHT } from '@libp2p/kad-dht'
import { noise } from '@libp2p/noise'
import { ping } from '@libp2p/ping'
import { tcp } from '@libp2p/tcp'
import { yamux } from '@libp2p/yamux'
import { createLibp2p } from 'libp2p'
import * as raw from 'multiformats/codecs/raw'
import { CHUNK_SIZE, decryptSample, sha256Cid, deriveContentKey, encryptSample } from '../../src/crypto/index.ts'
import { createBitswapService, createDurableBlockstore, createLibp2pRouting, getBlock } from '../../src/ipfs/index.ts'
import type { CID } from 'multiformats/cid'
import type { Test } from 'tap'

async function startNode (t: Test, name: string) {
  const libp2p = await createLibp2p({
    addresses: { listen: ['/ip4/127.0.0.1/tcp/0'] },
    transports: [tcp()],
    connectionEncrypters: [noise()],
    streamMuxers: [yamux()],
    services: {
      identify: identify(),
      ping: ping(),
      // loopback addresses are the only ones here, so keep them
      dht: kadDHT({ protocol: '/virusmap-test/kad/1.0.0', clientMode: false, peerInfoMapper: p => p })
    }
  })
  const blockstore = createDurableBlockstore({ path: path.join(t.testdir(), name) })
  await blockstore.open()
  const bitswap = createBitswapService({ libp2p, blockstore })
  await bitswap.start()
  t.teardown(async () => {
    await bitswap.stop()
    await libp2p.stop()
  })
  return { libp2p, blockstore, bitswap }
}

tap.test('a sample stored on one node is fetched by CID over bitswap and decrypted on another', async t => {
  const holder = await startNode(t, 'holder')
  const fetcher = await startNode(t, 'fetcher')

  const plaintext = randomBytes(2 * CHUNK_SIZE + 777)
  const key = deriveContentKey(plaintext)
  const chunks = [0, 1, 2].map(i => plaintext.subarray(i * CHUNK_SIZE, (i + 1) * CHUNK_SIZE))
  let sampleCid: CID | undefined
  for await (const cid of holder.blockstore.putMany((function * () {
    for (const b of encryptSample(chunks, plaintext.byteLength, key)) { sampleCid = b.cid; yield b }
  })())) void cid
  if (sampleCid === undefined) throw new Error('no manifest')

  await fetcher.libp2p.dial(holder.libp2p.getMultiaddrs())
  const signal = AbortSignal.timeout(30_000)
  const out = await decryptSample(sampleCid, key, async (cid, opts) => fetcher.bitswap.want(cid, opts), { signal })
  t.same(Buffer.from(out), plaintext)
  t.equal(await fetcher.blockstore.has(sampleCid), false, 'want does not store; the caller decides')

  const missing = sha256Cid(raw.code, randomBytes(8))
  await t.rejects(fetcher.bitswap.want(missing, { signal: AbortSignal.timeout(500) }), 'a block nobody has ends with the signal')
})

tap.test('routing adapter: a provider record put through the DHT is found by the other node', async t => {
  const holder = await startNode(t, 'holder')
  const seeker = await startNode(t, 'seeker')
  await seeker.libp2p.dial(holder.libp2p.getMultiaddrs())
  const bytes = randomBytes(64)
  const cid = sha256Cid(raw.code, bytes)
  await holder.blockstore.put(cid, bytes)

  const seekerRouting = createLibp2pRouting(seeker.libp2p)
  const signal = AbortSignal.timeout(20_000)
  // the DHT learns of the peer through identify; retry until its routing table has it
  let found: string[] = []
  while (found.length === 0) {
    signal.throwIfAborted()
    await holder.bitswap.provide(cid, { signal }).catch(() => {})
    found = []
    for await (const p of seekerRouting.findProviders(cid, { signal: AbortSignal.any([signal, AbortSignal.timeout(2000)]) })) found.push(p.id.toString())
    if (found.length === 0) await new Promise(resolve => setTimeout(resolve, 200))
  }
  t.ok(found.includes(holder.libp2p.peerId.toCID().toString()))

  // the wantlist goes to connected peers; the holder serves it from its durable store
  const fetched = await seeker.bitswap.want(cid, { signal })
  t.same(Buffer.from(fetched), bytes)
  t.same(Buffer.from(await getBlock(holder.blockstore, cid)), bytes)
})
