import { randomBytes } from 'node:crypto'
import tap from 'tap'
import * as raw from 'multiformats/codecs/raw'
import { CHUNK_SIZE, decryptSample, sha256Cid, deriveContentKey, encryptSample } from '../../src/crypto/index.ts'
import { createLibp2pRouting, getBlock } from '../../src/ipfs/index.ts'
import { startBitswapNode } from './fixtures.ts'
import type { CID } from 'multiformats/cid'

tap.test('a sample stored on one node is fetched by CID over bitswap and decrypted on another', async t => {
  const holder = await startBitswapNode(t, 'holder')
  const fetcher = await startBitswapNode(t, 'fetcher')

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
  const holder = await startBitswapNode(t, 'holder')
  const seeker = await startBitswapNode(t, 'seeker')
  await seeker.libp2p.dial(holder.libp2p.getMultiaddrs())
  const bytes = randomBytes(64)
  const cid = sha256Cid(raw.code, bytes)
  await holder.blockstore.put(cid, bytes)

  const seekerRouting = createLibp2pRouting(seeker.libp2p, { providerQueryDelayMs: 0 })
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

tap.test('a provider query waits before it asks the DHT, and asks nothing when the block arrives first', async t => {
  let queries = 0
  const provider = { id: (await startBitswapNode(t, 'provider')).libp2p.peerId, multiaddrs: [] }
  const libp2p = { contentRouting: { async * findProviders () { queries++; yield provider } } }
  const routing = createLibp2pRouting(libp2p as never, { providerQueryDelayMs: 300 })

  const early = new AbortController()
  const answered = (async () => { for await (const p of routing.findProviders(sha256Cid(raw.code, randomBytes(8)), { signal: early.signal })) void p })()
  early.abort()
  await t.rejects(answered, { name: 'AbortError' }, 'aborted while waiting: the block came from a connected peer')
  t.equal(queries, 0, 'and the DHT was not asked')

  const found: string[] = []
  for await (const p of routing.findProviders(sha256Cid(raw.code, randomBytes(8)), { signal: AbortSignal.timeout(5000) })) found.push(p.id.toString())
  t.equal(queries, 1, 'a block nobody sent in time is looked up')
  t.same(found, [provider.id.toCID().toString()])
})
