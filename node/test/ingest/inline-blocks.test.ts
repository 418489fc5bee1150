/**
 * Inline blocks (SPEC section 9): the origin reads a small sample's blocks back to publish beside its job,
 * a member's read takes offered blocks its CIDs name instead of fetching them, and a block a relay
 * altered, added or dropped costs only the fetch.
 */
import { createHash, randomBytes } from 'node:crypto'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import path from 'node:path'
import tap from 'tap'
import { pino } from 'pino'
import { CID } from 'multiformats/cid'
import * as Digest from 'multiformats/hashes/digest'
import { MAX_INLINE_BLOCK_BYTES, MAX_INLINE_BLOCKS } from '#protocol/messages.ts'
import { CHUNK_SIZE } from '../../src/crypto/index.ts'
import { createRepositories, openDatabase } from '../../src/db/index.ts'
import { createOfferedBlocks } from '../../src/ingest/inline-blocks.ts'
import { startSampleStore } from '../fixtures/sample-store.ts'
import { createDurableBlockstore } from '../../src/ipfs/fs-blockstore.ts'
import type { Test } from 'tap'
import type { Blockstore } from 'interface-blockstore'

async function store (t: Test, want?: (cid: CID) => Promise<Uint8Array>): Promise<Awaited<ReturnType<typeof startSampleStore>> & { blockstore: Blockstore, wants: CID[], sources: string[] }> {
  const dir = await mkdtemp(path.join(tmpdir(), 'virusmap-inline-'))
  const db = await openDatabase({ path: path.join(dir, 'db') })
  const blockstore = createDurableBlockstore({ path: path.join(dir, 'blocks') })
  await blockstore.open()
  t.teardown(async () => {
    await blockstore.close()
    await db.close()
    await rm(dir, { recursive: true, force: true })
  })
  const wants: CID[] = []
  const sources: string[] = []
  const samples = await startSampleStore(t, {
    blocksRead: { inc: (labels) => { sources.push(String((labels as { source?: string }).source)) } },
    db, spoolDir: path.join(dir, 'spool'), blockstore, samples: createRepositories(db).samples, logger: pino({ level: 'silent' }), maxSampleBytes: 8 * CHUNK_SIZE,
    bitswap: { want: async (cid: CID) => { wants.push(cid); if (want === undefined) throw new Error('no peer has it'); return await want(cid) } }
  })
  return Object.assign(samples, { blockstore, wants, sources })
}

const upload = (bytes: Uint8Array): AsyncIterable<Uint8Array> => (async function * () { yield bytes })()
const sha256 = (b: Uint8Array): Uint8Array => new Uint8Array(createHash('sha256').update(b).digest())
const cidOf = (b: Uint8Array, hash = 0x12): CID => CID.createV1(0x55, Digest.create(hash, sha256(b)))

tap.test('a small sample\'s blocks, manifest first, read back for its job; a large one\'s are not', async (t) => {
  const origin = await store(t)
  const small = await origin.ingest(upload(randomBytes(4096)))
  const blocks = await origin.inlineBlocks(small.cid)
  t.equal(blocks?.length, 2, 'the manifest and one chunk')
  t.equal(blocks?.[1]?.byteLength, 4096 + 16, 'the chunk is its ciphertext and tag')
  t.same(blocks?.[0], await collect(origin.blockstore, CID.parse(small.cid)), 'the manifest block as stored')

  const edge = await origin.ingest(upload(randomBytes(MAX_INLINE_BLOCK_BYTES - 16 - 400)))
  t.ok(await origin.inlineBlocks(edge.cid), 'a sample just under the bound rides inline')
  const over = await origin.ingest(upload(randomBytes(MAX_INLINE_BLOCK_BYTES)))
  t.equal(await origin.inlineBlocks(over.cid), undefined, 'past the bound, members fetch')
  const large = await origin.ingest(upload(randomBytes(2 * CHUNK_SIZE + 1)))
  t.equal(await origin.inlineBlocks(large.cid), undefined)
})

tap.test('a member reads a small sample from the blocks its job carried, and fetches nothing', async (t) => {
  const origin = await store(t)
  const bytes = randomBytes(4096)
  const stored = await origin.ingest(upload(bytes))
  const blocks = await origin.inlineBlocks(stored.cid) as Uint8Array[]
  const member = await store(t)
  member.offerBlocks(blocks.map((b) => Buffer.from(Buffer.from(b).toString('base64'), 'base64')))
  t.same(Buffer.from(await member.readSample(stored.cid, stored.contentKey)), bytes)
  t.same(member.wants, [], 'no bitswap want')
  t.same(member.sources, ['inline', 'inline'], 'counted as inline')
  t.same(Buffer.from(await member.readSample(stored.cid, stored.contentKey)), bytes, 'kept: read again from its own blocks')
  t.same(member.wants, [])
  t.same(member.sources, ['inline', 'inline', 'local', 'local'])
})

tap.test('blocks a relay altered, added or dropped cost the fetch, never the bytes', async (t) => {
  const origin = await store(t)
  const bytes = randomBytes(4096)
  const stored = await origin.ingest(upload(bytes))
  const [manifest, chunk] = await origin.inlineBlocks(stored.cid) as [Uint8Array, Uint8Array]
  const fromOrigin = async (cid: CID): Promise<Uint8Array> => await collect(origin.blockstore, cid)

  const altered = Buffer.from(chunk)
  altered[10] = (altered[10] as number) ^ 1
  const memberA = await store(t, fromOrigin)
  memberA.offerBlocks([manifest, altered, randomBytes(100)])
  t.same(Buffer.from(await memberA.readSample(stored.cid, stored.contentKey)), bytes, 'an altered chunk: the right one is fetched')
  t.equal(memberA.wants.length, 1, 'only the chunk is wanted')
  t.same(memberA.sources, ['inline', 'fetched'])
  t.not(memberA.wants[0]?.toString(), stored.cid, 'the manifest came inline')

  const memberB = await store(t, fromOrigin)
  memberB.offerBlocks([chunk])
  t.same(Buffer.from(await memberB.readSample(stored.cid, stored.contentKey)), bytes, 'the manifest dropped: fetched')
  t.same(memberB.wants.map(String), [stored.cid])

  const memberC = await store(t)
  memberC.offerBlocks([randomBytes(4112)])
  await t.rejects(memberC.readSample(stored.cid, stored.contentKey), 'junk alone: the read fetches, and fails where no peer has it')
})

tap.test('offered blocks are taken once, by sha2-256 digest, and the oldest go past the bound', async (t) => {
  const offered = createOfferedBlocks(3)
  const blocks = [1, 2, 3, 4].map((i) => new Uint8Array([i]))
  offered.offer(blocks)
  t.equal(offered.size, 3)
  t.equal(offered.take(cidOf(blocks[0] as Uint8Array)), undefined, 'the oldest was forgotten')
  t.same(offered.take(cidOf(blocks[3] as Uint8Array)), blocks[3])
  t.equal(offered.take(cidOf(blocks[3] as Uint8Array)), undefined, 'handed out once')
  t.same(offered.take(CID.createV1(0x0200, cidOf(blocks[1] as Uint8Array).multihash)), blocks[1], 'under any codec: blocks are named by their hash')
  t.equal(offered.take(cidOf(blocks[2] as Uint8Array, 0x13)), undefined, 'another hash function is no match')
  t.ok(MAX_INLINE_BLOCKS >= 2, 'a manifest and a chunk fit')
})

async function collect (blockstore: Blockstore, cid: CID): Promise<Uint8Array> {
  const parts: Uint8Array[] = []
  for await (const part of blockstore.get(cid)) parts.push(part)
  return Buffer.concat(parts)
}
